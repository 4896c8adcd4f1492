"""Precomputed vectors for the shipped knowledge: built at release time (`make vectors`), verified at load.

The shipped guides and question sets are the same on every machine, so their vectors ship too:
a first start only loads them into Chroma instead of embedding ~450 texts. Each vector is keyed
by a hash of the exact text that was embedded, and the pack names the embedder it was built
with (model id and the hashes of its model and tokenizer files). A pack that fails any check is
ignored (everything is embedded as before); a text it does not hold is embedded as usual.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from interviewbot.embeddings import DIMENSION, MODEL_ID, model_files

log = logging.getLogger(__name__)
PACK_NAME = "vectors.npz"  # in the knowledge dir, beside guides/ and questions/
FORMAT = 1


def text_key(text: str) -> str:
    """The key of an embedded text: a hash of exactly what was embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def embedder_version() -> str:
    """Which embedder made a vector: model id plus the hashes of its model and tokenizer files."""
    return ":".join([MODEL_ID, *(_file_hash(p) for p in model_files())])


def _checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    return hashlib.sha256(keys.tobytes() + vectors.tobytes()).hexdigest()


@dataclass(frozen=True)
class VectorPack:
    """Vectors (float16, unit length) by text key."""

    rows: dict[str, int]
    vectors: np.ndarray

    def lookup(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """A float32 vector for each text the pack holds, None for the others."""
        out = []
        for text in texts:
            row = self.rows.get(text_key(text))
            out.append(None if row is None else self.vectors[row].astype(np.float32))
        return out

    def __len__(self) -> int:
        return len(self.rows)


def load_pack(path: Path) -> VectorPack | None:
    """The pack at `path` if it is intact and made by this embedder; None otherwise (logged)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors, meta = data["keys"], data["vectors"], json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring the vector pack %s: unreadable (%s)", path, exc)
        return None
    problem = _problem(keys, vectors, meta)
    if problem:
        log.warning("ignoring the vector pack %s: %s; the shipped knowledge will be embedded", path, problem)
        return None
    return VectorPack({str(k): i for i, k in enumerate(keys)}, vectors)


def _problem(keys: np.ndarray, vectors: np.ndarray, meta: dict) -> str | None:
    if meta.get("format") != FORMAT:
        return f"format {meta.get('format')!r}, expected {FORMAT}"
    if meta.get("embedder") != embedder_version():
        return f"built with embedder {meta.get('embedder')!r}, this one is {embedder_version()!r}"
    if vectors.dtype != np.float16 or vectors.shape != (len(keys), DIMENSION):
        return f"vectors of shape {vectors.shape} and type {vectors.dtype}"
    if meta.get("sha256") != _checksum(keys, vectors):
        return "its checksum does not match (damaged or edited)"
    return None


def build_pack(texts: Sequence[str], embedder, path: Path) -> int:
    """Embed `texts` (deduplicated, sorted by key) and write the pack; returns how many it holds."""
    unique = sorted({text_key(t): t for t in texts}.items())
    keys = np.array([k for k, _ in unique])
    vectors = embedder.embed([t for _, t in unique]).astype(np.float16)
    meta = {"format": FORMAT, "embedder": embedder_version(), "sha256": _checksum(keys, vectors)}
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez_compressed(tmp, keys=keys, vectors=vectors, meta=np.array(json.dumps(meta)))
    tmp.replace(path)
    return len(keys)
