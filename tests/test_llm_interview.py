"""A terminal interview end to end against a real local server speaking the OpenAI API."""

from __future__ import annotations

import re

from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.transcripts import TranscriptStore
from tests.fake_openai import Structured, Text
from tests.test_interview import ANSWERS, e2e_set  # noqa: F401 - fixture

PHRASED = "Tell me, in your own words: what is overfitting, and how would you spot it?"


def responder(body: dict):
    """Answer like a model would: the capability probe, question phrasing, or a grade that cites a
    chunk key it was given and marks the rubric points by number, quoting the answer."""
    system = body["messages"][0]["content"]
    user = body["messages"][-1]["content"]
    if "What is 2 + 3?" in user:
        return Structured({"answer": 5})
    if "<guide>" in user:
        keys = re.findall(r"^\[(S\d+)\]", user, flags=re.M)
        rubric = re.findall(r"^\d+\. (.+)$", user.split("Rubric:")[1].split("Reference answer")[0], re.M)
        answer = user.split("<answer>")[1].split("</answer>")[0].strip()
        return Structured(
            {
                "score": 6.0,
                "dimensions": {"coverage": 6, "correctness": 7, "depth": 5, "clarity": 7},
                "key_points": [
                    {"point": i + 1, "status": "covered", "evidence": answer.split(". ")[0]}
                    for i in range(len(rubric))
                ],
                "summary": "Good definition; say more about remedies.",
                "strengths": ["clear"],
                "improvements": ["remedies"],
                "citations": keys[:1],
                "next_step": "Read about regularisation.",
            }
        )
    if "follow-up" in system:
        return Text("What would you change in training to reduce it?")
    return Text(PHRASED)


def test_terminal_interview_with_llm_backend(e2e_set, fake_openai, monkeypatch):  # noqa: F811
    monkeypatch.setenv("INTERVIEWBOT_BACKEND", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("INTERVIEWBOT_MODEL", "fake-model")
    monkeypatch.setenv("INTERVIEWBOT_STRUCTURED_METHOD", "json_mode")
    monkeypatch.setenv("INTERVIEWBOT_LLM_RETRIES", "0")
    fake_openai.enqueue(*[responder] * 20)
    res = CliRunner().invoke(
        cli,
        [
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
            "7",
        ],
        input="\n".join(ANSWERS[:9]) + "\n",
    )
    assert res.exit_code == 0, res.output
    assert PHRASED in res.output
    store = TranscriptStore.from_settings(load_settings())
    data = store.get_session(store.list_sessions()[0]["id"])
    assert data["status"] == "finished" and len(data["turns"]) == 2
    for turn in data["turns"]:
        assert turn["backend"] == "openai-compatible" and turn["model"] == "fake-model"
        assert turn["feedback"]["grader"] == "llm:fake-model" and turn["usage"]["total_tokens"] > 0
        assert turn["feedback"]["citations"] and turn["score"] <= 10
    assert any(m["content"] == PHRASED for m in data["messages"])
    graded = [b for b in fake_openai.requests if b.get("response_format", {}).get("type") == "json_object"]
    assert len(graded) == 2
    assert any(b.get("stream") for b in fake_openai.requests)  # the question was streamed to the terminal
