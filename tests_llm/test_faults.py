"""Faults of the real server under the default budget: hung (SIGSTOP) mid-grade and before a call,
killed mid-grade and before a call. Each grade and interviewer call falls back to the offline grade
or the bank's wording within 30 s, with one clear line saying why.

These tests check the time-budget contract itself (the feature under test), so they compare the
elapsed time with the 30 s promise; they run on a server of their own, killed at the end.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from interviewbot.config import LLM_TIMEOUT_DEFAULT_S, load_settings
from interviewbot.grading.api import build_grader
from interviewbot.llm import Deadline, get_backend
from interviewbot.phrasing import Interviewer
from tests_llm.conftest import ROOT, LlamaServer, figure, model_path, use_server
from tests_llm.test_real_model import GOOD, QUESTION

PROMISE_S = 30.0  # a dead or hung server falls back within this
MID_CALL_S = 4.0  # the fault strikes this long after the grade started (the server is reading the prompt)


@pytest.fixture(scope="module")
def fault_server():
    server = LlamaServer(model_path(), ROOT / ".venv-llm" / "server-faults.log").start()
    method, _ = get_backend_for(server).probe(Deadline(120))
    server.method = method
    yield server
    server.stop()


def get_backend_for(server):
    settings = load_settings().with_overrides(
        backend="openai-compatible", base_url=server.base_url, model="m", structured_method="auto"
    )
    return get_backend(settings)


@pytest.fixture
def default_budget(fault_server, monkeypatch, indexed_home):
    """The real fault server with the default budget and its probed structured method."""
    use_server(monkeypatch, fault_server.base_url, budget=None)
    monkeypatch.setenv("INTERVIEWBOT_STRUCTURED_METHOD", fault_server.method)
    assert load_settings().llm_timeout_s == LLM_TIMEOUT_DEFAULT_S
    return fault_server


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def grade_with_fault(fault=None):
    """Grade GOOD; `fault()` strikes MID_CALL_S after the grade started."""
    grader = build_grader(load_settings())
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        future = pool.submit(grader.grade_turn, QUESTION, GOOD)
        if fault is not None:
            time.sleep(MID_CALL_S)
            fault()
        outcome = future.result(timeout=120)
    return outcome, time.monotonic() - started


def assert_clear_fallback(meta: dict, elapsed: float, names: str, test: str) -> None:
    figure(test, seconds=round(elapsed, 1), reason=meta.get("fallback_reason"))
    assert meta["grader"] == "offline", meta
    reason = meta["fallback_reason"]
    assert names in reason and "\n" not in reason and "Traceback" not in reason, reason
    assert elapsed < PROMISE_S, f"fell back after {elapsed:.1f} s"


def test_server_hung_mid_grade_falls_back_within_the_budget(default_budget):
    try:
        outcome, elapsed = grade_with_fault(default_budget.pause)
    finally:
        default_budget.resume()
    assert_clear_fallback(outcome.meta, elapsed, "did not answer in time", "fault: hung mid-grade")


def test_server_hung_before_the_calls_falls_back_within_the_budget(default_budget):
    default_budget.pause()
    try:
        outcome, elapsed = grade_with_fault()
        interviewer = Interviewer(get_backend(load_settings()))
        phrased, asked_in = timed(lambda: interviewer.phrase_question(QUESTION, on_token=lambda text: None))
    finally:
        default_budget.resume()
    assert_clear_fallback(outcome.meta, elapsed, "did not answer in time", "fault: hung before grading")
    figure("fault: hung before phrasing", seconds=round(asked_in, 1), reason=interviewer.last_error)
    assert phrased == QUESTION.prompt and "did not answer in time" in interviewer.last_error
    assert asked_in < PROMISE_S


def test_server_killed_mid_grade_falls_back_at_once(default_budget):
    outcome, elapsed = grade_with_fault(default_budget.kill)
    assert_clear_fallback(outcome.meta, elapsed, "cannot reach the model server", "fault: killed mid-grade")


def test_server_killed_before_the_calls_falls_back_at_once(default_budget):
    default_budget.kill()
    outcome, elapsed = grade_with_fault()
    assert_clear_fallback(
        outcome.meta, elapsed, "cannot reach the model server", "fault: killed before grading"
    )
    interviewer = Interviewer(get_backend(load_settings()))
    phrased, asked_in = timed(lambda: interviewer.phrase_question(QUESTION))
    figure("fault: killed before phrasing", seconds=round(asked_in, 1), reason=interviewer.last_error)
    assert phrased == QUESTION.prompt and "cannot reach the model server" in interviewer.last_error
