"""The chat backend over the wire (tests/fake_openai.py): the backend registry, the capability probe
and its cache, one time budget per call, clean one-line server errors, and token usage estimated
when a server sends none."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from interviewbot import llm
from interviewbot.config import BACKENDS, LLM_TIMEOUT_HELP, STRUCTURED_METHODS, load_settings
from interviewbot.errors import ConfigError, LLMError
from interviewbot.grading.llm_grader import LLMFeedback
from interviewbot.llm import backend_names, get_backend, register_backend
from interviewbot.llm_support import CapabilityCache, clean_server_message, estimate_tokens
from interviewbot.phrasing import Interviewer
from interviewbot.questions import Question
from tests.fake_chat import FakeChatBackend
from tests.fake_openai import Delay, HTTPError, Structured, Text, ToolCall

# What llama-cpp-python 0.3.36's server says to response_format json_schema (FastAPI's validation
# error with the endpoint's source location appended).
LLAMA_JSON_SCHEMA_REJECTION = (
    "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}]\n\n"
    '  File "/srv/.venv-llm/lib/python3.11/site-packages/llama_cpp/server/app.py", line 487, in '
    "create_chat_completion\n    POST /v1/chat/completions"
)
QUESTION = Question(
    id="q-1", track="ml_theory", topics=["x"], prompt="What is overfitting?", key_points=["fits noise"]
)


def backend_for(server, method: str = "auto", budget: float = 10.0, **changes):
    fields = dict(
        backend="openai-compatible",
        base_url=server.url + "/v1",
        model="fake-model",
        llm_max_retries=0,
        llm_timeout_s=budget,
        structured_method=method,
    )
    return get_backend(load_settings().with_overrides(**fields | changes))


def cache_file():
    return load_settings().home / "llm_capabilities.json"


# --- the registry ------------------------------------------------------------------------------------


def test_registry_offers_exactly_the_configurable_backends():
    assert backend_names() == BACKENDS
    assert "auto" in STRUCTURED_METHODS and load_settings().structured_method == "auto"


def test_register_backend_adds_a_factory(monkeypatch):
    monkeypatch.setitem(llm._FACTORIES, "in-process", lambda settings: FakeChatBackend(model=settings.model))
    backend = get_backend(SimpleNamespace(backend="in-process", model="m1"))
    assert isinstance(backend, FakeChatBackend) and backend.model == "m1"
    assert register_backend("x")(len) is len and llm._FACTORIES.pop("x") is len


def test_get_backend_unknown_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown backend 'nope'.*offline, openai, openai-compatible"):
        get_backend(SimpleNamespace(backend="nope"))


@pytest.mark.parametrize("value, ok", [("300", True), ("0", False), ("-5", False), ("99999", False)])
def test_llm_timeout_setting_is_validated(monkeypatch, value, ok):
    monkeypatch.setenv("INTERVIEWBOT_LLM_TIMEOUT", value)
    if ok:
        assert load_settings().llm_timeout_s == float(value)
    else:
        with pytest.raises(ConfigError, match="INTERVIEWBOT_LLM_TIMEOUT.*180-300 for a slow local model"):
            load_settings()
    assert "INTERVIEWBOT_LLM_TIMEOUT" in LLM_TIMEOUT_HELP and "180-300" in LLM_TIMEOUT_HELP


# --- the capability probe -------------------------------------------------------------------------------


def test_probe_skips_a_rejected_method_and_caches_the_best_that_works(fake_openai):
    fake_openai.enqueue(
        HTTPError(500, LLAMA_JSON_SCHEMA_REJECTION),
        ToolCall({"answer": 5}),
        Structured({"score": 6, "summary": "ok"}),
    )
    result = backend_for(fake_openai).structured([("user", "grade")], LLMFeedback)
    assert result.value.score == 6 and result.method == "function_calling"
    first, second, third = fake_openai.requests
    assert first["response_format"]["type"] == "json_schema"
    assert second["tools"][0]["function"]["name"] == "ProbeAnswer" and second["max_tokens"] == 40
    assert third["tools"][0]["function"]["name"] == "LLMFeedback"
    entry = json.loads(cache_file().read_text())[f"{fake_openai.url}/v1 fake-model"]
    assert entry["method"] == "function_calling" and entry["results"]["function_calling"] == "ok"
    assert entry["results"]["json_schema"] == (
        "the model server returned HTTP 500: response_format.type: Input should be 'text' or 'json_object'"
    )

    fake_openai.enqueue(Structured({"score": 4, "summary": "again"}))  # a new process: the cache answers
    again = backend_for(fake_openai).structured([("user", "grade")], LLMFeedback)
    assert again.value.score == 4 and len(fake_openai.requests) == 4


def test_probe_falls_back_to_json_mode_when_nothing_passes(fake_openai):
    fake_openai.enqueue(HTTPError(400, "response_format is not supported"), Text("five"), Text("5"))
    method, results = backend_for(fake_openai).probe(llm.Deadline(10))
    assert method == "json_mode" and set(results) == {"json_schema", "function_calling", "json_mode"}
    assert all(r.startswith(("the model server returned HTTP 400", "unparseable")) for r in results.values())


@pytest.mark.parametrize(
    "reply, budget, names",
    [
        (Delay(5, "late"), 1.0, "did not answer in time"),
        (HTTPError(503, "loading model"), 10.0, "HTTP 503"),
        (HTTPError(401), 10.0, "API key was rejected"),
    ],
    ids=["hung", "busy", "unauthorised"],
)
def test_probe_that_says_nothing_about_methods_is_not_cached(fake_openai, reply, budget, names):
    fake_openai.enqueue(reply)
    result = backend_for(fake_openai, budget=budget).structured([("user", "grade")], LLMFeedback)
    assert result.value is None and names in result.error
    assert len(fake_openai.requests) == 1 and not cache_file().exists()


def test_cached_method_rejected_later_is_forgotten(fake_openai):
    CapabilityCache(cache_file()).put(
        f"{fake_openai.url}/v1", "fake-model", "json_schema", {"json_schema": "ok"}
    )
    fake_openai.enqueue(HTTPError(400, "json_schema is not supported by this model"))
    result = backend_for(fake_openai).structured([("user", "grade")], LLMFeedback)
    assert not result.retryable and "HTTP 400" in result.error
    assert CapabilityCache(cache_file()).get(f"{fake_openai.url}/v1", "fake-model") is None


def test_capability_cache_survives_a_damaged_file():
    cache = CapabilityCache(cache_file())
    cache_file().parent.mkdir(parents=True, exist_ok=True)
    cache_file().write_text("{not json")
    assert cache.get("http://x/v1", "m") is None
    cache.put("http://x/v1/", "m", "json_mode", {})
    assert cache.get("http://x/v1", "m")["method"] == "json_mode"


# --- budgets and retries ------------------------------------------------------------------------------------


def test_retryable_errors_retry_within_the_budget(fake_openai):
    fake_openai.enqueue(HTTPError(500, headers={"retry-after-ms": "1"}), HTTPError(429), Text("third time"))
    backend = backend_for(fake_openai, llm_max_retries=2)
    assert backend.chat([("user", "hi")]).text == "third time" and len(fake_openai.requests) == 3


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(fake_openai, status):
    fake_openai.enqueue(HTTPError(status, "bad request"), Text("never sent"))
    with pytest.raises(LLMError, match=f"HTTP {status}") as err:
        backend_for(fake_openai, llm_max_retries=3).chat([("user", "hi")])
    assert not err.value.retryable and len(fake_openai.requests) == 1


def test_a_hung_server_gets_one_request_per_budget(fake_openai):
    fake_openai.enqueue(Delay(10, "late"), Delay(10, "late"))
    with pytest.raises(LLMError, match=r"did not answer in time \(the 1 s budget ran out") as err:
        backend_for(fake_openai, budget=1.0, llm_max_retries=3).chat([("user", "hi")])
    assert not err.value.retryable and "INTERVIEWBOT_LLM_TIMEOUT" in str(err.value)
    assert len(fake_openai.requests) == 1  # no retry while the server may still be generating


def test_stream_times_out_within_the_budget(fake_openai):
    fake_openai.enqueue(Delay(10, "late"))
    with pytest.raises(LLMError, match="did not answer in time"):
        list(backend_for(fake_openai, budget=1.0).stream([("user", "hi")]))


def test_a_dead_server_is_one_clear_line(fake_openai):
    url = fake_openai.url
    fake_openai.stop()
    backend = get_backend(
        load_settings().with_overrides(backend="openai-compatible", base_url=url + "/v1", model="m")
    )
    with pytest.raises(LLMError, match=f"cannot reach the model server at {url}/v1") as err:
        backend.chat([("user", "hi")])
    assert "\n" not in str(err.value)


# --- server messages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, expected",
    [
        (LLAMA_JSON_SCHEMA_REJECTION, "response_format.type: Input should be 'text' or 'json_object'"),
        (
            'Traceback (most recent call last):\n  File "/srv/app.py", line 3, in f\n    x()\n'
            "ValueError: the model is not loaded",
            "ValueError: the model is not loaded",
        ),
        ('boom File "/srv/app.py", line 9, in create', "boom"),
        ("x" * 500, "x" * 197 + "..."),
    ],
    ids=["fastapi-validation", "traceback", "inline-fragment", "long"],
)
def test_server_messages_become_one_clean_line(message, expected):
    cleaned = clean_server_message(SimpleNamespace(body={"message": message}))
    assert cleaned == expected
    assert 'File "' not in cleaned and "\n" not in cleaned


def test_llama_rejection_reaches_the_user_as_one_clean_line(fake_openai):
    fake_openai.enqueue(HTTPError(500, LLAMA_JSON_SCHEMA_REJECTION))
    result = backend_for(fake_openai, method="json_schema").structured([("user", "grade")], LLMFeedback)
    assert result.error == (
        "the model server returned HTTP 500: response_format.type: Input should be 'text' or 'json_object'"
    )
    assert not result.retryable  # a request the server rejects cannot succeed on retry


# --- token usage ---------------------------------------------------------------------------------------------------


def test_usage_estimated_when_the_server_sends_none(fake_openai):
    fake_openai.send_usage = False
    fake_openai.enqueue(Text("Overfitting memorises noise."), Text("Streamed reply here."))
    backend = backend_for(fake_openai)
    result = backend.chat([("system", "Be brief."), ("user", "Define overfitting.")])
    assert result.usage["estimated"] is True and result.usage["output_tokens"] == estimate_tokens(result.text)
    assert result.usage["total_tokens"] == result.usage["input_tokens"] + result.usage["output_tokens"]
    assert "".join(backend.stream([("user", "Say something.")])) == "Streamed reply here."
    assert backend.last_usage["estimated"] is True and backend.last_usage["output_tokens"] > 0


def test_usage_from_the_server_is_not_marked_estimated(fake_openai):
    fake_openai.enqueue(Text("hi", usage={"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8}))
    usage = backend_for(fake_openai).chat([("user", "hello")]).usage
    assert usage == {"input_tokens": 7, "output_tokens": 1, "total_tokens": 8}


def test_estimate_tokens_counts_long_text_beyond_the_embedders_window():
    one = estimate_tokens("regularization " * 10)
    assert one > 10 and estimate_tokens("regularization " * 1000) == pytest.approx(one * 100, rel=0.05)
    assert estimate_tokens("") == 0


def test_interviewer_reports_latency_usage_and_fallback(fake_openai):
    fake_openai.send_usage = False
    fake_openai.enqueue(Text("Could you define overfitting?"), Delay(5, "late"))
    interviewer = Interviewer(backend_for(fake_openai, budget=1.0))
    assert (
        interviewer.phrase_question(QUESTION, on_token=lambda text: None) == "Could you define overfitting?"
    )
    meta = interviewer.last_meta
    assert meta["latency_ms"] > 0 and meta["usage"]["estimated"] is True and "fallback_reason" not in meta
    assert interviewer.phrase_question(QUESTION) == QUESTION.prompt
    assert "did not answer in time" in interviewer.last_meta["fallback_reason"]
    assert len(fake_openai.requests) == 2  # no retry after a timeout
