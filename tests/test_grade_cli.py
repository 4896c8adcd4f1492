"""`interviewbot grade` and `eval grading` honour the configured backend (over the wire, against
tests/fake_openai.py), `--offline` forces the rubric grader, and the output says which grader ran
and why a fallback happened."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from tests.conftest import ROOT
from tests.fake_openai import HTTPError
from tests.test_llm_interview import responder

QFILE = str(ROOT / "knowledge/questions/ml_theory_core.yaml")
ANSWER = (
    "Bias is error from overly simple assumptions, so the model underfits. Variance is sensitivity to "
    "the training sample, so the model overfits; regularisation and more data reduce variance."
)


@pytest.fixture
def llm_env(fake_openai, monkeypatch):
    """The openai-compatible backend pointed at the fake server (structured method: auto)."""
    monkeypatch.setenv("INTERVIEWBOT_BACKEND", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("INTERVIEWBOT_MODEL", "fake-model")
    monkeypatch.setenv("INTERVIEWBOT_LLM_RETRIES", "0")
    return fake_openai


def grade(tmp_path, *extra):
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    args = ["grade", "--set", QFILE, "--question", "mlt-bias-variance", "--answer-file", str(answer)]
    return CliRunner().invoke(cli, [*args, *extra])


def test_grade_uses_the_configured_llm_and_says_so(indexed_home, llm_env, tmp_path):
    llm_env.enqueue(*[responder] * 4)
    res = grade(tmp_path, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["grader"] == "llm:fake-model" and data["fallback_reason"] is None
    grading = data["grading"]
    assert grading["grader"] == "llm" and grading["backend"] == "openai-compatible"
    assert grading["method"] == "json_schema"  # probed: the fake server answers json_schema
    assert grading["latency_ms"] > 0 and grading["usage"]["total_tokens"] > 0 and grading["attempts"] == 1
    assert len(llm_env.requests) == 2  # the probe, then the grade

    llm_env.enqueue(responder)
    res = grade(tmp_path)
    assert res.exit_code == 0, res.output
    assert "Graded by the LLM (openai-compatible, fake-model, json_schema output) in" in res.output
    assert len(llm_env.requests) == 3  # the probe's result was cached in the data dir


def test_grade_offline_flag_forces_the_rubric_grader(indexed_home, llm_env, tmp_path):
    res = grade(tmp_path, "--offline", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["grader"] == "offline" and data["grading"] == {
        "grader": "offline",
        "offline_reason": "--offline was given",
    }
    assert llm_env.requests == []
    assert "Graded offline: --offline was given." in grade(tmp_path, "--offline").output


def test_grade_without_a_backend_says_why_it_is_offline(indexed_home, tmp_path):
    res = grade(tmp_path)
    assert res.exit_code == 0, res.output
    assert "Graded offline: no LLM is configured (INTERVIEWBOT_BACKEND=offline)." in res.output


def test_grade_fallback_reason_is_one_clear_line(indexed_home, llm_env, tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_STRUCTURED_METHOD", "json_mode")
    llm_env.enqueue(HTTPError(400, 'bad request\n  File "/srv/app.py", line 3, in create'))
    res = grade(tmp_path, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    reason = data["grading"]["fallback_reason"]
    assert data["grader"] == "offline" and data["grading"]["grader"] == "offline"
    assert reason == "the model server returned HTTP 400: bad request"
    assert reason in data["fallback_reason"] and len(llm_env.requests) == 1  # a 4xx is not retried

    llm_env.enqueue(HTTPError(400, "bad request"))
    lines = grade(tmp_path).output.splitlines()
    assert (
        "Graded offline: the openai-compatible grader fell back (the model server returned HTTP 400: bad request)."
        in lines
    )


def test_grade_unconfigured_backend_is_one_line_error(indexed_home, tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_BACKEND", "openai-compatible")
    res = grade(tmp_path)
    assert res.exit_code == 1 and res.output.strip().startswith(
        "Error: INTERVIEWBOT_BACKEND=openai-compatible"
    )
    assert "Traceback" not in res.output


def small_csv(tmp_path):
    rows = list(csv.DictReader((ROOT / "tests/data/graded_answers.csv").open(encoding="utf-8")))[:4]
    path = tmp_path / "few.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_eval_grading_uses_the_configured_llm(llm_env, tmp_path):
    llm_env.enqueue(*[responder] * 6)
    res = CliRunner().invoke(cli, ["eval", "grading", str(small_csv(tmp_path)), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["n"] == 4 and report["graders"] == {"llm:fake-model": 4} and report["fallbacks"] == []
    assert len(llm_env.requests) == 5  # one probe, four grades


def test_eval_grading_offline_and_fallbacks_are_reported(llm_env, tmp_path, monkeypatch):
    res = CliRunner().invoke(cli, ["eval", "grading", str(small_csv(tmp_path)), "--offline"])
    assert res.exit_code == 0, res.output
    assert "Graded by: offline x4 (--offline was given)" in res.output and llm_env.requests == []

    monkeypatch.setenv("INTERVIEWBOT_STRUCTURED_METHOD", "json_mode")
    llm_env.enqueue(*[HTTPError(422, "unprocessable")] * 4)
    res = CliRunner().invoke(cli, ["eval", "grading", str(small_csv(tmp_path)), "--json"])
    report = json.loads(res.output)
    assert report["graders"] == {"offline": 4} and len(report["fallbacks"]) == 4
    assert report["fallbacks"][0]["reason"] == "the model server returned HTTP 422: unprocessable"
