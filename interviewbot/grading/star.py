"""STAR phases of behavioral stories: which phase a rubric point belongs to, and the cue words of a
sentence that does that phase's job (shared by the grader and the follow-up policy)."""

from __future__ import annotations

import re

# Behavioral answers are stories: a rubric point is phrased abstractly ("quantifies the result"),
# so a sentence that does the phase's job (cue words) also counts as evidence for its key points.
PHASE_CUES = {
    "situation": re.compile(
        r"\b(when i|at my (last|previous|current)|we were|our team|the team|the company|"
        r"last (year|quarter)|in (my|our) (last|previous)|i was working|i joined)\b",
        re.I,
    ),
    "task": re.compile(
        r"\b(my (task|goal|job|role|responsibility)|i was (asked|responsible|tasked|expected)|"
        r"i needed to|i had to|we needed to|the goal|my aim)\b",
        re.I,
    ),
    "action": re.compile(
        r"\bi (built|wrote|proposed|decided|led|met|set up|created|analy[sz]ed|talked|asked|"
        r"investigated|added|changed|ran|designed|organi[sz]ed|scheduled|explained|pushed|rolled|"
        r"started|reached out|prototyped|measured|documented|owned|escalated|negotiated)\b",
        re.I,
    ),
    "result": re.compile(
        r"\b(as a result|resulted|in the end|reduced|increased|improved|saved|cut|grew|launched|"
        r"shipped|i learned|i learnt|lesson|\d+(\.\d+)?\s*(%|percent|x\b))",
        re.I,
    ),
}


_KEY_POINT_PHASE = (
    ("result", re.compile(r"\b(result|outcome|impact|learn|lesson|quantif|metric|measur|reflect)", re.I)),
    ("situation", re.compile(r"\b(situation|context|stakes|background|setting)", re.I)),
    ("task", re.compile(r"\b(goal|task|responsib|ownership|role|objective)", re.I)),
)


def star_phase(point) -> str:
    """The STAR phase of a behavioral rubric point (a KeyPoint or a graded one): its own tag, else
    guessed from its wording."""
    if point.phase in PHASE_CUES:
        return point.phase
    return next((phase for phase, pattern in _KEY_POINT_PHASE if pattern.search(point.text)), "action")
