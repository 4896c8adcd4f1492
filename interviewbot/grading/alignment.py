"""Soft word-piece alignment: how much of a key point an answer expresses, piece by piece.

Each content word piece of the key point takes its best cosine among the answer's content word
pieces (contextual states from the embedder's own pass). Words the question already contains are
demoted on both sides (Sultan, Salazar and Sumner 2016): repeating the question proves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from interviewbot.embeddings import DIMENSION, TokenStates
from interviewbot.grading.text import STOPWORDS, content_terms, stem, tokens

QUESTION_WEIGHT = 0.1  # a key-point word the question contains counts a tenth of a new word
_ALNUM = re.compile(r"[a-z0-9]")


def question_stems(prompt: str) -> frozenset[str]:
    """The stemmed content words of a question (what an answer gets no credit for repeating)."""
    return frozenset(content_terms(prompt))


def _is_content(word: str) -> bool:
    return bool(_ALNUM.search(word)) and word not in STOPWORDS


def _in_question(word: str, qstems: frozenset[str]) -> bool:
    return any(stem(t) in qstems for t in tokens(word))


@dataclass(frozen=True)
class Pieces:
    """One text's word pieces that carry content, with their states and where they came from."""

    states: np.ndarray  # (n, d) unit vectors
    in_question: np.ndarray  # (n,) the piece's word appears in the question
    unit: np.ndarray  # (n,) which sentence of the text each piece is in


def content_pieces(parts: list[TokenStates], qstems: frozenset[str]) -> Pieces:
    """The content pieces of a text embedded as `parts` (its sentences); all pieces if none is content."""
    states, in_q, unit = [], [], []
    for n, part in enumerate(parts):
        keep = [i for i, w in enumerate(part.words) if _is_content(w)] or range(len(part.words))
        states.extend(part.states[i] for i in keep)
        in_q.extend(_in_question(part.words[i], qstems) for i in keep)
        unit.extend(n for _ in keep)
    dim = parts[0].states.shape[1] if parts else DIMENSION
    return Pieces(
        np.asarray(states, dtype=np.float32).reshape(-1, dim),
        np.asarray(in_q, dtype=bool),
        np.asarray(unit, dtype=np.int32),
    )


def question_weights(in_question: np.ndarray) -> np.ndarray:
    """Demote question words, unless nothing else is left."""
    if in_question.all():
        return np.ones(len(in_question))
    return np.where(in_question, QUESTION_WEIGHT, 1.0)


def answer_columns(answer: Pieces) -> np.ndarray:
    """The answer pieces a key point may align to: its new words (all, if it only repeats the question)."""
    fresh = ~answer.in_question
    return fresh if fresh.any() else np.ones(len(fresh), dtype=bool)


@dataclass(frozen=True)
class Alignment:
    """A key point's soft recall in the answer, overall and sentence by sentence."""

    recall: float
    per_unit: np.ndarray  # (sentences,) the recall each answer sentence achieves alone


def align(key_point: Pieces, answer: Pieces, n_units: int) -> Alignment:
    """Soft recall of the key point's pieces in the answer (0..1), question words demoted."""
    if not len(key_point.states) or not len(answer.states):
        return Alignment(0.0, np.zeros(n_units))
    cols = answer_columns(answer)
    sims = np.clip(key_point.states @ answer.states[cols].T, 0.0, 1.0)
    weights = question_weights(key_point.in_question)
    recall = float(weights @ sims.max(axis=1) / weights.sum())
    # Pieces come sentence by sentence, so each sentence's best match is one reduce over its run.
    units = answer.unit[cols]
    starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
    per_unit = np.zeros(n_units)
    per_unit[units[starts]] = weights @ np.maximum.reduceat(sims, starts, axis=1) / weights.sum()
    return Alignment(recall, per_unit)


def lexical_coverage(key_point: str, answer_stems: set[str], qstems: frozenset[str]) -> float:
    """Share of the key point's content words the answer uses verbatim (question words demoted)."""
    terms = content_terms(key_point)
    if not terms:
        return 0.0
    in_q = np.array([t in qstems for t in terms])
    weights = question_weights(in_q)
    hits = np.array([t in answer_stems for t in terms], dtype=float)
    return float(weights @ hits / weights.sum())
