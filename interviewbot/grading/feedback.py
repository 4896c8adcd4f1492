"""The one feedback type every grader returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Coverage = Literal["covered", "partly", "missed"]


class KeyPointResult(BaseModel):
    """How well the answer covered one rubric key point, with the evidence quoted from it."""

    text: str
    phase: str | None = None
    status: Coverage
    evidence: str = ""  # a sentence quoted from the answer ("" when missed)


class Citation(BaseModel):
    """A retrieved knowledge chunk the feedback refers to."""

    chunk_id: str
    source: str  # file path relative to the knowledge dir (or user guide name)
    heading: str  # heading path, e.g. "Supervised learning > Bias and variance"
    quote: str  # a short quote from the chunk


class Feedback(BaseModel):
    """Score 0-10 overall and per dimension, key-point checklist, citations, next step."""

    score: float = Field(ge=0, le=10)
    dimensions: dict[str, float] = Field(default_factory=dict)  # each 0-10
    key_points: list[KeyPointResult] = Field(default_factory=list)
    summary: str = ""
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    next_step: str = ""
    grader: str = "offline"  # "offline" or "llm:<model>"
    fallback_reason: str | None = None  # why the LLM grader's output was not used
    score_cap: float | None = None  # lowered by hints used

    def coverage_counts(self) -> dict[str, int]:
        counts = {"covered": 0, "partly": 0, "missed": 0}
        for kp in self.key_points:
            counts[kp.status] += 1
        return counts
