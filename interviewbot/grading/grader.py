"""The one door into grading: offline rubric grade, the LLM grade when configured, the score policy."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from interviewbot.grading.feedback import Feedback, KeyPointResult
from interviewbot.grading.offline import OfflineGrader
from interviewbot.grading.policy import cap_feedback, penalise_attempts
from interviewbot.judge.models import Verdict
from interviewbot.questions import Question

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradedTurn:
    """A graded answer: the feedback shown and stored, and how it was made (`meta`: which grader
    ran, why any fallback, model, latency_ms, usage, ...)."""

    feedback: Feedback
    meta: dict = field(default_factory=dict)
    retrieved: list = field(default_factory=list)

    @property
    def model(self) -> str | None:
        return self.meta.get("model")

    @property
    def usage(self) -> dict:
        """Token usage (estimated when the server sent none) with the call's latency."""
        usage = dict(self.meta.get("usage") or {})
        if self.meta.get("latency_ms"):
            usage["latency_ms"] = round(self.meta["latency_ms"], 1)
        return usage

    def to_dict(self) -> dict:
        """The Feedback's JSON fields plus a `grading` object (grader, reason, latency, usage)."""
        return self.feedback.model_dump(mode="json") | {"grading": self.meta}


class Grader:
    """Grades turns: always offline first (evidence, citations, caps), then the LLM grader if any."""

    def __init__(self, offline: OfflineGrader, llm=None, offline_reason: str = "no LLM is configured"):
        self.offline = offline
        self.llm = llm  # an LLMGrader, or None for offline grading
        self.offline_reason = offline_reason  # said when grading offline

    @property
    def name(self) -> str:
        return "offline" if self.llm is None else f"llm:{self.llm.backend.model}"

    def grade_turn(
        self,
        question: Question,
        text: str,
        *,
        hints_used: int = 0,
        verdict: Verdict | None = None,
        submissions: int = 0,
        follow_ups: Sequence[tuple[Question, str]] = (),
    ) -> GradedTurn:
        """Grade an answer (coding: the discussion with the last verdict, less per earlier submission).

        `follow_ups`: (derived question, answer) pairs, each graded offline against its own key points
        (grading/derived.py); the LLM grader reads them after the main answer."""
        result = self.offline.grade(
            question, text, hints_used=hints_used, verdict=verdict, follow_ups=follow_ups
        )
        if self.llm is None:
            meta = {"grader": "offline", "offline_reason": self.offline_reason}
            return GradedTurn(penalise_attempts(result.feedback, submissions), meta, result.retrieved)
        text = "\n\n".join(part for part in (text, *(reply for _, reply in follow_ups)) if part)
        feedback, meta = self.llm.grade(question, text, result.retrieved, result.feedback)
        feedback = penalise_attempts(cap_feedback(feedback, result.feedback.score_cap, verdict), submissions)
        return GradedTurn(feedback, meta, result.retrieved)

    def prepare_soon(self, question: Question) -> threading.Thread:
        """Embed what grading `question` needs besides the answer while the candidate reads and answers,
        so the grade embeds only the answer. Not a daemon thread: the interpreter waits for it at exit
        (a thread still inside the model's native code while Python finalises aborts the process)."""
        thread = threading.Thread(target=self._prepare, args=(question,), name="grading-prepare")
        thread.start()
        return thread

    def _prepare(self, question: Question) -> None:
        try:
            self.offline.prepare(question)
        except Exception as exc:  # the grade prepares again and reports a fault itself
            log.info("preparing to grade %s failed: %s", question.id, exc)

    def missed_points(self, question: Question, text: str) -> list[KeyPointResult]:
        """The rubric points an answer does not fully cover (cheap: the grade reuses this pass)."""
        results, _, _ = self.offline.scorer.assess(question, text)
        return [r for r in results if r.status != "covered"]
