"""The one module that talks to chat models (LangChain `ChatOpenAI`), behind our own types.

Backends come from a registry of factories (`register_backend`): `offline` (no LLM: None),
`openai` (api.openai.com with OPENAI_API_KEY) and `openai-compatible` (any chat-completions server:
Ollama, vLLM, llama.cpp server, LM Studio). Every call runs under one `Deadline` that covers all of
its attempts; only errors that can change are retried, and never a timed-out request (a single-slot
server may still be generating it). Structured output uses the configured method, or with `auto`
the best one a tiny probe found to work on this server and model (cached in the data dir).
Everything above this module sees `ChatBackend`, `ChatResult`, `StructuredResult` and `Deadline`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

from pydantic import BaseModel

from interviewbot.errors import ConfigError, LLMError
from interviewbot.llm_replies import (
    PROBE_MESSAGES,
    ChatResult,
    StructuredResult,
    json_schema_format,
    parse_structured,
)
from interviewbot.llm_support import (
    PROBE_ORDER,
    CapabilityCache,
    clean_server_message,
    estimate_usage,
    is_request_rejection,
    probe_schema,
    retry_after_s,
)

Messages = list[tuple[str, str]]  # (role: system | user | assistant, text)


class Deadline:
    """One overall time budget for a call and all of its attempts."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


class ChatBackend(Protocol):
    """What the grader and the interviewer need from a chat model."""

    name: str
    model: str
    budget_s: float
    last_usage: dict

    def deadline(self) -> Deadline: ...

    def chat(self, messages: Messages, deadline: Deadline | None = None) -> ChatResult: ...

    def stream(self, messages: Messages, deadline: Deadline | None = None) -> Iterator[str]: ...

    def structured(
        self, messages: Messages, schema: type[BaseModel], deadline: Deadline | None = None, **options
    ) -> StructuredResult: ...


def _usage(message, messages: Messages, reply_text: str) -> dict:
    """The server's token counts, else an estimate marked `"estimated": true`."""
    meta = getattr(message, "usage_metadata", None) or {}
    usage = {k: meta[k] for k in ("input_tokens", "output_tokens", "total_tokens") if meta.get(k) is not None}
    return usage or estimate_usage(messages, reply_text)


def _to_lc(messages: Messages):
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[role](content=text) for role, text in messages]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class OpenAIChatBackend:
    """A chat model reached through LangChain's ChatOpenAI (OpenAI or a compatible server)."""

    def __init__(
        self,
        name: str,
        model: str,
        api_key: str,
        base_url: str | None,
        budget_s: float,
        max_retries: int,
        structured_method: str,
        capabilities: CapabilityCache | None = None,
    ):
        from langchain_openai import ChatOpenAI

        self.name, self.model, self.structured_method = name, model, structured_method
        self.budget_s, self.max_retries = budget_s, max_retries
        self.base_url = base_url or "https://api.openai.com/v1"
        self.capabilities = capabilities
        self.last_usage: dict = {}
        # The SDK's own retries are off: they ignore our deadline and re-send a request that a
        # single-slot server is still generating. `_attempts` retries what can change, in budget.
        self._llm = ChatOpenAI(
            model=model,
            api_key=api_key or "not-needed",
            base_url=base_url or None,
            timeout=budget_s,
            max_retries=0,
            temperature=0.2,
            stream_usage=True,
        )

    def deadline(self) -> Deadline:
        """A fresh deadline of this backend's budget."""
        return Deadline(self.budget_s)

    def chat(self, messages: Messages, deadline: Deadline | None = None) -> ChatResult:
        """One reply; raises LLMError with a readable reason on any failure."""
        deadline = deadline or self.deadline()
        started = time.perf_counter()
        reply = self._attempts(lambda t: self._llm.invoke(_to_lc(messages), timeout=t), deadline)
        text = str(reply.content or "")
        return ChatResult(text, _usage(reply, messages, text), _ms(started))

    def stream(self, messages: Messages, deadline: Deadline | None = None) -> Iterator[str]:
        """Reply text as it arrives, stopped at the deadline; usage lands in `last_usage` at the end."""
        deadline = deadline or self.deadline()
        self.last_usage, text, last = {}, "", None
        if deadline.remaining() < 0.05:
            raise LLMError(self._too_slow(deadline), retryable=False)
        chunks = self._llm.stream(_to_lc(messages), timeout=deadline.remaining())
        try:
            for chunk in chunks:
                if getattr(chunk, "usage_metadata", None):
                    last = chunk
                if chunk.content:
                    text += str(chunk.content)
                    yield str(chunk.content)
                if deadline.expired:
                    raise LLMError(self._too_slow(deadline), retryable=False)
        except Exception as exc:  # the SDK raises many types mid-stream: timeouts, HTTP errors
            raise self.describe(exc, deadline) from exc
        finally:
            chunks.close()  # closing the connection lets a streaming server stop generating
        self.last_usage = _usage(last, messages, text)

    def structured(
        self,
        messages: Messages,
        schema: type[BaseModel],
        deadline: Deadline | None = None,
        max_tokens: int | None = None,
    ) -> StructuredResult:
        """A reply parsed as `schema` with the configured (or probed) method; never raises."""
        deadline = deadline or self.deadline()
        started = time.perf_counter()
        method = ""
        try:
            method = self.method(deadline)
            request = self._request(method, schema, max_tokens)
            reply = self._attempts(lambda t: request.invoke(_to_lc(messages), timeout=t), deadline)
        except LLMError as exc:
            if exc.status and not exc.retryable and self.structured_method == "auto" and self.capabilities:
                self.capabilities.forget(self.base_url, self.model)  # re-probe next time
            return StructuredResult(None, error=str(exc), latency_ms=_ms(started), retryable=exc.retryable)
        result = parse_structured(reply, schema)
        result.usage = _usage(reply, messages, result.raw)
        result.latency_ms, result.method = _ms(started), method
        return result

    # --- structured-output methods --------------------------------------------------------------

    def method(self, deadline: Deadline) -> str:
        """The structured-output method: the configured one, or with `auto` the probed best."""
        if self.structured_method != "auto":
            return self.structured_method
        cached = self.capabilities.get(self.base_url, self.model) if self.capabilities else None
        if cached:
            return cached["method"]
        method, results = self.probe(deadline)
        if self.capabilities:
            self.capabilities.put(self.base_url, self.model, method, results)
        return method

    def probe(self, deadline: Deadline) -> tuple[str, dict]:
        """Try each method with a tiny request; (best working method, {method: "ok" | why not})."""
        results: dict[str, str] = {}
        for method in PROBE_ORDER:
            if deadline.remaining() < 0.05:
                raise LLMError(self._too_slow(deadline), retryable=False)
            request = self._request(method, probe_schema(), 40)
            try:
                reply = request.invoke(_to_lc(PROBE_MESSAGES), timeout=deadline.remaining())
            except Exception as exc:
                error = self.describe(exc, deadline)
                if error.status in (None, 401, 403) or error.retryable:
                    raise error from exc  # down, busy or unauthorised: that says nothing about the method
                results[method] = str(error)
                continue
            parsed = parse_structured(reply, probe_schema())
            results[method] = "ok" if parsed.value is not None else parsed.error or "unusable"
            if parsed.value is not None:
                return method, results
        return "json_mode", results  # nothing passed: plain JSON mode with lenient parsing

    def _request(self, method: str, schema: type[BaseModel], max_tokens: int | None):
        extra = {}
        if max_tokens:  # LangChain renames max_tokens to max_completion_tokens, which llama.cpp ignores
            extra = (
                {"max_tokens": max_tokens}
                if self.name == "openai"
                else {"extra_body": {"max_tokens": max_tokens}}
            )
        if method == "function_calling":
            return self._llm.bind_tools([schema], tool_choice=schema.__name__, **extra)
        if method == "json_schema":
            return self._llm.bind(response_format=json_schema_format(schema), **extra)
        return self._llm.bind(response_format={"type": "json_object"}, **extra)

    # --- attempts, deadlines and errors ---------------------------------------------------------

    def _attempts(self, call: Callable[[float], object], deadline: Deadline, retries: int | None = None):
        """`call(timeout)` until it succeeds, the error cannot change, or the budget is spent."""
        retries = self.max_retries if retries is None else retries
        for attempt in range(retries + 1):
            if deadline.remaining() < 0.05:
                raise LLMError(self._too_slow(deadline), retryable=False)
            try:
                return call(deadline.remaining())
            except Exception as exc:  # the SDK raises many types: timeouts, HTTP errors, bad JSON
                error = self.describe(exc, deadline)
                pause = retry_after_s(exc, attempt)
                if not error.retryable or attempt == retries or pause >= deadline.remaining() - 0.5:
                    raise error from exc
                time.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _too_slow(self, deadline: Deadline) -> str:
        return (
            f"the model server did not answer in time (the {deadline.seconds:g} s budget ran out; "
            f"{self.name}, {self.model}); raise INTERVIEWBOT_LLM_TIMEOUT for a slow local model"
        )

    def describe(self, exc: Exception, deadline: Deadline) -> LLMError:
        """A user-facing, one-line LLMError for a failed call; `retryable` says if repeating can help."""
        if isinstance(exc, LLMError):
            return exc
        name, status = type(exc).__name__, getattr(exc, "status_code", None)
        if "Timeout" in name:
            return LLMError(self._too_slow(deadline), retryable=False)
        if status == 429:
            return LLMError(
                "the model server is rate-limiting requests (HTTP 429); try again later", status=429
            )
        if status == 401:
            return LLMError(
                "the API key was rejected (HTTP 401); check OPENAI_API_KEY", retryable=False, status=401
            )
        if status:
            message = clean_server_message(exc)
            rejected = 400 <= status < 500 and status not in (408, 409) or is_request_rejection(message)
            return LLMError(
                f"the model server returned HTTP {status}: {message}", retryable=not rejected, status=status
            )
        if "Connection" in name:
            return LLMError(f"cannot reach the model server at {self.base_url}", retryable=False)
        return LLMError(f"{name}: {clean_server_message(exc)}")


# --- the backend registry ---------------------------------------------------------------------

BackendFactory = Callable[[object], "ChatBackend | None"]
_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    """Register a factory `settings -> backend` under a backend name (decorator)."""

    def register(factory: BackendFactory) -> BackendFactory:
        _FACTORIES[name] = factory
        return factory

    return register


def backend_names() -> tuple[str, ...]:
    """Every registered backend name."""
    return tuple(_FACTORIES)


def get_backend(settings) -> ChatBackend | None:
    """The configured chat backend; None for `offline` (the default)."""
    factory = _FACTORIES.get(settings.backend)
    if factory is None:
        raise ConfigError(f"unknown backend {settings.backend!r}; use one of: {', '.join(_FACTORIES)}.")
    return factory(settings)


def _openai_backend(settings, base_url: str | None) -> OpenAIChatBackend:
    return OpenAIChatBackend(
        settings.backend,
        settings.model,
        settings.api_key,
        base_url,
        settings.llm_timeout_s,
        settings.llm_max_retries,
        settings.structured_method,
        CapabilityCache(settings.home / "llm_capabilities.json"),
    )


@register_backend("offline")
def _offline(settings) -> None:
    return None


@register_backend("openai")
def _openai(settings) -> OpenAIChatBackend:
    if not settings.api_key:
        raise ConfigError(
            "INTERVIEWBOT_BACKEND=openai needs an API key: set OPENAI_API_KEY "
            "(or enter one on the Settings page), or use the offline backend."
        )
    return _openai_backend(settings, settings.base_url or None)


@register_backend("openai-compatible")
def _openai_compatible(settings) -> OpenAIChatBackend:
    if not settings.base_url:
        raise ConfigError(
            "INTERVIEWBOT_BACKEND=openai-compatible needs OPENAI_BASE_URL, e.g. "
            "http://localhost:11434/v1 for Ollama or http://localhost:8000/v1 for vLLM."
        )
    return _openai_backend(settings, settings.base_url)
