"""Answer-level signals that scale rubric coverage: length against what a complete answer runs to, and
the copy, keyword-list and repetition checks, each with the note the candidate reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from interviewbot.grading.text import copies_question, distinct_ratio, keyword_list, tokens, words
from interviewbot.questions import Question

# Fitted on the training splits of three public answer-grading sets (bench/calibrate_grader.py).
EXPECTED_SHARE = 0.5  # a complete answer is at least half as long as the reference (or the rubric)
LENGTH_EXPONENT = 0.25  # how hard a short answer is held back: (words / expected) ** this


@dataclass
class Signals:
    """Answer-level observations that scale the rubric coverage."""

    words: int
    relevance: float  # cosine(answer, question + reference): reported, and a note when low
    copied_question: bool = False
    keyword_stuffed: bool = False
    repetitive: bool = False
    length_factor: float = 1.0
    notes: list[str] = field(default_factory=list)

    @property
    def quality(self) -> float:
        """What the coverage is multiplied by: the length factor and the penalties."""
        return self.length_factor * self.penalty

    @property
    def penalty(self) -> float:
        """The copy, keyword-list and repetition multipliers (1 when none applies)."""
        copied, stuffed = (0.1 if self.copied_question else 1.0), (0.3 if self.keyword_stuffed else 1.0)
        return copied * stuffed * (0.5 if self.repetitive else 1.0)


def relevance_factor(relevance: float) -> float:
    """Relevance as a 0.05..1 factor (MiniLM: unrelated text sits near 0.1-0.3)."""
    return float(np.clip((relevance - 0.12) / 0.28, 0.05, 1.0))


def answer_signals(question: Question, answer: str, relevance: float) -> Signals:
    """The signals of one answer (relevance: its cosine with the question and reference)."""
    toks = tokens(answer)
    s = Signals(words=len(toks), relevance=relevance)
    expected = EXPECTED_SHARE * expected_words(question)
    s.length_factor = length_factor(len(toks), expected)
    if copies_question(question.prompt, answer):
        s.copied_question = True
        s.notes.append("The answer mostly repeats the question; explain in your own words.")
    if keyword_list(answer):
        s.keyword_stuffed = True
        s.notes.append("The answer is a list of keywords; connect them in sentences that explain.")
    if len(words(answer)) >= 30 and distinct_ratio(answer) < 0.3:
        s.repetitive = True
        s.notes.append("The answer repeats itself; each sentence should add something.")
    if relevance < 0.25 and len(toks) >= 3:
        s.notes.append("The answer seems off-topic for this question.")
    if 0 < len(toks) < expected * 0.5:
        s.notes.append("The answer is short; a strong answer explains why, not just what.")
    return s


def length_factor(n_words: int, expected: float) -> float:
    """1 for an answer of the expected length or longer; short answers are held back, gently."""
    return float(min(1.0, n_words / expected) ** LENGTH_EXPONENT) if n_words else 0.0


def expected_words(question: Question) -> int:
    """How long a complete answer runs: the reference answer, else the rubric itself."""
    return (
        len(tokens(question.reference_answer or ""))
        or sum(len(tokens(kp.text)) for kp in question.key_points)
        or 1
    )
