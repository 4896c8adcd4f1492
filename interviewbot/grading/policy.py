"""Score policy: every cap on a score lives here (hints, failed tests, the LLM's margin, injection).

Graders compute what an answer deserves; this module bounds it. The offline grader, the LLM
grader and the interview engine all call these functions, so a cap changes in one place.
"""

from __future__ import annotations

HINT_PENALTY = 1.5  # each hint lowers the best reachable score by this much
HINT_FLOOR = 3.0  # ... but never below this
NOT_ACCEPTED_CAP = 6.0  # code the judge did not accept scores at most this
MAX_ABOVE_OFFLINE = 3.0  # the LLM may judge more generously than the rubric check, within reason


def hint_cap(hints_used: int) -> float | None:
    """The best score reachable after `hints_used` hints (None: no hint, no cap)."""
    if not hints_used:
        return None
    return max(HINT_FLOOR, 10.0 - HINT_PENALTY * hints_used)


def verdict_cap(verdict) -> float | None:
    """The best score for code with this judge verdict (None: accepted or not a coding turn)."""
    if verdict is None or verdict.verdict == "accepted":
        return None
    return NOT_ACCEPTED_CAP


def combined_cap(*caps: float | None) -> float | None:
    """The tightest of several caps (None when there is none)."""
    present = [c for c in caps if c is not None]
    return min(present) if present else None


def apply_cap(score: float, cap: float | None) -> float:
    """The score, lowered to the cap when there is one."""
    return score if cap is None else min(score, cap)


def bound_llm_score(llm_score: float, offline_score: float, *, injection: bool) -> tuple[float, bool]:
    """The LLM's score within MAX_ABOVE_OFFLINE of the rubric score; held at the rubric score when the
    answer tried to instruct the grader. Returns (score, held_for_injection)."""
    score = min(llm_score, offline_score + MAX_ABOVE_OFFLINE)
    if injection and score > offline_score:
        return offline_score, True
    return score, False


def bound_llm_dimensions(dimensions: dict[str, float], offline_score: float, *, injection: bool) -> dict:
    """Each LLM dimension bounded by the rubric evidence like the score: at most MAX_ABOVE_OFFLINE
    above the rubric score, and at most the rubric score when the answer tried to instruct the grader."""
    limit = offline_score if injection else offline_score + MAX_ABOVE_OFFLINE
    return {name: round(min(value, limit), 1) for name, value in dimensions.items()}
