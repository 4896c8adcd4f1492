"""An in-process scripted chat backend for unit tests (no HTTP), like simonw/llm's MockModel.

    backend = FakeChatBackend()
    backend.enqueue(["Could you explain ...?", {"score": 7, ...}, LLMError("down", retryable=False)])
    grader = LLMGrader(backend)

Each call (chat, stream or structured) takes the next scripted reply: a str is the reply text, a
dict the structured value (validated against the requested schema), an exception is raised (chat,
stream) or returned as the StructuredResult's error. `history` records every call: its kind, the
messages and, for structured calls, the schema name. The wire-level twin is tests/fake_openai.py.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from interviewbot.errors import LLMError
from interviewbot.llm import ChatResult, Deadline, StructuredResult


@dataclass
class Call:
    """One recorded call."""

    kind: str  # chat | stream | structured
    messages: list[tuple[str, str]]
    schema: str | None = None
    options: dict | None = None


class FakeChatBackend:
    """Scripted replies in order; an empty script raises an LLMError saying so."""

    def __init__(self, name: str = "fake", model: str = "fake-chat", budget_s: float = 25.0):
        self.name, self.model, self.budget_s = name, model, budget_s
        self.history: list[Call] = []
        self.last_usage: dict = {}
        self._script: deque = deque()

    def enqueue(self, replies: list) -> FakeChatBackend:
        """Script the next replies, one per call."""
        self._script.extend(replies)
        return self

    @property
    def pending(self) -> int:
        return len(self._script)

    def deadline(self) -> Deadline:
        return Deadline(self.budget_s)

    def _next(self):
        if not self._script:
            raise LLMError("fake chat backend: no scripted reply left (call enqueue first)")
        return self._script.popleft()

    def _text(self, call: Call) -> str:
        self.history.append(call)
        reply = self._next()
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, str) else json.dumps(reply)

    @staticmethod
    def _usage(messages, text: str) -> dict:
        prompt = sum(len(t.split()) for _, t in messages)
        return {
            "input_tokens": prompt,
            "output_tokens": len(text.split()),
            "total_tokens": prompt + len(text.split()),
        }

    def chat(self, messages, deadline: Deadline | None = None) -> ChatResult:
        text = self._text(Call("chat", list(messages)))
        return ChatResult(text, self._usage(messages, text), 1.0)

    def stream(self, messages, deadline: Deadline | None = None) -> Iterator[str]:
        text = self._text(Call("stream", list(messages)))
        for word in text.split(" "):
            yield word + " "
        self.last_usage = self._usage(messages, text)

    def structured(
        self, messages, schema: type[BaseModel], deadline: Deadline | None = None, **options
    ) -> StructuredResult:
        self.history.append(Call("structured", list(messages), schema.__name__, options))
        try:
            reply = self._next()
        except LLMError as exc:
            return StructuredResult(None, error=str(exc), retryable=False, method="fake")
        if isinstance(reply, LLMError):
            return StructuredResult(None, error=str(reply), retryable=reply.retryable, method="fake")
        raw = reply if isinstance(reply, str) else json.dumps(reply)
        usage = self._usage(messages, raw)
        try:
            value = schema.model_validate_json(raw)
        except PydanticError as exc:
            return StructuredResult(None, raw, f"unparseable output: {exc.errors()[0]['msg']}", usage, 1.0)
        return StructuredResult(value, raw, usage=usage, latency_ms=1.0, method="fake")
