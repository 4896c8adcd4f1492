"""The interview engine end to end: terminal interviews, resume after SIGKILL, adaptivity, hints."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.errors import NotSavedError, ValidationError
from interviewbot.grading.feedback import Feedback
from interviewbot.grading.policy import SUBMISSION_PENALTY, penalise_attempts, submission_penalty
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.services import Services
from interviewbot.transcripts import TranscriptStore

ROOT = Path(__file__).resolve().parent.parent
E2E_SET = {
    "name": "e2e",
    "questions": [
        {
            "id": "e2e-overfitting",
            "track": "ml_theory",
            "topics": ["e2e"],
            "difficulty": "easy",
            "prompt": "What is overfitting and how do you detect it?",
            "key_points": [
                "the model fits noise in the training data and generalises poorly",
                "training error is low while validation error is much higher",
                "regularisation, more data or early stopping reduce it",
            ],
            "reference_answer": "Overfitting is when a model learns noise in the training data so it does well on "
            "training data but poorly on new data; you detect it with a gap between training "
            "and validation error and fix it with regularisation, more data or early stopping.",
            "hints": ["compare training and validation error", "think about regularisation"],
        },
        {
            "id": "e2e-add",
            "track": "coding",
            "topics": ["e2e"],
            "difficulty": "easy",
            "prompt": "Write add(a, b) returning the sum.",
            "entry_point": "add",
            "starter_code": "def add(a, b):\n    raise NotImplementedError\n",
            "key_points": ["return a + b in constant time"],
            "tests": [{"args": [1, 2], "expected": 3}, {"args": [0, 0], "expected": 0, "hidden": True}],
            "reference_solution": "def add(a, b):\n    return a + b\n",
        },
        {
            "id": "e2e-spam",
            "track": "system_design",
            "topics": ["e2e"],
            "difficulty": "medium",
            "prompt": "Design a spam filter for a large email provider.",
            "key_points": [
                {
                    "text": "clarify the precision target because false positives hide real mail",
                    "phase": "requirements",
                },
                {"text": "use user spam reports and labelled mail as training data", "phase": "data"},
                {"text": "monitor drift as spammers adapt and retrain often", "phase": "monitoring"},
            ],
            "reference_answer": "Start from precision requirements, use user reports as labels, ...",
            "hints": ["who labels spam?", "what happens when spammers adapt?"],
        },
    ],
}
ANSWERS = [
    # ml_theory: one answer, then a blank line
    "Overfitting means the model fits noise in the training data, so it generalises poorly to new data.",
    "You detect it when training error is low but validation error is much higher.",
    "Regularisation, more data or early stopping reduce it.",
    "",
    # coding: code ended by END, then the complexity follow-up
    "def add(a, b):",
    "    return a + b",
    "END",
    "It is constant time and constant space; there are no edge cases beyond big integers.",
    "",
    # system design: four phases
    "Requirements: high precision, because false positives hide real mail from users.",
    "",
    "Data: user spam reports and labelled mail; features from headers, text and sender reputation.",
    "",
    "Evaluation with precision and recall offline, then an A/B test; serve in the mail pipeline.",
    "",
    "Monitor drift as spammers adapt, and retrain often; scale with sharded scoring.",
    "",
]


@pytest.fixture
def e2e_set(indexed_home, tmp_path):
    path = tmp_path / "e2e.yaml"
    path.write_text(yaml.safe_dump(E2E_SET))
    res = CliRunner().invoke(cli, ["questions", "add", str(path)])
    assert res.exit_code == 0, res.output
    return path


def test_terminal_interview_three_tracks_exports_everything(e2e_set):
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "interview",
            "--track",
            "ml_theory",
            "--track",
            "coding",
            "--track",
            "system_design",
            "--topic",
            "e2e",
            "-n",
            "3",
            "--seed",
            "7",
        ],
        input="\n".join(ANSWERS) + "\n",
    )
    assert res.exit_code == 0, res.output
    store = TranscriptStore.from_settings(load_settings())
    [row] = store.list_sessions()
    data = store.get_session(row["id"])
    assert data["status"] == "finished"
    assert [t["question_id"] for t in data["turns"]] == ["e2e-overfitting", "e2e-add", "e2e-spam"]
    assert all(t["status"] == "graded" for t in data["turns"])
    md = runner.invoke(cli, ["sessions", "export", row["id"], "--format", "md"]).output
    for turn in data["turns"]:
        assert turn["prompt"] in md
        assert f"{turn['score']:.1f}/10" in md
        assert turn["feedback"]["citations"], turn["question_id"]
        for cite in turn["feedback"]["citations"]:
            assert cite["chunk_id"][:8] in md
    assert "Accepted" in md and "return a + b" in md
    for answer in ("fits noise in the training data", "constant time", "spammers adapt"):
        assert answer in md
    assert data["turns"][1]["verdict"]["verdict"] == "accepted"


def _read_until(proc, marker: str, timeout: float = 240) -> str:
    seen, deadline = "", time.time() + timeout
    while marker not in seen:
        line = proc.stdout.readline()
        if not line or time.time() > deadline:
            raise AssertionError(f"never saw {marker!r}; output so far:\n{seen[-3000:]}")
        seen += line
    return seen


def test_sigkill_between_turns_then_resume(e2e_set):
    env = dict(os.environ, COLUMNS="200", TERM="dumb")
    cmd = [
        sys.executable,
        "-m",
        "interviewbot",
        "interview",
        "--track",
        "ml_theory",
        "--track",
        "coding",
        "--topic",
        "e2e",
        "-n",
        "2",
        "--seed",
        "3",
    ]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    _read_until(proc, "Question 1/2")
    proc.stdin.write("\n".join(ANSWERS[:4]) + "\n")
    proc.stdin.flush()
    _read_until(proc, "Question 2/2")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = TranscriptStore.from_settings(load_settings())
    [row] = store.list_sessions()
    turns = store.get_session(row["id"])["turns"]
    assert turns[0]["status"] == "graded" and "fits noise" in turns[0]["answer"]
    assert turns[1]["status"] == "asked"  # the turn in flight is there, unanswered
    res = CliRunner().invoke(cli, ["interview", "--resume", row["id"]], input="\n".join(ANSWERS[4:9]) + "\n")
    assert res.exit_code == 0, res.output
    data = store.get_session(row["id"])
    assert data["status"] == "finished" and [t["status"] for t in data["turns"]] == ["graded", "graded"]


# --- engine behaviour -------------------------------------------------------------------------


@pytest.fixture
def services(indexed_home):
    return Services.build(load_settings())


def test_session_never_repeats_and_adapts_difficulty(services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=4, seed=1))
    first = session.turn.question
    assert session.difficulty == "medium"
    session.answer(first.reference_answer)  # a strong answer: the reference itself
    if session.turn is not None and session.turn.awaiting == "follow_up":
        session.answer(first.reference_answer)
    assert session.scores[-1][1] >= 7.5 and session.difficulty == "hard"
    second = session.turn.question
    session.answer("I am not sure, maybe it is about computers.")
    if session.turn is not None and session.turn.awaiting == "follow_up":
        session.answer("No idea.")
    assert session.difficulty == "medium"  # down again after a weak answer
    assert len(set(session.asked)) == len(session.asked) and first.id != second.id


def test_asking_a_question_prepares_its_grading_in_the_background(services, monkeypatch):
    from interviewbot.grading import grader as grading

    prepared, threads = [], []
    real = grading.Grader.prepare_soon

    def recorded(self, q):
        prepared.append(q.id)
        threads.append(real(self, q))
        return threads[-1]

    monkeypatch.setattr(grading.Grader, "prepare_soon", recorded)
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=2, seed=3))
    first = session.turn.question
    threads[0].join()
    cache = services.grader.offline.scorer._cache
    assert prepared == [first.id] and all(kp.text in cache for kp in first.key_points)
    session.skip()
    assert prepared == [first.id, session.turn.question.id]  # each question as it is asked
    threads[1].join()


def test_low_scores_come_back_first_next_session(services):
    s1 = InterviewSession.start(services, InterviewConfig(tracks=["behavioral"], num_questions=1, seed=5))
    weak_id = s1.turn.question.id
    s1.answer("I don't remember.")
    if s1.turn is not None and s1.turn.awaiting == "follow_up":
        s1.answer("Nothing more.")
    assert s1.finished
    s2 = InterviewSession.start(services, InterviewConfig(tracks=["behavioral"], num_questions=1, seed=99))
    assert s2.turn.question.id == weak_id


def test_hints_cap_score_and_are_recorded(services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=1, seed=2))
    q = session.turn.question
    session.hint()
    msgs = session.hint()
    assert "Hint 2/" in msgs[0].content and msgs[0].meta["score_cap"] == 7.0
    session.answer(q.reference_answer)
    if session.turn is not None:
        session.answer(q.reference_answer)
    turn = session.services.store.get_session(session.id)["turns"][0]
    assert turn["hints_used"] == 2 and turn["score"] <= 7.0


def test_skip_end_and_bad_answers(services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=3, seed=4))
    with pytest.raises(ValidationError, match="empty"):
        session.answer("   ")
    with pytest.raises(ValidationError, match="limit"):
        session.answer("word " * 20_000)
    with pytest.raises(ValidationError, match="waiting for you to answer in text"):
        session.submit_code("def f(): pass")
    first = session.turn.question.id
    session.skip()
    assert session.turn.question.id != first
    summary = session.end()
    assert session.finished and summary[0].kind == "summary"
    with pytest.raises(ValidationError, match="ended"):
        session.answer("late")
    statuses = [t["status"] for t in services.store.get_session(session.id)["turns"]]
    assert statuses == ["skipped", "skipped"]


def test_coding_turn_judges_then_asks_complexity(services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["coding"], num_questions=1, seed=8))
    q = session.turn.question
    out = session.submit_code("def nothing():\n    pass\n")
    assert out[1].meta["verdict"]["verdict"] == "runtime_error" and session.turn.awaiting == "code"
    dry = session.run_visible(q.reference_solution)
    assert dry.verdict == "accepted" and dry.total == len(q.visible_tests)
    out = session.submit_code(q.reference_solution)
    assert out[1].meta["verdict"]["verdict"] == "accepted" and session.turn.awaiting == "follow_up"
    out = session.answer("It runs in linear time with a hash map; space is linear too.")
    assert any(m.kind == "feedback" for m in out)
    feedback = services.store.get_session(session.id)["turns"][0]["feedback"]  # stored once, on the turn
    assert feedback["dimensions"]["correctness"] == 10.0 and feedback["citations"]


def test_end_grades_an_answer_whose_follow_up_is_pending(services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=3, seed=4))
    first = session.turn.question
    session.answer(first.key_points[0].text + ", and that is all I know about it.")
    assert session.turn is not None and session.turn.awaiting == "follow_up"
    out = session.end()
    assert [m.kind for m in out] == ["feedback", "summary"]
    turns = services.store.get_session(session.id)["turns"]
    assert [t["status"] for t in turns] == ["graded"] and turns[0]["score"] is not None
    assert "No question was graded" not in out[-1].content


def test_terminal_end_after_an_answer_grades_it(indexed_home):
    res = CliRunner().invoke(
        cli,
        ["interview", "-n", "1", "--seed", "4"],
        input="Overfitting fits noise in the training data.\n\n:end\n",
    )
    assert res.exit_code == 0, res.output
    assert "No question was graded" not in res.output and "Interview complete: 1 graded" in res.output


class _FailingStore:
    """The real store, except that writes fail while `down` is set (as a stopped database would)."""

    def __init__(self, store):
        self._store, self.down = store, False

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if self.down and name in ("add_message", "update_turn", "start_turn", "end_session"):

            def fail(*args, **kwargs):
                raise NotSavedError("Not saved: the transcript database is not reachable.")

            return fail
        return attr


def test_a_failed_save_leaves_the_session_as_it_was(services):
    flaky = _FailingStore(services.store)
    services = dataclasses.replace(services, store=flaky)
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], num_questions=2, seed=4))
    before = (session.turn.question.id, session.turn.answer, list(session.asked))
    flaky.down = True
    with pytest.raises(NotSavedError):
        session.answer(session.turn.question.reference_answer)
    assert (session.turn.question.id, session.turn.answer, list(session.asked)) == before
    flaky.down = False
    session.answer(session.turn.question.reference_answer)  # the retry goes through
    answers = [m for m in flaky.get_session(session.id)["messages"] if m["role"] == "candidate"]
    assert len(answers) == 1


# --- double sends, drafts, attempts ------------------------------------------------------------


def _wrong_code(session: InterviewSession) -> str:
    return f"def {session.turn.question.entry_point}(*args, **kwargs):\n    return None\n"


def _stored(session: InterviewSession, kind: str) -> list[dict]:
    return [m for m in session.messages if m["kind"] == kind]


def test_repeated_answer_for_a_done_step_is_dropped(e2e_set, services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], topics=["e2e"], seed=1))
    step = session.step
    first = session.answer("Overfitting is fitting noise.", step=step)
    assert first and session.step != step
    assert session.answer("Overfitting is fitting noise.", step=step) == []  # the second Enter
    assert len(_stored(session, "answer")) == 1
    assert len(_stored(session, "follow_up")) + len(_stored(session, "feedback")) == 1
    session.answer("A gap between training and validation error shows it.", step=session.step)
    assert len(_stored(session, "answer")) == 2  # a send for the new step is taken


def test_a_failed_action_uses_up_its_step(e2e_set, services):
    """A send that failed may have stored part of its work: its repeat is dropped, a new send is taken."""
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], topics=["e2e"], seed=1))
    step = session.step
    with pytest.raises(ValidationError, match="empty"):
        session.answer("   ", step=step)
    assert session.answer("Overfitting is fitting noise.", step=step) == []
    assert session.answer("Overfitting is fitting noise.", step=session.step)
    assert len(_stored(session, "answer")) == 1


def test_concurrent_sends_for_one_step_store_one_answer(e2e_set, services):
    """Two script runs (threads) sending the same answer at once: the lock makes one wait, then drops it."""
    session = InterviewSession.start(services, InterviewConfig(tracks=["ml_theory"], topics=["e2e"], seed=1))
    step, barrier, results = session.step, threading.Barrier(2), []

    def send():
        barrier.wait()
        results.append(session.answer("Overfitting is fitting noise in the training data.", step=step))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(len(r) > 0 for r in results) == [False, True]
    assert len(_stored(session, "answer")) == 1
    assert len(_stored(session, "follow_up")) + len(_stored(session, "feedback")) == 1


def test_repeated_submit_and_run_for_a_done_step_are_dropped(e2e_set, services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["coding"], topics=["e2e"], seed=1))
    wrong, step = _wrong_code(session), session.step
    session.submit_code(wrong, step=step)
    assert session.submit_code(wrong, step=step) == [] and session.turn.submissions == 1
    assert len(_stored(session, "verdict")) == 1
    step = session.step
    assert session.run_visible(wrong, step=step).verdict == "wrong_answer"
    assert session.run_visible(wrong, step=step) is None  # a second Run on the same page
    assert session.hint(step=session.step) and session.hint(step=step) == []


def test_drafts_are_kept_with_the_turn_and_shown_on_resume(e2e_set, services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["coding"], topics=["e2e"], seed=1))
    step = session.step
    assert session.save_draft("def add(a, b):\n    return a +\x00 b  # draft\n")
    assert not session.save_draft("def add(a, b):\n    return a + b  # draft\n")  # unchanged: no write
    assert session.step == step  # an edit is not an answer
    resumed = InterviewSession.resume(services, session.id)
    assert resumed.turn.code == "def add(a, b):\n    return a + b  # draft\n"
    with pytest.raises(ValidationError, match="limit"):
        session.save_draft("x" * 200_000)
    session.run_visible("def add(a, b):\n    return a - b\n")  # a run is saved as the draft too
    assert InterviewSession.resume(services, session.id).turn.code.endswith("a - b\n")
    session.submit_code("def add(a, b):\n    return a + b\n")
    assert not session.save_draft("late edit")  # the editor reported after the code was accepted
    assert services.store.get_session(session.id)["turns"][0]["code"] == "def add(a, b):\n    return a + b\n"


def test_terminal_resume_shows_the_latest_draft(e2e_set, services):
    session = InterviewSession.start(services, InterviewConfig(tracks=["coding"], topics=["e2e"], seed=1))
    session.save_draft("def add(a, b):\n    return a + b  # my draft\n")
    res = CliRunner().invoke(cli, ["interview", "--resume", session.id], input="")
    assert res.exit_code == 0, res.output
    assert "return a + b  # my draft" in res.output and "draft" in res.output


def _coding_score(services, wrong_first: int) -> tuple[float, str]:
    """Score and summary of the e2e coding question accepted after `wrong_first` wrong submissions."""
    config = InterviewConfig(tracks=["coding"], topics=["e2e"], num_questions=1, seed=1)
    session = InterviewSession.start(services, config)
    for _ in range(wrong_first):
        session.submit_code(_wrong_code(session))
    session.submit_code("def add(a, b):\n    return a + b\n")
    session.answer("It is O(1) time and O(1) space; the only edge case is very large integers.")
    [turn] = services.store.get_session(session.id)["turns"]
    return turn["score"], turn["feedback"]["summary"]


def test_each_wrong_submission_lowers_the_coding_score(e2e_set, services):
    first_try, _ = _coding_score(services, 0)
    second_try, summary = _coding_score(services, 1)
    third_try, _ = _coding_score(services, 2)
    assert second_try == pytest.approx(max(0.0, first_try - SUBMISSION_PENALTY))
    assert third_try == pytest.approx(max(0.0, first_try - 2 * SUBMISSION_PENALTY))
    assert second_try < 10.0 and "1 earlier submission was not accepted" in summary


@pytest.mark.parametrize(("submissions", "penalty"), [(0, 0.0), (1, 0.0), (2, 1.0), (3, 2.0)])
def test_submission_penalty_counts_the_submissions_before_the_last(submissions, penalty):
    assert submission_penalty(submissions) == penalty * SUBMISSION_PENALTY
    feedback = penalise_attempts(Feedback(score=0.5, summary="Judge: accepted."), submissions)
    assert feedback.score == max(0.0, round(0.5 - penalty * SUBMISSION_PENALTY, 1))
