"""Markdown of verdicts, feedback and summaries (the terminal, the CLI and the exports use it)."""

from __future__ import annotations

import re

from interviewbot.grading.feedback import Feedback
from interviewbot.judge import explain
from interviewbot.judge.models import Verdict
from interviewbot.practice import Summary

_ICON = {"covered": "[x]", "partly": "[~]", "missed": "[ ]"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def inline(text: str) -> str:
    """Text from an answer, an LLM or a file, made safe inside a Markdown line: one line, no markup."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def verdict_markdown(verdict: Verdict, function: str | None = None) -> str:
    """A verdict as Markdown: the outcome in words, the error or first failing case, what was printed."""
    return explain.verdict_markdown(verdict, function)


def feedback_markdown(fb: Feedback) -> str:
    """Feedback as Markdown: score, key points with evidence, sources, the next step."""
    cap = f" (capped at {fb.score_cap:g} for hints)" if fb.score_cap else ""
    lines = [f"**Score: {fb.score:.1f}/10**{cap}", "", inline(fb.summary)]
    if fb.key_points:
        lines += ["", "Key points:"]
        for kp in fb.key_points:
            ev = f' - "{inline(kp.evidence)}"' if kp.evidence else ""
            lines.append(f"- {_ICON[kp.status]} {inline(kp.text)}{ev}")
    if fb.citations:
        lines += ["", "From the guides:"]
        lines += [
            f'- {inline(c.heading)} ({inline(c.source)}, {c.chunk_id[:8]}): "{inline(c.quote)}"'
            for c in fb.citations
        ]
    if fb.fallback_reason:
        lines += ["", f"Note: {inline(fb.fallback_reason)}"]
    if fb.next_step:
        lines += ["", f"Next: {inline(fb.next_step)}"]
    return "\n".join(lines)


def summary_markdown(summary: Summary) -> str:
    """The end-of-session summary as Markdown."""
    if not summary.questions:
        return "Interview ended. No question was graded, so there is no score yet."
    lines = [f"**Interview complete: {summary.questions} graded, overall {summary.overall}/10.**", ""]
    lines += [f"- {t.replace('_', ' ')}: {s}/10" for t, s in summary.tracks.items()]
    if summary.strongest:
        lines += ["", f"Strongest topics: {inline(', '.join(summary.strongest))}."]
    if summary.weakest:
        lines += ["", f"Weakest topics: {inline(', '.join(summary.weakest))}."]
    if summary.study_plan:
        lines.append("\nStudy plan:")
        lines += [
            f'- {inline(p.topic)}: read "{inline(p.heading)}" ({inline(p.source)})'
            for p in summary.study_plan
        ]
    return "\n".join(lines)
