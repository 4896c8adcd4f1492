"""Our types for chat replies, and the parsing of structured replies: JSON in the content or a
tool call's arguments, checked against a pydantic schema. Nothing here calls a model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError


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
    retryable: bool = True  # False: the same request cannot succeed (HTTP 4xx, time is up, ...)
    method: str = ""


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


def _short(exc) -> str:
    return " ".join(str(exc).split())[:300] if exc else "empty reply"


PROBE_MESSAGES = [
    ("system", "You reply with a JSON object only."),
    ("user", 'What is 2 + 3? Reply as {"answer": <the number>}.'),
]


def json_schema_format(schema: type[BaseModel]) -> dict:
    from langchain_core.utils.function_calling import convert_to_openai_function

    spec = convert_to_openai_function(schema)
    return {
        "type": "json_schema",
        "json_schema": {
            "name": spec["name"],
            "description": spec.get("description", ""),
            "schema": spec["parameters"],
        },
    }


def parse_structured(reply, schema: type[BaseModel]) -> StructuredResult:
    """The reply as `schema`: a tool call's arguments, else JSON in the content (some servers answer
    a forced tool call with plain content)."""
    calls = getattr(reply, "tool_calls", None) or []
    invalid = getattr(reply, "invalid_tool_calls", None) or []
    content = str(getattr(reply, "content", "") or "")
    if calls:
        raw = json.dumps(calls[0].get("args") or {})
        try:
            return StructuredResult(schema.model_validate(calls[0].get("args") or {}), raw)
        except PydanticError as exc:
            return StructuredResult(None, raw, f"unparseable output: {_short(exc)}")
    if invalid and not content.strip():
        raw = str(invalid[0].get("args") or "")
        why = _short(invalid[0].get("error"))
        return StructuredResult(None, raw, f"unparseable output (malformed tool-call arguments): {why}")
    try:
        return StructuredResult(parse_json_object(content, schema), content)
    except (ValueError, PydanticError) as exc:
        return StructuredResult(None, content, f"unparseable output: {_short(exc)}")
