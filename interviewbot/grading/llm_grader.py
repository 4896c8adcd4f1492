"""LLM grader: structured feedback from a chat model, validated, with the offline grade as fallback.

The model gets the numbered rubric, the reference answer and a few retrieved guide chunks under
short keys (S1..Sk); the candidate's answer is delimited as data. A reply is rejected when it is
unparseable, scores out of range, or cites something that was not retrieved; it is retried once
if the time budget allows, then the offline feedback is used and the user is told why. An accepted
reply is still bounded: score and dimensions by the rubric evidence (grading/policy.py), key
points must be the rubric's with quotes from the answer, and a summary or strengths that contradict
the grade are replaced by the offline text (grading/llm_checks.py).
"""

from __future__ import annotations

import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interviewbot.grading.citations import best_quote
from interviewbot.grading.feedback import Citation, Feedback
from interviewbot.grading.llm_checks import (
    align_key_points,
    resolve_citations,
    strengths_problem,
    summary_problem,
)
from interviewbot.grading.policy import apply_cap, bound_llm_dimensions, bound_llm_score
from interviewbot.prompts import load_prompt
from interviewbot.questions import Question

# A lean prompt: a CPU-bound local model reads 30-50 prompt tokens/s, so every chunk costs seconds.
PROMPT_CHUNKS = 3
CHUNK_CHARS = 320
REFERENCE_CHARS = 700
MAX_OUTPUT_TOKENS = 700
RETRY_HEADROOM = 1.2  # retry only if the budget left exceeds the first attempt's time by this factor

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override) (all |any |the |your |previous |prior |above |earlier )*"
    r"(instructions|rubric|rules|prompt|grading)"
    r"|(give|award|assign|grade|rate|score|mark) (me |this |it |this answer |my answer )?(a |as )?"
    r"(10|ten|full marks|perfect|maximum)"
    r"|you are now|system prompt|10\s*(/|out of)\s*10",
    re.IGNORECASE,
)
_CLOSE_TAG = re.compile(r"<\s*/\s*answer\s*>", re.IGNORECASE)


# The docstrings below are the tool and schema descriptions the model reads: keep them short.


def _every_field_required(schema: dict) -> None:
    """The schema the model sees requires every field (a server that enforces it with a grammar
    then makes a small model give the rubric point numbers); parsing keeps the defaults."""
    schema["required"] = [name for name in schema.get("properties", {}) if name != "text"]


class LLMKeyPoint(BaseModel):
    """A rubric point by number, its status and a quote from the answer."""

    model_config = ConfigDict(json_schema_extra=_every_field_required)

    point: int = 0  # 0: not given (then matched by `text`, else ignored)
    status: Literal["covered", "partly", "missed"]
    evidence: str = ""
    text: str = ""  # some models repeat the point's text instead of (or besides) its number


class LLMDimensions(BaseModel):  # fixed keys: strict JSON-schema modes reject free-form dicts
    """Each 0-10."""

    coverage: float
    correctness: float
    depth: float
    clarity: float


class LLMFeedback(BaseModel):  # matched to the shared Feedback type after validation
    """The grade of one answer."""

    model_config = ConfigDict(json_schema_extra=_every_field_required)

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


def offered_chunks(retrieved: list, offline: Feedback) -> list:
    """The chunks shown to the model: the offline grade's citations first, then the other hits."""
    by_id = {h.id: h for h in retrieved}
    first = [by_id[c.chunk_id] for c in offline.citations if c.chunk_id in by_id]
    return list({h.id: h for h in first + list(retrieved)}.values())[:PROMPT_CHUNKS]


def _problems(out: LLMFeedback, keys: dict, retrieved: list) -> tuple[list, list[str]]:
    """(cited chunks, reasons to reject the whole reply)."""
    problems = []
    if not 0 <= out.score <= 10:
        problems.append(f"score {out.score:g} is outside 0-10")
    dims = out.dimensions.model_dump() if out.dimensions else {}
    problems += [f"dimension {k}={v:g} is outside 0-10" for k, v in dims.items() if not 0 <= v <= 10]
    cited, citation_problems = resolve_citations(out.citations, keys, retrieved)
    if not out.summary.strip():
        problems.append("the summary is empty")
    return cited, problems + citation_problems


def _add_usage(meta: dict, usage: dict) -> None:
    for key, value in (usage or {}).items():
        if key == "estimated":
            meta["usage"]["estimated"] = meta["usage"].get("estimated", False) or bool(value)
        else:
            meta["usage"][key] = meta["usage"].get(key, 0) + (value or 0)


class LLMGrader:
    """Grades with a chat backend; any failure falls back to the offline feedback."""

    def __init__(self, backend):
        self.backend = backend

    def _messages(self, question: Question, answer: str, keys: dict, offline: Feedback):
        rubric = "\n".join(f"{i + 1}. {kp.text}" for i, kp in enumerate(question.key_points)) or "(no rubric)"
        chunks = "\n".join(
            f"[{key}] {hit.heading}: {' '.join(hit.text.split())[:CHUNK_CHARS]}" for key, hit in keys.items()
        )
        return load_prompt("grader").render(
            track=question.track.replace("_", " "),
            question=question.prompt,
            rubric=rubric,
            reference_answer=(question.reference_answer or "(none)")[:REFERENCE_CHARS],
            chunks=chunks or "(none)",
            answer=_CLOSE_TAG.sub("</ answer>", answer),
            offline_score=f"{offline.score:.1f}",
        )

    def grade(
        self, question: Question, answer: str, retrieved, offline: Feedback, deadline=None
    ) -> tuple[Feedback, dict]:
        """(feedback, meta). meta: grader ("llm" | "offline"), backend, model, method, attempts,
        latency_ms, usage (token counts; "estimated": true when the server sent none), budget_s,
        corrections (parts replaced by the offline text, and why), cited (chunk ids the model cited)
        and, on a fallback, fallback_reason."""
        deadline = deadline or self.backend.deadline()
        keys = {f"S{i + 1}": hit for i, hit in enumerate(offered_chunks(retrieved, offline))}
        messages = self._messages(question, answer, keys, offline)
        meta = {
            "grader": "llm",
            "backend": self.backend.name,
            "model": self.backend.model,
            "method": "",
            "attempts": 0,
            "latency_ms": 0.0,
            "usage": {},
            "budget_s": deadline.seconds,
            "corrections": [],
        }
        reason = "the model returned nothing usable"
        while meta["attempts"] < 2:  # one retry, if it can still finish in time
            meta["attempts"] += 1
            started = time.monotonic()
            result = self.backend.structured(messages, LLMFeedback, deadline, max_tokens=MAX_OUTPUT_TOKENS)
            meta["latency_ms"] = round(meta["latency_ms"] + result.latency_ms, 1)
            meta["method"] = result.method or meta["method"]
            _add_usage(meta, result.usage)
            if result.value is not None:
                cited, problems = _problems(result.value, keys, retrieved)
                if not problems:
                    return self._feedback(result.value, cited, question, answer, offline, meta), meta
                reason = "; ".join(problems)
            else:
                reason = result.error or reason
                if not result.retryable:
                    break
            if deadline.expired or deadline.remaining() < RETRY_HEADROOM * (time.monotonic() - started):
                if meta["attempts"] < 2:
                    reason += "; no time left in the budget to ask again"
                break
        return self._fallback(offline, meta, reason)

    def _fallback(self, offline: Feedback, meta: dict, reason: str) -> tuple[Feedback, dict]:
        meta.update(grader="offline", fallback_reason=reason)
        note = f"The {self.backend.name} grader's reply was not usable ({reason}); showing the offline grade."
        return offline.model_copy(update={"fallback_reason": note}), meta

    def _feedback(self, out: LLMFeedback, cited, question, answer, offline: Feedback, meta: dict) -> Feedback:
        injection = injection_suspected(answer)
        score, held = bound_llm_score(out.score, offline.score, injection=injection)
        score = round(apply_cap(score, offline.score_cap), 1)
        dims = out.dimensions.model_dump() if out.dimensions else {}
        key_points, notes = align_key_points(out.key_points, offline.key_points, answer)
        summary, strengths = out.summary.strip(), out.strengths[:5]
        problem = summary_problem(summary, score, key_points)
        if problem:
            summary, notes = offline.summary, notes + [f"summary: {problem}"]
        problem = strengths_problem(strengths, score, key_points)
        if problem:
            strengths, notes = offline.strengths, notes + [f"strengths: {problem}"]
        meta["corrections"] = notes
        meta["cited"] = [hit.id for hit in cited]  # the chunks the model cited (resolved)
        note = (
            "The answer contains instructions to the grader; they were ignored and the rubric score stands."
        )
        return Feedback(
            score=score,
            dimensions=bound_llm_dimensions(dims, offline.score, injection=injection),
            key_points=key_points,
            summary=summary + (f" {note}" if held else ""),
            strengths=strengths,
            improvements=out.improvements[:5],
            citations=[_citation(hit, question) for hit in cited] or offline.citations,
            next_step=out.next_step or offline.next_step,
            grader=f"llm:{self.backend.model}",
            score_cap=offline.score_cap,
        )


def _citation(hit, question: Question) -> Citation:
    return Citation(
        chunk_id=hit.id, source=hit.source, heading=hit.heading, quote=best_quote(hit.text, question.prompt)
    )
