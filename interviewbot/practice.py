"""What to practise next: question picking, adaptive difficulty, spaced repetition, summary, study plan.

Pure policy over plain data (questions, scores, past statistics), so it is tested without a
session, and the Review page applies the same thresholds as the interview.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from interviewbot.questions import DIFFICULTIES, Question

STRONG, WEAK = 7.5, 4.5  # adaptive difficulty moves up / down past these scores
DUE_SCORE = 6.0  # a question last scored below this comes back first in later sessions


def is_due(last_score: float | None) -> bool:
    """A question whose last score was below DUE_SCORE is due for another try."""
    return last_score is not None and last_score < DUE_SCORE


def question_stats(progress: list[dict]) -> dict[str, dict]:
    """Per question, from graded turns in time order: attempts, last score and mean score."""
    stats: dict[str, dict] = {}
    for row in progress:
        s = stats.setdefault(row["question_id"], {"attempts": 0, "last_score": None, "scores": []})
        s["attempts"] += 1
        s["last_score"] = row["score"]
        s["scores"].append(row["score"])
    for s in stats.values():
        s["mean_score"] = round(sum(s.pop("scores")) / s["attempts"], 2)
    return stats


def topic_stats(progress: list[dict]) -> dict[str, dict]:
    """Per topic, from graded turns: number of graded answers and mean score."""
    acc: dict[str, list[float]] = {}
    for row in progress:
        for topic in row["topics"] or []:
            acc.setdefault(topic, []).append(row["score"])
    return {t: {"n": len(v), "mean_score": round(sum(v) / len(v), 2)} for t, v in acc.items()}


def adapt_difficulty(current: str, score: float) -> str:
    """One level up after a strong score, one down after a weak one."""
    level = DIFFICULTIES.index(current)
    if score >= STRONG:
        level = min(level + 1, len(DIFFICULTIES) - 1)
    elif score < WEAK:
        level = max(level - 1, 0)
    return DIFFICULTIES[level]


def priority_key(
    question_stats: dict[str, dict], topic_stats: dict[str, dict], difficulty: str, rng: random.Random
) -> Callable[[Question], tuple]:
    """Sort key: due questions first (spaced repetition), then weak topics, then difficulty fit."""
    noise: dict[str, float] = {}
    target = DIFFICULTIES.index(difficulty)

    def key(q: Question) -> tuple:
        seen = question_stats.get(q.id)
        if seen and is_due(seen.get("last_score")):
            due = (0, seen["last_score"])
        elif any((topic_stats.get(t) or {}).get("mean_score", 10) < DUE_SCORE for t in q.topics):
            due = (1, 0.0)
        else:
            due = (2 if not seen else 3, 0.0)
        fit = abs(DIFFICULTIES.index(q.difficulty) - target)
        return (due[0], fit, due[1], noise.setdefault(q.id, rng.random()))

    return key


def pick_question(pool: Sequence[Question], wider_pool: Sequence[Question], key) -> Question | None:
    """The best question of the pool by `key`; the wider pool when the filtered one is used up."""
    candidates = list(pool) or list(wider_pool)
    return min(candidates, key=key) if candidates else None


class StudyItem(BaseModel):
    """A guide section to read for a weak topic."""

    topic: str
    heading: str
    source: str
    chunk_id: str


class Summary(BaseModel):
    """The end-of-session summary: scores per track and topic, strongest/weakest, a study plan."""

    questions: int = 0
    overall: float | None = None
    tracks: dict[str, float] = Field(default_factory=dict)
    topics: dict[str, float] = Field(default_factory=dict)
    strongest: list[str] = Field(default_factory=list)
    weakest: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    study_plan: list[StudyItem] = Field(default_factory=list)


def _mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 1)


def rank_topics(topics: dict[str, float], limit: int = 3) -> tuple[list[str], list[str]]:
    """(strongest, weakest): a topic is strong at STRONG or above, weak below it; never both."""
    ranked = sorted(topics, key=lambda t: (topics[t], t))
    weakest = [t for t in ranked if topics[t] < STRONG][:limit]
    strongest = [t for t in reversed(ranked) if topics[t] >= STRONG][:limit]
    return strongest, weakest


def build_summary(scores: list[tuple[Question, float]], seconds: float, plan_for=None) -> Summary:
    """Per-track and per-topic means, strongest/weakest topics and (via `plan_for`) a study plan."""
    by_track: dict[str, list[float]] = {}
    by_topic: dict[str, list[float]] = {}
    for q, s in scores:
        by_track.setdefault(q.track, []).append(s)
        for t in q.topics:
            by_topic.setdefault(t, []).append(s)
    topics = {t: _mean(v) for t, v in by_topic.items()}
    strongest, weakest = rank_topics(topics)
    return Summary(
        questions=len(scores),
        overall=_mean([s for _, s in scores]) if scores else None,
        tracks={t: _mean(v) for t, v in by_track.items()},
        topics=topics,
        strongest=strongest,
        weakest=weakest,
        duration_s=round(seconds, 1),
        study_plan=plan_for(weakest) if plan_for and weakest else [],
    )


def study_plan(topics: list[str], index) -> list[StudyItem]:
    """The best guide section for each weak topic (one batched search)."""
    if not topics or index is None:
        return []
    hits = index.search_many([t.replace("-", " ") for t in topics], k=1)
    return [
        StudyItem(topic=topic, heading=h[0].heading, source=h[0].source, chunk_id=h[0].id)
        for topic, h in zip(topics, hits)
        if h
    ]


def next_question(bank, config, asked: list[str], rows: list[dict], difficulty: str, rng) -> Question | None:
    """The next question: the ids asked for in order, else the best of the track due in turn."""
    chosen = [qid for qid in config.question_ids if qid not in asked]
    if chosen:
        return bank.get(chosen[0])
    track = config.tracks[len(asked) % len(config.tracks)]
    pool = [q for q in bank.questions(track, config.topics, sets=config.sets) if q.id not in asked]
    wider = [q for q in bank.questions(track, sets=config.sets) if q.id not in asked] if config.topics else []
    key = priority_key(question_stats(rows), topic_stats(rows), difficulty, rng)  # one read, both stats
    return pick_question(pool, wider, key)
