"""Practice policy without a session: adaptivity, spaced repetition, picking, summary, study plan."""

from __future__ import annotations

import random

import pytest

from interviewbot.index import SearchHit
from interviewbot.practice import (
    DUE_SCORE,
    STRONG,
    WEAK,
    adapt_difficulty,
    build_summary,
    is_due,
    pick_question,
    priority_key,
    rank_topics,
    study_plan,
)
from interviewbot.questions import Question


def q(qid: str, difficulty: str = "medium", topics=("a",), track: str = "ml_theory") -> Question:
    return Question(
        id=qid,
        track=track,
        topics=list(topics),
        difficulty=difficulty,
        prompt=f"Explain {qid}.",
        key_points=["x y z"],
    )


@pytest.mark.parametrize(
    ("current", "score", "expected"),
    [
        ("medium", STRONG, "hard"),
        ("hard", 10.0, "hard"),
        ("medium", WEAK - 0.1, "easy"),
        ("easy", 0.0, "easy"),
        ("medium", (STRONG + WEAK) / 2, "medium"),
    ],
)
def test_adapt_difficulty_moves_one_level(current, score, expected):
    assert adapt_difficulty(current, score) == expected


def test_due_questions_come_first_then_weak_topics_then_fit():
    due, weak_topic, fresh_fit, fresh_far, seen_ok = (
        q("due", "hard"),
        q("weak", topics=("shaky",)),
        q("fresh"),
        q("far", "hard"),
        q("seen"),
    )
    stats = {"due": {"last_score": DUE_SCORE - 1}, "seen": {"last_score": 9.0}}
    topics = {"shaky": {"mean_score": DUE_SCORE - 2}}
    key = priority_key(stats, topics, "medium", random.Random(1))
    order = sorted([seen_ok, fresh_far, fresh_fit, weak_topic, due], key=key)
    assert [x.id for x in order] == ["due", "weak", "fresh", "far", "seen"]


def test_is_due_needs_a_low_last_score():
    assert is_due(DUE_SCORE - 0.1) and not is_due(DUE_SCORE) and not is_due(None)


def test_pick_widens_only_when_the_filtered_pool_is_empty():
    key = priority_key({}, {}, "medium", random.Random(0))
    narrow, wide = [q("n1")], [q("w1"), q("w2")]
    assert pick_question(narrow, wide, key).id == "n1"
    assert pick_question([], wide, key).id in {"w1", "w2"}
    assert pick_question([], [], key) is None


def test_a_topic_is_never_both_strongest_and_weakest():
    scores = {"a": 9.0, "b": 7.0, "c": 5.0, "d": 2.0, "e": STRONG}
    strongest, weakest = rank_topics(scores)
    assert not set(strongest) & set(weakest)
    assert strongest == ["a", "e"] and weakest == ["d", "c", "b"]


def test_summary_means_and_plan():
    scores = [(q("x", topics=("t1",)), 8.0), (q("y", topics=("t2",), track="behavioral"), 3.0)]
    summary = build_summary(scores, 61.04, plan_for=lambda topics: [])
    assert summary.questions == 2 and summary.overall == 5.5 and summary.duration_s == 61.0
    assert summary.tracks == {"ml_theory": 8.0, "behavioral": 3.0}
    assert summary.strongest == ["t1"] and summary.weakest == ["t2"]
    assert build_summary([], 1.0).overall is None


class _Guides:
    """A stand-in for the index: one hit per query, none for 'nothing'."""

    def search_many(self, queries, k):
        return [
            [] if text == "nothing" else [SearchHit(f"id-{text}", "g.md", f"H {text}", "t", 0.9)]
            for text in queries
        ]


def test_study_plan_one_section_per_weak_topic():
    plan = study_plan(["bias-variance", "nothing"], _Guides())
    assert [(p.topic, p.heading, p.chunk_id) for p in plan] == [
        ("bias-variance", "H bias variance", "id-bias variance")
    ]
    assert study_plan([], _Guides()) == [] and study_plan(["x"], None) == []
