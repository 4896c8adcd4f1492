"""LLM grader: structured feedback from a chat model, validated, with the offline grade as fallback.

The model gets the rubric, the reference answer and the retrieved guide chunks (with ids); the
candidate's answer is delimited as data. Its reply is rejected when it is unparseable, scores out
of range, or cites a chunk that was not retrieved for this turn; it is retried once, then the
offline feedback is used and the user is told why.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from interviewbot.grading.feedback import Citation, Feedback, KeyPointResult
from interviewbot.grading.offline import best_quote
from interviewbot.grading.policy import apply_cap, bound_llm_score
from interviewbot.prompts import load_prompt
from interviewbot.questions import Question

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override) (all |any |the |your |previous |prior |above |earlier )*"
    r"(instructions|rubric|rules|prompt|grading)"
    r"|(give|award|assign|grade|rate|score|mark) (me |this |it |this answer |my answer )?(a |as )?"
    r"(10|ten|full marks|perfect|maximum)"
    r"|you are now|system prompt|10\s*(/|out of)\s*10",
    re.IGNORECASE,
)
_CLOSE_TAG = re.compile(r"<\s*/\s*answer\s*>", re.IGNORECASE)


class LLMKeyPoint(BaseModel):
    text: str
    status: Literal["covered", "partly", "missed"]
    evidence: str = ""


class LLMDimensions(BaseModel):
    """Fixed keys: strict JSON-schema modes reject free-form dicts."""

    coverage: float
    correctness: float
    depth: float
    clarity: float


class LLMFeedback(BaseModel):
    """What the model must return (matched to the shared Feedback type after validation)."""

    score: float
    dimensions: LLMDimensions | None = None
    key_points: list[LLMKeyPoint] = Field(default_factory=list)
    summary: str = ""
    strengths: list[str] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    next_step: str = ""


def injection_suspected(answer: str) -> bool:
    """True when the answer tries to instruct the grader (it is graded as text, never obeyed)."""
    return bool(_INJECTION.search(answer or ""))


def _problems(out: LLMFeedback, retrieved_ids: set[str]) -> list[str]:
    problems = []
    if not 0 <= out.score <= 10:
        problems.append(f"score {out.score} is outside 0-10")
    dims = out.dimensions.model_dump() if out.dimensions else {}
    problems += [f"dimension {k}={v} is outside 0-10" for k, v in dims.items() if not 0 <= v <= 10]
    unknown = [c for c in out.citations if c not in retrieved_ids]
    if unknown:
        problems.append(f"cited chunk(s) {', '.join(unknown[:3])} that were not retrieved for this answer")
    if not out.summary.strip():
        problems.append("the summary is empty")
    return problems


class LLMGrader:
    """Grades with a chat backend; any failure falls back to the offline feedback."""

    def __init__(self, backend):
        self.backend = backend

    def _messages(self, question: Question, answer: str, retrieved, offline: Feedback):
        rubric = "\n".join(f"{i + 1}. {kp.text}" for i, kp in enumerate(question.key_points)) or "(no rubric)"
        chunks = "\n\n".join(
            f"[{h.id}] {h.heading} ({h.source})\n{' '.join(h.text.split())[:900]}" for h in retrieved
        )
        return load_prompt("grader").render(
            track=question.track.replace("_", " "),
            question=question.prompt,
            rubric=rubric,
            reference_answer=question.reference_answer or "(none)",
            chunks=chunks or "(none)",
            answer=_CLOSE_TAG.sub("</ answer>", answer),
            offline_score=f"{offline.score:.1f}",
        )

    def grade(self, question: Question, answer: str, retrieved, offline: Feedback) -> tuple[Feedback, dict]:
        """(feedback, meta): meta has model, usage, latency_ms, attempts and any fallback reason."""
        messages = self._messages(question, answer, retrieved, offline)
        ids = {h.id for h in retrieved}
        meta = {"model": self.backend.model, "usage": {}, "latency_ms": 0.0, "attempts": 0}
        reason = None
        for _ in range(2):  # one retry
            meta["attempts"] += 1
            result = self.backend.structured(messages, LLMFeedback)
            meta["latency_ms"] += result.latency_ms
            for k, v in (result.usage or {}).items():
                meta["usage"][k] = meta["usage"].get(k, 0) + (v or 0)
            if result.value is None:
                reason = result.error or "the model returned nothing usable"
                continue
            problems = _problems(result.value, ids)
            if problems:
                reason = "; ".join(problems)
                continue
            return self._feedback(result.value, question, answer, retrieved, offline), meta
        meta["fallback_reason"] = reason
        note = f"The {self.backend.name} grader's reply was not usable ({reason}); showing the offline grade."
        return offline.model_copy(update={"fallback_reason": note}), meta

    def _feedback(self, out: LLMFeedback, question, answer, retrieved, offline: Feedback) -> Feedback:
        by_id = {h.id: h for h in retrieved}
        cites = [
            Citation(
                chunk_id=c,
                source=by_id[c].source,
                heading=by_id[c].heading,
                quote=best_quote(by_id[c].text, question.prompt),
            )
            for c in dict.fromkeys(out.citations)
        ]
        key_points = _align_key_points(out.key_points, offline.key_points)
        score, held = bound_llm_score(out.score, offline.score, injection=injection_suspected(answer))
        note = (
            "The answer contains instructions to the grader; they were ignored and the rubric score stands."
            if held
            else None
        )
        score = apply_cap(score, offline.score_cap)
        return Feedback(
            score=round(score, 1),
            dimensions={
                k: round(v, 1) for k, v in (out.dimensions.model_dump() if out.dimensions else {}).items()
            },
            key_points=key_points,
            summary=out.summary.strip() + (f" {note}" if note else ""),
            strengths=out.strengths[:5],
            improvements=out.improvements[:5],
            citations=cites or offline.citations,
            next_step=out.next_step or offline.next_step,
            grader=f"llm:{self.backend.model}",
            score_cap=offline.score_cap,
        )


def _align_key_points(theirs: list[LLMKeyPoint], ours: list[KeyPointResult]) -> list[KeyPointResult]:
    """The rubric's own key points, with the model's status/evidence where it gave one per point."""
    if len(theirs) != len(ours):
        return ours
    return [
        KeyPointResult(text=o.text, phase=o.phase, status=t.status, evidence=t.evidence[:400])
        for o, t in zip(ours, theirs)
    ]
