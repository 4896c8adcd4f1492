"""Entry points the CLI uses for one-off grading and grader evaluation.

Both honour the configured backend: the offline rubric grade always runs, the LLM grader (when a
backend is configured and `offline` is not forced) refines it or falls back to it, and the result
says which grader ran and why a fallback happened.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.grading.evaluation import evaluate_grader, load_graded_csv
from interviewbot.grading.feedback import Feedback
from interviewbot.questions import load_question_set


@dataclass
class GradeOutcome:
    """A grade plus how it was made: which grader ran, why any fallback, latency and usage."""

    feedback: Feedback
    meta: dict = field(default_factory=dict)
    retrieved: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The Feedback's JSON fields plus a `grading` object (grader, reason, latency, usage)."""
        return self.feedback.model_dump(mode="json") | {"grading": self.meta}


def _offline_grader(settings, with_index: bool = True):
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex

    index = None
    if with_index:
        index = KnowledgeIndex(settings, embedder=get_embedder())
        if not index.is_built():
            index.ingest()
    return OfflineGrader(get_embedder(), index, k=settings.retrieval_k)


class BackendGrader:
    """The offline grade, refined by the configured LLM grader when there is one."""

    def __init__(self, settings, *, offline: bool = False, with_index: bool = True):
        from interviewbot.grading.llm import LLMGrader
        from interviewbot.llm import get_backend

        self.offline = _offline_grader(settings, with_index)
        backend = None if offline else get_backend(settings)
        self.llm = LLMGrader(backend) if backend is not None else None
        self.reason = (
            "--offline was given" if offline else "no LLM is configured (INTERVIEWBOT_BACKEND=offline)"
        )

    def grade(self, question, answer: str) -> GradeOutcome:
        """Grade one answer: offline first, then the LLM (which falls back to the offline grade)."""
        result = self.offline.grade(question, answer)
        if self.llm is None:
            meta = {"grader": "offline", "offline_reason": self.reason}
            return GradeOutcome(result.feedback, meta, result.retrieved)
        feedback, meta = self.llm.grade(question, answer, result.retrieved, result.feedback)
        return GradeOutcome(feedback, meta, result.retrieved)


def read_answer(answer_file: str) -> str:
    """The answer text from a file or stdin ('-'), with clear errors."""
    if answer_file == "-":
        return sys.stdin.read()
    path = Path(answer_file)
    if not path.is_file():
        raise ValidationError(f"{answer_file}: no such answer file.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{answer_file}: not UTF-8 text; save the answer as plain text.") from None


def grade_answer_file(
    settings, set_file: str, question_id: str, answer_file: str, *, offline: bool = False
) -> GradeOutcome:
    """Grade one answer to one question of a set file with the configured grader."""
    from interviewbot.interview import clean_answer

    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        ids = ", ".join(q.id for q in qset.questions[:10])
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; it has: {ids}"
            + (" ..." if len(qset.questions) > 10 else "")
            + "."
        )
    answer = clean_answer(read_answer(answer_file))
    return BackendGrader(settings, offline=offline).grade(question, answer)


def grading_line(meta: dict) -> str:
    """One line saying which grader ran and why a fallback happened (for terminal output)."""
    if meta.get("grader") == "llm":
        usage = meta.get("usage") or {}
        tokens = f", {usage.get('total_tokens', 0)} tokens" + (
            " (estimated)" if usage.get("estimated") else ""
        )
        return (
            f"Graded by the LLM ({meta['backend']}, {meta['model']}, {meta.get('method') or 'default'} "
            f"output) in {meta['latency_ms'] / 1000:.1f} s{tokens if usage else ''}."
        )
    if meta.get("fallback_reason"):
        return f"Graded offline: the {meta['backend']} grader fell back ({meta['fallback_reason']})."
    return f"Graded offline: {meta.get('offline_reason', 'no LLM is configured')}."


class _RecordingGrader:
    """Wraps a BackendGrader for `evaluate_grader`, counting which grader scored each row."""

    def __init__(self, grader: BackendGrader):
        self.grader, self.graders, self.fallbacks = grader, {}, []

    def grade(self, question, answer: str) -> GradeOutcome:
        outcome = self.grader.grade(question, answer)
        name = outcome.feedback.grader
        self.graders[name] = self.graders.get(name, 0) + 1
        if outcome.meta.get("fallback_reason"):
            self.fallbacks.append({"question": question.id, "reason": outcome.meta["fallback_reason"]})
        return outcome


def evaluate_file(settings, csv_file: str, *, offline: bool = False) -> dict:
    """Agreement of the configured grader with the human scores in a CSV, and which grader ran."""
    rows = load_graded_csv(csv_file)
    recorder = _RecordingGrader(BackendGrader(settings, offline=offline, with_index=False))
    report = evaluate_grader(recorder, rows)
    report["graders"] = recorder.graders
    report["fallbacks"] = recorder.fallbacks
    if recorder.grader.llm is None:
        report["offline_reason"] = recorder.grader.reason
    return report
