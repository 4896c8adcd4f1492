"""Replies recorded from a real model server (tests/data/llm_replies/, written by `make test-llm`
with RECORD_LLM_REPLIES=1) replayed byte for byte through tests/fake_openai.py: the probe, grades
(with the citation forms and key points the real model produced) and streamed phrasing must lead to
the same outcome as they did live."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.grading.llm_grader import LLMGrader
from interviewbot.grading.offline import OfflineGrader
from interviewbot.index import SearchHit
from interviewbot.llm import Deadline, get_backend
from interviewbot.phrasing import Interviewer
from interviewbot.questions import load_question_set
from tests.conftest import ROOT
from tests.fake_openai import Recorded, RecordedStream

REPLIES = ROOT / "tests" / "data" / "llm_replies"
BANK = {
    q.id: q
    for path in (ROOT / "knowledge" / "questions").glob("*.yaml")
    for q in load_question_set(path).questions
}


def fixtures(prefix: str) -> list[Path]:
    return sorted(REPLIES.glob(f"{prefix}*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def method_of(request: dict) -> str:
    if request.get("tools"):
        return "function_calling"
    return "json_schema" if request["response_format"]["type"] == "json_schema" else "json_mode"


def backend_for(server, method: str = "auto"):
    settings = load_settings().with_overrides(
        backend="openai-compatible",
        base_url=server.url + "/v1",
        model="recorded",
        llm_max_retries=0,
        llm_timeout_s=30.0,
        structured_method=method,
    )
    return get_backend(settings)


def offline_score_seen(exchanges: list[dict]) -> float:
    """The offline score the model was told when this was recorded: the reply answers that prompt,
    and the offline grader has changed since (grader v2), so the replay gives the model the same."""
    text = json.dumps(exchanges[0]["request"]["messages"])
    return float(re.search(r"scored it (\d+(?:\.\d+)?)/10", text).group(1))


def replay(server, exchanges: list[dict]) -> None:
    for e in exchanges:
        server.enqueue(RecordedStream(e["stream"]) if "stream" in e else Recorded(e["status"], e["response"]))


def test_recorded_replies_are_present():
    names = {p.stem for p in REPLIES.glob("*.json")}
    assert {"probe", "grade-good", "grade-bad", "grade-injection", "interview"} <= names, names
    for path in REPLIES.glob("*.json"):
        assert "llama-cpp-python" in load(path)["recorded_with"], path.name


@pytest.mark.parametrize("path", fixtures("probe"), ids=lambda p: p.stem)
def test_replayed_probe_picks_the_same_method(fake_openai, path):
    data = load(path)
    replay(fake_openai, data["exchanges"])
    method, results = backend_for(fake_openai).probe(Deadline(30))
    assert (method, results) == (data["method"], data["results"])
    assert all("\n" not in r and 'File "' not in r for r in results.values())


@pytest.mark.parametrize("path", fixtures("grade-"), ids=lambda p: p.stem)
def test_replayed_grade_has_the_live_outcome(fake_openai, path):
    data = load(path)
    question = BANK[data["question_id"]]
    retrieved = [SearchHit(c["id"], c["source"], c["heading"], c["text"], 0.5) for c in data["chunks"]]
    offline = OfflineGrader(get_embedder(), None).grade(question, data["answer"]).feedback
    grading = [e for e in data["exchanges"] if "ProbeAnswer" not in json.dumps(e["request"])[:4000]]
    offline = offline.model_copy(update={"score": offline_score_seen(grading)})  # as when recorded
    replay(fake_openai, grading)
    backend = backend_for(fake_openai, method_of(grading[0]["request"]))
    feedback, meta = LLMGrader(backend).grade(question, data["answer"], retrieved, offline)
    live = data["outcome"]
    assert meta["grader"] == live["grader"] and meta.get("fallback_reason") == live["fallback_reason"]
    assert feedback.score == live["score"] and feedback.dimensions == live["dimensions"]
    if live["grader"] == "llm":
        assert meta["cited"] == live["cited"]
        assert [kp.text for kp in feedback.key_points] == [kp.text for kp in question.key_points]
    assert [json.loads(json.dumps(b["messages"])) for b in fake_openai.requests] == [
        e["request"]["messages"] for e in grading
    ]  # the same prompt as live, byte for byte


@pytest.mark.parametrize("path", fixtures("interview"), ids=lambda p: p.stem)
def test_replayed_streamed_phrasing_is_shown_as_streamed(fake_openai, path):
    data = load(path)
    streams = [e for e in data["exchanges"] if "stream" in e]
    expected = "".join(
        (chunk["choices"][0].get("delta") or {}).get("content") or ""
        for chunk in streams[0]["stream"]
        if isinstance(chunk, dict) and chunk.get("choices")
    ).strip()
    replay(fake_openai, streams[:1])
    seen: list[str] = []
    interviewer = Interviewer(backend_for(fake_openai))
    question = BANK[data["question_id"]]
    assert interviewer.phrase_question(question, on_token=seen.append) == expected
    assert seen and seen[-1].strip() == expected and len(seen) > 3
    assert interviewer.last_meta["usage"]["output_tokens"] > 0
