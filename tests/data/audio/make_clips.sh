#!/usr/bin/env bash
# Regenerate the voice-test clips from clips.yaml (needs Debian's espeak-ng and sox; run from anywhere).
# The output is deterministic for a given espeak-ng version; the shipped clips came from 1.51.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-../../../.venv/bin/python}"
"$PY" - <<'PYEOF'
import subprocess, tempfile, yaml
for clip in yaml.safe_load(open("clips.yaml"))["clips"]:
    with tempfile.NamedTemporaryFile(suffix=".wav") as raw:
        subprocess.run(["espeak-ng", "-v", clip["voice"], "-s", "160", "-w", raw.name, clip["text"]], check=True)
        subprocess.run(["sox", raw.name, "-r", "16000", "-c", "1", "-b", "16", f"{clip['name']}.wav"], check=True)
    print(clip["name"])
PYEOF
