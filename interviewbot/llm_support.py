"""Helpers of `llm.py` that never call a model: server messages, retry pauses, token estimates and
the per-server cache of which structured-output method works.
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel

# Best first: a schema the server enforces, then a forced tool call, then plain JSON mode.
PROBE_ORDER = ("json_schema", "function_calling", "json_mode")
MAX_MESSAGE_CHARS = 200
MAX_RETRY_PAUSE_S = 5.0

# Python traceback lines, and FastAPI's endpoint context (`File "/x/app.py", line 9, in f`).
_TRACE_LINE = re.compile(r"^\s*(Traceback \(most recent call last\)|File \"|\^+$|(GET|POST) /)")
_TRACE_FRAGMENT = re.compile(r"File \"[^\"]*\"?(, line \d+)?(, in \S+)?")
_PYDANTIC_MSG = re.compile(r"""'loc': \(([^)]*)\), 'msg': (?:"([^"]*)"|'([^']*)')""")
_REJECTION = re.compile(
    r"validation error|input should be|not supported|unsupported|unrecognized|unknown (field|param)"
    r"|extra (inputs|fields) (are )?not permitted|invalid (request|value|schema)|response_format",
    re.IGNORECASE,
)


def _server_text(exc) -> str:
    """The error text the server sent (OpenAI-style body), else the exception's own text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or body.get("detail") or body.get("error")
        if isinstance(message, dict):
            message = message.get("message")
        if message:
            return str(message)
    return str(exc)


def clean_server_message(exc) -> str:
    """One clean line from a server error: validation messages kept, traceback fragments dropped."""
    text = _server_text(exc)
    found = _PYDANTIC_MSG.findall(text)
    if found:
        parts = []
        for loc, msg_dq, msg_sq in found[:2]:
            where = ".".join(p.strip(" '\"") for p in loc.split(",") if p.strip(" '\"") not in ("", "body"))
            parts.append(f"{where}: {msg_dq or msg_sq}" if where else msg_dq or msg_sq)
        return _one_line("; ".join(dict.fromkeys(parts)))
    if "Traceback (most recent call last)" in text:  # only its last line says what went wrong
        text = [line for line in text.splitlines() if line.strip()][-1]
    kept = [line for line in text.splitlines() if line.strip() and not _TRACE_LINE.match(line)]
    return _one_line(_TRACE_FRAGMENT.sub("", " ".join(kept))) or "no details"


def _one_line(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;")
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3].rsplit(" ", 1)[0] + "..."


def is_request_rejection(message: str) -> bool:
    """True when the server rejected the request itself (repeating it cannot succeed)."""
    return bool(_REJECTION.search(message or ""))


def retry_after_s(exc, attempt: int) -> float:
    """How long to wait before retrying: the server's Retry-After, else a short backoff."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            if headers.get(name) is not None:
                return min(MAX_RETRY_PAUSE_S, max(0.0, float(headers[name]) * scale))
        except (TypeError, ValueError):
            pass
    return min(MAX_RETRY_PAUSE_S, 0.5 * 2**attempt)


# --- token usage estimates --------------------------------------------------------------------

_WINDOW_WORDS = 50  # the embedder's tokenizer truncates at 256 tokens: count in short word windows


def estimate_tokens(text: str) -> int:
    """Tokens in `text` by the embedder's word-piece tokenizer (an estimate for any chat model)."""
    from interviewbot.embeddings import get_embedder

    words = (text or "").split()
    counter = get_embedder().count_tokens
    return sum(counter(" ".join(words[i : i + _WINDOW_WORDS])) for i in range(0, len(words), _WINDOW_WORDS))


def estimate_usage(messages, reply_text: str) -> dict:
    """Usage for a reply whose server sent no token counts, marked as estimated."""
    prompt = estimate_tokens("\n".join(text for _, text in messages))
    output = estimate_tokens(reply_text)
    return {
        "input_tokens": prompt,
        "output_tokens": output,
        "total_tokens": prompt + output,
        "estimated": True,
    }


# --- which structured-output method works, per server and model ------------------------------


@cache
def probe_schema() -> type[BaseModel]:
    """The tiny schema the capability probe asks for."""

    class ProbeAnswer(BaseModel):
        """The sum asked for."""

        answer: int

    return ProbeAnswer


class CapabilityCache:
    """A JSON file in the data dir: {"<base_url> <model>": {"method", "results", "probed_at"}}."""

    _lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = Path(path)

    @staticmethod
    def _key(base_url: str, model: str) -> str:
        return f"{base_url.rstrip('/')} {model}"

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: probing again is cheap
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict) -> None:
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only data dir only costs a probe per process

    def get(self, base_url: str, model: str) -> dict | None:
        """The cached probe result for this server and model, if any."""
        entry = self._read().get(self._key(base_url, model))
        return entry if isinstance(entry, dict) and entry.get("method") in PROBE_ORDER else None

    def put(self, base_url: str, model: str, method: str, results: dict) -> None:
        """Remember the probe's result."""
        with self._lock:
            data = self._read()
            data[self._key(base_url, model)] = {
                "method": method,
                "results": results,
                "probed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            self._write(data)

    def forget(self, base_url: str, model: str) -> None:
        """Drop the entry (the server rejected the cached method: it changed, so probe again)."""
        with self._lock:
            data = self._read()
            if data.pop(self._key(base_url, model), None) is not None:
                self._write(data)


def list_models(base_url: str, api_key: str = "", timeout_s: float = 5.0) -> list[str]:
    """The model ids an OpenAI-compatible server lists at `/models` (a quick check of a base URL).

    Raises LLMError with one line saying what was found instead (nothing listening, not that API).
    """
    import httpx

    from interviewbot.errors import LLMError

    url = base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        reply = httpx.get(url, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise LLMError(f"nothing answered at {url} ({type(exc).__name__}); is the server running?") from None
    if reply.status_code in (401, 403):
        raise LLMError(f"{url} refused the API key (HTTP {reply.status_code}).")
    try:
        data = reply.json()["data"] if reply.status_code == 200 else None
        models = [str(m["id"]) for m in data] if isinstance(data, list) else None
    except (ValueError, KeyError, TypeError):
        models = None
    if models is None:
        raise LLMError(
            f"{url} answered HTTP {reply.status_code} but not as an OpenAI-compatible server "
            "(the base URL usually ends in /v1)."
        )
    return models
