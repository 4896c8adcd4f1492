"""Build knowledge/vectors.npz, the shipped knowledge's vectors (`make vectors`, after editing knowledge/)."""

from __future__ import annotations

import os
import sys
import tempfile
import time

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.index import shipped_texts
from interviewbot.questions import QuestionBank
from interviewbot.vectorpack import PACK_NAME, build_pack


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        os.environ["INTERVIEWBOT_HOME"] = home  # never pick up the user's own sets
        settings = load_settings()
        builtin = [s for s in QuestionBank(settings).all_sets() if s.builtin]
        texts = shipped_texts(settings, builtin)
        started = time.perf_counter()
        n = build_pack(texts, get_embedder(), settings.knowledge_dir / PACK_NAME)
    size = (settings.knowledge_dir / PACK_NAME).stat().st_size
    print(f"{PACK_NAME}: {n} vectors ({size / 1024:.0f} KB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
