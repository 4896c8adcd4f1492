"""Which follow-up to ask after a main answer: a probe of what it missed, never assuming what it did not say.

Offline, the probe comes from the rubric points the answer did not cover: for a behavioral
story, the STAR phase it skipped, asked in words that presuppose nothing about the story; for
other tracks, the question's own follow-up that is about a missed point, else a question naming
the missed point's terms. The probed points are what the follow-up answer is graded against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from interviewbot.grading.feedback import KeyPointResult
from interviewbot.grading.star import star_phase
from interviewbot.grading.text import STOPWORDS, content_terms, stem
from interviewbot.questions import Question

STAR_PROBES = {
    "situation": "Before we go on: can you set the scene? Where were you, and what was at stake?",
    "task": "What exactly was your part in it: what were you responsible for?",
    "action": "Walk me through what you yourself did, step by step, and why you chose that.",
    "result": "How did it turn out, and how did you know? What would you do differently next time?",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


@dataclass(frozen=True)
class Probe:
    """A follow-up question, the rubric points it probes, and a word on the main answer first."""

    prompt: str
    key_points: list[str] = field(default_factory=list)
    note: str = ""


def progress_note(covered: int, total: int) -> str:
    """A short word on the main answer, shown before the follow-up."""
    if not total:
        return ""
    if covered == 0:
        return "That answer did not reach the main points yet; let me ask about one of them."
    return f"You covered {covered} of {total} key points so far. One more question on this before we move on."


def _new_words(text: str, answer_terms: set[str], limit: int = 3) -> list[str]:
    """The key point's content words the answer did not use, in their own order."""
    words = []
    for word in _WORD.findall(text):
        low = word.lower()
        seen = low in (w.lower() for w in words)
        if low in STOPWORDS or len(low) < 4 or low.endswith("ly") or stem(low) in answer_terms or seen:
            continue
        words.append(word)
    return words[:limit]


def _related(follow_up: str, point: KeyPointResult) -> int:
    return len(set(content_terms(follow_up)) & set(content_terms(point.text)))


def choose_probe(question: Question, answer: str, missed: list[KeyPointResult], total: int) -> Probe | None:
    """The follow-up for an answer that missed (or only partly covered) some rubric points."""
    if not missed:
        return None
    note = progress_note(total - len(missed), total)
    if question.track == "behavioral":
        phase = star_phase(missed[0])
        probed = [p.text for p in missed if star_phase(p) == phase]
        return Probe(STAR_PROBES[phase], probed, note)
    scored = [(_related(f, p), f, p) for f in question.follow_ups for p in missed]
    best = max(scored, key=lambda s: s[0], default=(0, "", None))
    if best[0] > 0:
        return Probe(best[1], [p.text for p in missed if _related(best[1], p) > 0], note)
    words = _new_words(missed[0].text, set(content_terms(answer)))
    if not words:
        return None
    named = ", ".join(words)
    prompt = f"There is one more aspect I would like to hear about; it involves {named}. How does it come in?"
    return Probe(prompt, [missed[0].text], note)
