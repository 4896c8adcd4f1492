"""The one door into grading: offline rubric grade, the LLM grade when configured, the score policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from interviewbot.grading.feedback import Feedback, KeyPointResult
from interviewbot.grading.offline import OfflineGrader
from interviewbot.grading.policy import cap_feedback, penalise_attempts
from interviewbot.judge.models import Verdict
from interviewbot.questions import Question


@dataclass(frozen=True)
class GradedTurn:
    """A graded answer: the feedback shown and stored, and how it was produced."""

    feedback: Feedback
    model: str | None = None
    usage: dict = field(default_factory=dict)
    latency_ms: float = 0.0
    retrieved: list = field(default_factory=list)


class Grader:
    """Grades turns: always offline first (evidence, citations, caps), then the LLM grader if any."""

    def __init__(self, offline: OfflineGrader, llm=None):
        self.offline = offline
        self.llm = llm  # an LLMGrader, or None for offline grading

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
    ) -> GradedTurn:
        """Grade an answer (coding: the discussion with the last verdict, less per earlier submission)."""
        result = self.offline.grade(question, text, hints_used=hints_used, verdict=verdict)
        if self.llm is None:
            return GradedTurn(penalise_attempts(result.feedback, submissions), retrieved=result.retrieved)
        feedback, meta = self.llm.grade(question, text, result.retrieved, result.feedback)
        feedback = penalise_attempts(cap_feedback(feedback, result.feedback.score_cap, verdict), submissions)
        return GradedTurn(
            feedback,
            model=meta.get("model"),
            usage=meta.get("usage") or {},
            latency_ms=meta.get("latency_ms") or 0.0,
            retrieved=result.retrieved,
        )

    def missed_points(self, question: Question, text: str) -> list[KeyPointResult]:
        """The rubric points an answer does not fully cover (cheap: the grade reuses this pass)."""
        results, _, _ = self.offline.scorer.assess(question, text)
        return [r for r in results if r.status != "covered"]
