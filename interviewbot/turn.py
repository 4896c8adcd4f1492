"""The interview's data: what the candidate asked for, the turn in flight, chat messages.

Plain types the engine keeps in memory and stores (a stored turn row becomes a `Turn` again on
resume); no behaviour beyond what each value can say about itself.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from interviewbot.errors import ValidationError
from interviewbot.grading.derived import complexity_question, follow_up_question
from interviewbot.judge.models import Verdict
from interviewbot.questions import DIFFICULTIES, TRACKS, Question

MAX_QUESTIONS = 50


@dataclass
class InterviewConfig:
    """What the candidate asked for."""

    tracks: list[str] = field(default_factory=lambda: ["ml_theory"])
    topics: list[str] = field(default_factory=list)
    difficulty: str | None = None  # None: adaptive, starting at medium
    num_questions: int = 5
    seed: int | None = None
    sets: list[str] = field(default_factory=list)  # question-set names; empty: every set
    question_ids: list[str] = field(default_factory=list)  # ask these first (e.g. the ones due)

    def __post_init__(self):
        bad = [t for t in self.tracks if t not in TRACKS]
        if bad or not self.tracks:
            raise ValidationError(f"unknown track(s) {bad or '(none)'}; choose from {', '.join(TRACKS)}.")
        if self.difficulty not in (None, *DIFFICULTIES):
            raise ValidationError(f"unknown difficulty {self.difficulty!r}; use easy, medium or hard.")
        if not 1 <= self.num_questions <= MAX_QUESTIONS:
            raise ValidationError(f"number of questions must be between 1 and {MAX_QUESTIONS}.")
        if self.seed is None:
            self.seed = random.randrange(1 << 30)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Message:
    """One chat message, as shown in the app and stored in the transcript."""

    role: str  # interviewer | candidate | system
    kind: str  # question | answer | code | hint | follow_up | feedback | verdict | summary | text
    content: str
    meta: dict = field(default_factory=dict)


class FollowUp(BaseModel):
    """A follow-up exchange on the current question: a design round, a probe, the complexity talk."""

    kind: str  # design_stage | follow_up | complexity
    prompt: str
    answer: str | None = None
    stage: int | None = None  # design round number (stored as "stage" in existing transcripts)
    key_points: list[str] = Field(default_factory=list)  # the rubric points a probe asks about


@dataclass
class Turn:
    """The question in flight and everything said about it so far."""

    id: int
    question: Question
    asked_at: float
    hints_used: int = 0
    answer: str = ""
    code: str = ""
    submissions: int = 0
    verdict: Verdict | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)
    interviewer_calls: list[dict] = field(default_factory=list)  # LLM phrasing: latency, usage, fallbacks
    last_run: Verdict | None = None  # the latest dry run on the visible tests (kept in memory only)

    def question_meta(self, number: int, of: int) -> dict:
        """What the question's message carries besides its text (ids, track, position, starter code)."""
        q = self.question
        meta = {"question_id": q.id, "track": q.track, "difficulty": q.difficulty, "topics": q.topics}
        meta |= {"number": number, "of": of}
        if q.track == "coding":
            meta["starter_code"] = q.starter_code or f"def {q.entry_point}(...):\n    pass\n"
        return meta

    @property
    def pending_follow_up(self) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.answer is None), None)

    @property
    def awaiting(self) -> str:
        """What the candidate is expected to give next: answer | code | follow_up."""
        if self.pending_follow_up is not None:
            return "follow_up"
        return "code" if self.question.track == "coding" else "answer"

    @property
    def has_answer(self) -> bool:
        """Something gradable was given: an answer, a follow-up answer or a judged submission."""
        return bool(self.answer or self.verdict or any(f.answer for f in self.follow_ups))

    def graded_parts(self) -> tuple[Question, str, list[tuple[Question, str]]]:
        """What is graded against what: (question, answer, follow-ups as (derived question, answer)).

        Coding: the complexity discussion against the rubric derived from the reference solution.
        Otherwise: the answer and the design rounds against the question's rubric, and each probe's
        answer against the points it probes (grading/derived.py)."""
        q = self.question
        if q.track == "coding":
            talk = next((f for f in self.follow_ups if f.kind == "complexity"), None)
            return (complexity_question(q, talk.prompt), talk.answer or "", []) if talk else (q, "", [])
        main = [self.answer] + [f.answer for f in self.follow_ups if f.kind == "design_stage"]
        probes = [
            (follow_up_question(q, f.prompt, f.key_points), f.answer)
            for f in self.follow_ups
            if f.kind == "follow_up" and f.answer
        ]
        return q, "\n\n".join(part for part in main if part), probes

    def stored_verdict(self) -> dict | None:
        """The verdict as stored (with the submission count beside it)."""
        if self.verdict is None:
            return None
        return self.verdict.model_dump(mode="json") | {"submissions": self.submissions}


def now() -> float:
    """Seconds since the epoch (the engine's clock)."""
    return time.time()


def iso_to_ts(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if not value:
        return now()
    parsed = datetime.fromisoformat(str(value))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def turn_from_row(row: dict, question: Question) -> Turn:
    stored = dict(row["verdict"] or {})
    submissions = stored.pop("submissions", 0)
    return Turn(
        row["id"],
        question,
        iso_to_ts(row["asked_at"]),
        row["hints_used"] or 0,
        row["answer"] or "",
        row["code"] or "",
        submissions,
        Verdict.model_validate(stored) if stored else None,
        [FollowUp.model_validate(f) for f in row["follow_ups"] or []],
    )
