"""Checks an LLM grader's reply against what was retrieved and what the answer says: citations,
rubric key points with their quoted evidence, and a summary and strengths that agree with the score.

Each check either accepts the model's part or says why not; the grader then uses the offline
text for that part. Nothing here calls a model.
"""

from __future__ import annotations

import re

from interviewbot.grading.feedback import KeyPointResult
from interviewbot.grading.text import content_terms, tokens

SCORE_CLAIM_TOLERANCE = 1.5  # "7/10" in a summary of a 6.0 grade is fine; "10/10" is not
QUOTE_OVERLAP = 0.8  # share of an evidence quote's words that must occur in the answer
RUBRIC_MATCH = 0.6  # share of a rubric point's terms a model's key-point text must repeat


# --- citations ----------------------------------------------------------------------------------


def _key_pattern(key: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(key)}(?![0-9])", re.IGNORECASE)


def resolve_citations(cited: list[str], keys: dict, retrieved: list) -> tuple[list, list[str]]:
    """(chunks cited, problems): a citation counts when exactly one retrieved chunk's key (S1..Sk)
    or id occurs in it, whatever else it says; anything else is a problem."""
    chunks, problems = [], []
    for citation in cited:
        text = str(citation or "").strip()
        if not text:
            continue
        ids = {hit.id for key, hit in keys.items() if _key_pattern(key).search(text)}
        ids |= {hit.id for hit in retrieved if hit.id in text}
        if len(ids) == 1:
            chunks.append(next(h for h in retrieved if h.id in ids))
            continue
        what = "several chunks" if ids else "no chunk that was retrieved for this answer"
        problems.append(f"citation {text[:60]!r} names {what} (the keys are {', '.join(keys) or 'none'})")
    unique = {hit.id: hit for hit in chunks}
    return list(unique.values()), problems


# --- key points ---------------------------------------------------------------------------------


def _overlap(part: str, whole: str) -> float:
    """Share of `part`'s content terms that occur in `whole`."""
    terms = set(content_terms(part))
    return len(terms & set(content_terms(whole))) / len(terms) if terms else 0.0


def _rubric_index(point: int, text: str, rubric: list[KeyPointResult]) -> int | None:
    """Which rubric point the model's key point is: its number, else its text; None if neither."""
    if 1 <= point <= len(rubric) and (not text.strip() or _overlap(rubric[point - 1].text, text) >= 0.3):
        return point - 1
    best = max(range(len(rubric)), key=lambda i: _overlap(rubric[i].text, text), default=None)
    if best is not None and text.strip() and _overlap(rubric[best].text, text) >= RUBRIC_MATCH:
        return best
    return None


def quoted_from(evidence: str, answer: str) -> bool:
    """True when the evidence is (nearly) a quote of the answer."""
    words = tokens(evidence)
    if not words:
        return False
    present = set(tokens(answer))
    return sum(w in present for w in words) / len(words) >= QUOTE_OVERLAP


def _supports(evidence: str, answer: str, key_point: str) -> bool:
    """Evidence for a covered/partly point: quoted from the answer and about that point."""
    return quoted_from(evidence, answer) and bool(
        set(content_terms(evidence)) & set(content_terms(key_point))
    )


def align_key_points(theirs: list, rubric: list[KeyPointResult], answer: str):
    """(key points, notes): the rubric's own points, each with the model's status where the model
    named a rubric point and, for covered/partly, quoted the answer about it; else the offline one."""
    result, notes = list(rubric), []
    for kp in theirs:
        index = _rubric_index(getattr(kp, "point", 0) or 0, kp.text or "", rubric)
        if index is None:
            notes.append(f"key point {(kp.text or str(kp.point))[:50]!r} is not in the rubric")
            continue
        ours = rubric[index]
        if kp.status != "missed" and not _supports(kp.evidence, answer, ours.text):
            notes.append(
                f"key point {index + 1} is marked {kp.status} without a quote from the answer about it"
            )
            continue
        evidence = kp.evidence.strip()[:400] if kp.status != "missed" else ""
        result[index] = KeyPointResult(text=ours.text, phase=ours.phase, status=kp.status, evidence=evidence)
    return result, notes


# --- summary and strengths ----------------------------------------------------------------------

_SCORE_CLAIM = re.compile(
    r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*(?:/|out of)\s*10\b|\bscore (?:of|is|was) (\d{1,2}(?:\.\d)?)\b", re.I
)
_TOP_MARKS = re.compile(
    r"\b(full|perfect|maximum|top) (score|marks|grade)\b|\bflawless\b|\bperfect answer\b", re.I
)
_PRAISE = re.compile(
    r"(?<!more )(?<!not )(?<!less )(?<!lacks )(?<!lacking )\b(excellent|outstanding|comprehensive"
    r"|thorough|impressive|exemplary)\b"
    r"|\b(strong|great|complete|very good|solid) (answer|response|explanation|understanding)\b",
    re.I,
)
_ALL_COVERED = re.compile(
    r"\b(covers|covered|addresses|addressed|hits|captures|explains)\b"
    r"[^.]{0,30}\b(all|every|each|the key|the main)\b",
    re.I,
)
_NEGATIVE = re.compile(
    r"\b(incorrect|wrong|off[- ]topic|irrelevant|fails to|does not (answer|address))\b", re.I
)
LOW_SCORE, HIGH_SCORE = 4.0, 8.0


def _claims(text: str, score: float, key_points: list[KeyPointResult]) -> str | None:
    """Why `text` contradicts the final score or the key-point statuses (None: it agrees)."""
    for match in _SCORE_CLAIM.finditer(text):
        claimed = float(match.group(1) or match.group(2))
        if abs(claimed - score) > SCORE_CLAIM_TOLERANCE:
            return f"it states a score of {claimed:g} but the grade is {score:g}"
    if _TOP_MARKS.search(text) and score < 9:
        return f"it speaks of top marks but the grade is {score:g}"
    if _PRAISE.search(text) and score < LOW_SCORE:
        return f"it praises the answer but the grade is {score:g}"
    if _NEGATIVE.search(text) and score >= HIGH_SCORE:
        return f"it finds the answer wrong but the grade is {score:g}"
    covered = sum(kp.status == "covered" for kp in key_points)
    if key_points and _ALL_COVERED.search(text) and covered < len(key_points) / 2:
        return f"it says the key points are covered but {covered} of {len(key_points)} are"
    return None


def summary_problem(summary: str, score: float, key_points: list[KeyPointResult]) -> str | None:
    """Why the summary cannot be shown with this grade (None: it agrees with it)."""
    return _claims(summary, score, key_points)


def strengths_problem(strengths: list[str], score: float, key_points: list[KeyPointResult]) -> str | None:
    """Why the strengths cannot be shown with this grade (None: they agree with it)."""
    if not strengths:
        return None
    if key_points and all(kp.status == "missed" for kp in key_points) and score < LOW_SCORE:
        return "strengths are listed for an answer that covers no key point"
    missed = [kp.text for kp in key_points if kp.status == "missed"]
    for strength in strengths:
        if any(_overlap(point, strength) >= RUBRIC_MATCH for point in missed):
            return f"strength {strength[:50]!r} is a key point the answer missed"
        problem = _claims(strength, score, key_points)
        if problem:
            return problem
    return None
