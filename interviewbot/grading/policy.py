"""Score policy: every cap on a score lives here (hints, failed tests, attempts, the LLM's margin,
injection).

Graders compute what an answer deserves; this module bounds it. The offline grader, the LLM
grader and the interview engine all call these functions, so a cap changes in one place.
"""

from __future__ import annotations

HINT_PENALTY = 1.5  # each hint lowers the best reachable score by this much
HINT_FLOOR = 3.0  # ... but never below this
NOT_ACCEPTED_CAP = 6.0  # code the judge did not accept scores at most this
MAX_ABOVE_OFFLINE = 3.0  # the LLM may judge more generously than the rubric check, within reason
SUBMISSION_PENALTY = 1.0  # points off a coding score for each submission before the last one


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


def cap_feedback(feedback, hints_cap: float | None, verdict):
    """Feedback whose score respects the hint cap and the judge's verdict (a copy when lowered)."""
    limit = combined_cap(hints_cap, verdict_cap(verdict))
    if limit is not None and feedback.score > limit:
        return feedback.model_copy(update={"score": limit, "score_cap": hints_cap})
    return feedback


def submission_penalty(submissions: int) -> float:
    """Points off a coding score for the submissions before the last one."""
    # The engine takes no more code once it is accepted, so every earlier submission was wrong.
    return SUBMISSION_PENALTY * max(0, submissions - 1)


def penalise_attempts(feedback, submissions: int):
    """Feedback whose score is lowered for the wrong submissions before the last (a copy when lowered)."""
    penalty = submission_penalty(submissions)
    if not penalty:
        return feedback
    wrong = submissions - 1
    note = (
        f"{wrong} earlier submission{'s were' if wrong > 1 else ' was'} not accepted: "
        f"-{penalty:g} point{'s' if penalty != 1 else ''}."
    )
    score = round(max(0.0, feedback.score - penalty), 1)
    return feedback.model_copy(update={"score": score, "summary": f"{feedback.summary} {note}".strip()})


def bound_llm_dimensions(dimensions: dict[str, float], offline_score: float, *, injection: bool) -> dict:
    """Each LLM dimension bounded by the rubric evidence like the score: at most MAX_ABOVE_OFFLINE
    above the rubric score, and at most the rubric score when the answer tried to instruct the grader."""
    limit = offline_score if injection else offline_score + MAX_ABOVE_OFFLINE
    return {name: round(min(value, limit), 1) for name, value in dimensions.items()}
