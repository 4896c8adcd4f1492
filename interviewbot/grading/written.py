"""The words of an offline grade: summary, strengths that quote the answer, improvements, next step."""

from __future__ import annotations

from interviewbot.grading.feedback import Feedback
from interviewbot.questions import Question


def _clip(text: str, chars: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 3].rsplit(" ", 1)[0] + "..."


def write_text(fb: Feedback, question: Question, results, notes: list[str], verdict) -> None:
    """Fill in the summary, strengths (quoting the answer), improvements and the next step."""
    counts = fb.coverage_counts()
    parts = []
    if verdict is not None:
        parts.append(f"Judge: {verdict.verdict.replace('_', ' ')} ({verdict.passed}/{verdict.total} tests).")
    if results:
        parts.append(
            f"You covered {counts['covered']} of {len(results)} key points"
            f" ({counts['partly']} partly, {counts['missed']} missed)."
        )
    elif question.needs_rubric:
        parts.append("This question has no rubric, so only relevance and depth were graded.")
    parts.extend(notes)
    fb.summary = " ".join(parts)
    fb.strengths = [f'"{_clip(r.evidence)}" ({r.text})' for r in results if r.status == "covered"][:4]
    fb.improvements = [
        f"{'Expand' if r.status == 'partly' else 'Cover'}: {r.text}" for r in results if r.status != "covered"
    ][:5]
    if fb.citations:
        c = fb.citations[0]
        fb.next_step = f'Read "{c.heading.rsplit(" > ", 1)[-1]}" in {c.source}, then try a similar question.'
    elif fb.score >= 7.5:
        fb.next_step = (
            "Strong answer: try a harder question on "
            + (question.topics[0] if question.topics else "this topic")
            + "."
        )
    else:
        fb.next_step = "Compare your answer with the key points above and try again."
