"""The one module that talks to chat models (LangChain `ChatOpenAI`), behind our own types.

Backends: `offline` (no LLM: `get_backend` returns None), `openai` (api.openai.com with
OPENAI_API_KEY) and `openai-compatible` (any server speaking the chat-completions API: Ollama,
vLLM, llama.cpp server, LM Studio; OPENAI_BASE_URL + INTERVIEWBOT_MODEL + optional key).
Everything above this module sees `ChatBackend`, `ChatResult` and `StructuredResult` only.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from interviewbot.errors import ConfigError, LLMError

Messages = list[tuple[str, str]]  # (role: system | user | assistant, text)


@dataclass
class ChatResult:
    """A plain chat reply."""

    text: str
    usage: dict = field(default_factory=dict)
    latency_ms: float = 0.0


@dataclass
class StructuredResult:
    """A structured reply: `value` is the parsed model, or None with `error` saying why."""

    value: BaseModel | None
    raw: str = ""
    error: str | None = None
    usage: dict = field(default_factory=dict)
    latency_ms: float = 0.0


def _usage(message) -> dict:
    meta = getattr(message, "usage_metadata", None) or {}
    return {
        k: meta.get(k) for k in ("input_tokens", "output_tokens", "total_tokens") if meta.get(k) is not None
    }


def _to_lc(messages: Messages):
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[role](content=text) for role, text in messages]


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)


def parse_json_object(text: str, schema: type[BaseModel]) -> BaseModel:
    """Parse a model reply as `schema`, tolerating code fences and prose around the object."""
    cleaned = _FENCE.sub("", text or "").strip()
    if not cleaned.startswith("{"):
        start, end = cleaned.find("{"), cleaned.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the reply contains no JSON object")
        cleaned = cleaned[start : end + 1]
    return schema.model_validate(json.loads(cleaned))


class ChatBackend:
    """A chat model reached through LangChain's ChatOpenAI (OpenAI or a compatible server)."""

    def __init__(
        self,
        name: str,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout_s: float,
        max_retries: int,
        structured_method: str,
    ):
        from langchain_openai import ChatOpenAI

        self.name, self.model, self.structured_method = name, model, structured_method
        self.last_usage: dict = {}
        self._llm = ChatOpenAI(
            model=model,
            api_key=api_key or "not-needed",
            base_url=base_url or None,
            timeout=timeout_s,
            max_retries=max_retries,
            temperature=0.2,
            stream_usage=True,
        )

    def chat(self, messages: Messages) -> ChatResult:
        """One reply; raises LLMError with a readable reason on any failure."""
        started = time.perf_counter()
        try:
            reply = self._llm.invoke(_to_lc(messages))
        except Exception as exc:  # the SDK raises many types: timeouts, HTTP errors, bad JSON
            raise LLMError(_describe(exc, self)) from exc
        return ChatResult(str(reply.content or ""), _usage(reply), (time.perf_counter() - started) * 1000)

    def stream(self, messages: Messages) -> Iterator[str]:
        """Reply text as it arrives; token usage lands in `last_usage` when the stream ends."""
        self.last_usage = {}
        try:
            for chunk in self._llm.stream(_to_lc(messages)):
                if getattr(chunk, "usage_metadata", None):
                    self.last_usage = _usage(chunk)
                if chunk.content:
                    yield str(chunk.content)
        except Exception as exc:
            raise LLMError(_describe(exc, self)) from exc

    def structured(self, messages: Messages, schema: type[BaseModel]) -> StructuredResult:
        """A reply parsed as `schema` with the configured method; never raises for bad output."""
        started = time.perf_counter()
        try:
            if self.structured_method == "json_mode":
                result = self._json_mode(messages, schema)
            else:
                result = self._native(messages, schema)
        except Exception as exc:
            return StructuredResult(
                None, error=_describe(exc, self), latency_ms=(time.perf_counter() - started) * 1000
            )
        result.latency_ms = (time.perf_counter() - started) * 1000
        return result

    def _json_mode(self, messages: Messages, schema) -> StructuredResult:
        bound = self._llm.bind(response_format={"type": "json_object"})
        reply = bound.invoke(_to_lc(messages))
        raw = str(reply.content or "")
        try:
            return StructuredResult(parse_json_object(raw, schema), raw, usage=_usage(reply))
        except (ValueError, PydanticError) as exc:
            return StructuredResult(None, raw, f"unparseable output: {_short(exc)}", _usage(reply))

    def _native(self, messages: Messages, schema) -> StructuredResult:
        runnable = self._llm.with_structured_output(schema, method=self.structured_method, include_raw=True)
        out = runnable.invoke(_to_lc(messages))
        raw_msg = out.get("raw")
        raw = str(getattr(raw_msg, "content", "") or getattr(raw_msg, "tool_calls", "") or "")
        usage = _usage(raw_msg) if raw_msg is not None else {}
        invalid = getattr(raw_msg, "invalid_tool_calls", None) or []
        if out.get("parsed") is None and invalid:
            return StructuredResult(
                None,
                str(invalid[0].get("args") or ""),
                f"unparseable output (malformed tool-call arguments): {_short(invalid[0].get('error'))}",
                usage,
            )
        if out.get("parsing_error") is not None or out.get("parsed") is None:
            return StructuredResult(
                None, raw, f"unparseable output: {_short(out.get('parsing_error'))}", usage
            )
        return StructuredResult(out["parsed"], raw, usage=usage)


def _short(exc) -> str:
    return " ".join(str(exc).split())[:300] if exc else "empty reply"


def _describe(exc: Exception, backend: ChatBackend) -> str:
    """A user-facing reason for a failed call."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if "Timeout" in name:
        return f"the model server did not answer in time ({backend.name}, {backend.model})"
    if status == 429:
        return "the model server is rate-limiting requests (HTTP 429); try again later"
    if status == 401:
        return "the API key was rejected (HTTP 401); check OPENAI_API_KEY"
    if status:
        return f"the model server returned HTTP {status}: {_short(exc)}"
    if "Connection" in name:
        where = getattr(backend._llm, "openai_api_base", None) or "the OpenAI API"
        return f"cannot reach the model server at {where}"
    return f"{name}: {_short(exc)}"


def get_backend(settings) -> ChatBackend | None:
    """The configured chat backend; None for `offline` (the default)."""
    if settings.backend == "offline":
        return None
    if settings.backend == "openai":
        if not settings.api_key:
            raise ConfigError(
                "INTERVIEWBOT_BACKEND=openai needs an API key: set OPENAI_API_KEY "
                "(or enter one on the Settings page), or use the offline backend."
            )
        base_url = settings.base_url or None
    elif settings.backend == "openai-compatible":
        if not settings.base_url:
            raise ConfigError(
                "INTERVIEWBOT_BACKEND=openai-compatible needs OPENAI_BASE_URL, e.g. "
                "http://localhost:11434/v1 for Ollama or http://localhost:8000/v1 for vLLM."
            )
        base_url = settings.base_url
    else:
        raise ConfigError(f"unknown backend {settings.backend!r}; use offline, openai or openai-compatible.")
    return ChatBackend(
        settings.backend,
        settings.model,
        settings.api_key,
        base_url,
        settings.llm_timeout_s,
        settings.llm_max_retries,
        settings.structured_method,
    )
