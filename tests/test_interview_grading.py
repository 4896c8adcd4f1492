"""The engine grades each answer against what it was asked: a probe's answer against the points it
probes, a coding question's complexity talk against the rubric derived from its reference solution."""

from __future__ import annotations

import dataclasses

import pytest

from interviewbot.config import load_settings
from interviewbot.grading.derived import complexity_rubric
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.services import Services


@pytest.fixture
def services(indexed_home):
    return Services.build(load_settings())


def _session(services, qid: str, track: str) -> InterviewSession:
    config = InterviewConfig(tracks=[track], num_questions=1, seed=3, question_ids=[qid])
    session = InterviewSession.start(services, config)
    assert session.turn.question.id == qid
    return session


def _stored_feedback(services, session) -> dict:
    [turn] = services.store.get_session(session.id)["turns"]
    return turn["feedback"]


def test_a_probe_answer_is_graded_against_the_points_it_probes(services):
    session = _session(services, "mlt-bias-variance", "ml_theory")
    q = session.turn.question
    session.answer("Bias is error from overly simple assumptions, so the model underfits.")
    probe = session.turn.pending_follow_up
    assert probe is not None and probe.key_points, "a weak first answer is probed"
    unprobed = [kp.text for kp in q.key_points[1:] if kp.text not in probe.key_points]
    reply = probe.key_points[0] + "." + (f" Also, {unprobed[0]}." if unprobed else "")
    assert session.turn.graded_parts()[2] == []  # a pending probe is not graded
    probe_copy = probe.model_copy(update={"answer": reply})
    turn = dataclasses.replace(session.turn, follow_ups=[probe_copy])
    graded_as, text, [(asked, answer)] = turn.graded_parts()
    assert graded_as is q and text == turn.answer and answer == reply
    assert asked.id == f"{q.id}-follow-up" and [kp.text for kp in asked.key_points] == probe.key_points

    session.answer(reply)
    points = {kp["text"]: kp for kp in _stored_feedback(services, session)["key_points"]}
    made = points[probe.key_points[0]]
    assert made["status"] == "covered" and made["evidence"] in reply  # credit, quoted from the reply
    for text in unprobed[:1]:  # said in the reply, but not what the probe asked: no credit from it
        assert points[text]["evidence"] not in reply or not points[text]["evidence"]


def test_the_complexity_talk_is_graded_against_the_derived_rubric(services):
    session = _session(services, "alg-merge-intervals", "coding")
    q = session.turn.question
    session.submit_code(q.reference_solution)
    assert session.turn.awaiting == "follow_up"
    talk = (
        "Sorting the intervals by start dominates, so it is O(n log n) time, and the merged output "
        "needs O(n) extra space. Sorting makes overlapping intervals adjacent, so one pass merges them. "
        "An empty list returns an empty list and a single interval comes back unchanged."
    )
    session.answer(talk)
    feedback = _stored_feedback(services, session)
    assert [kp["text"] for kp in feedback["key_points"]] == [kp.text for kp in complexity_rubric(q)]
    assert all(kp["status"] == "covered" for kp in feedback["key_points"]), feedback["key_points"]
    assert "off-topic" not in feedback["summary"] and feedback["dimensions"]["discussion"] >= 7
    against_problem = services.grader.offline.grade(q, talk).feedback.score
    assert feedback["dimensions"]["discussion"] > against_problem  # the problem's rubric would undersell it
