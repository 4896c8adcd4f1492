"""A real local HTTP server speaking the OpenAI chat-completions API, with scripted replies.

Wire-level tests point `ChatOpenAI` (through `interviewbot.llm.get_backend`) at it, so the real
SDK, LangChain and our parsing all run; only the model is scripted:

    server.enqueue("plain text")                     # assistant content
    server.enqueue({"score": 7, ...})                 # a JSON object as content (json_schema/json_mode)
    server.enqueue(ToolCall({"score": 7, ...}))       # function_calling: tool_calls[0]
    server.enqueue(Structured({...}))                 # a tool call if the request has tools, else content
    server.enqueue(HTTPError(429))                    # an OpenAI-style error body with that status
    server.enqueue(Delay(3.0, "late"))                # wait before replying (client timeouts)
    server.enqueue(Recorded(200, {...}))              # a real server's response body, sent verbatim
    server.enqueue(RecordedStream([{...}, ...]))      # a real server's SSE chunks, sent verbatim
    server.send_usage = False                         # like llama.cpp: no token counts in replies

A request with `"stream": true` gets SSE chunks ending in `data: [DONE]` (with a usage chunk when
`stream_options.include_usage`). An empty queue answers 500 saying so. Every request body is kept
in `server.requests` (parsed JSON), in arrival order.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

MODEL_ID = "fake-model"


@dataclass
class ToolCall:
    """A function-calling reply; `arguments` is a dict (sent as JSON) or a raw (maybe broken) string."""

    arguments: dict | str
    name: str | None = None  # default: the request's tools[0].function.name
    usage: dict | None = None  # OpenAI-style {prompt_tokens, completion_tokens, total_tokens}


@dataclass
class Structured:
    """A structured reply in the request's own wire format: a tool call when it sent tools, else content."""

    value: dict | str
    usage: dict | None = None


@dataclass
class HTTPError:
    """An error response with an OpenAI-style body."""

    status: int = 500
    message: str = ""
    headers: dict = field(default_factory=dict)  # e.g. {"retry-after-ms": "1"} for fast SDK retries

    @property
    def body(self) -> dict:
        kinds = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_exceeded"}
        code = kinds.get(self.status, "server_error")
        return {
            "error": {
                "message": self.message or f"fake_openai scripted HTTP {self.status}",
                "type": code,
                "param": None,
                "code": code,
            }
        }


@dataclass
class Delay:
    """Wait `seconds` before sending `then` (a client with a shorter timeout gives up first)."""

    seconds: float
    then: Any = "delayed reply"


@dataclass
class Text:
    """Assistant content with explicit token usage (plain `str` replies get a word-count estimate)."""

    content: str
    usage: dict | None = None
    finish_reason: str = "stop"


@dataclass
class Recorded:
    """A response recorded from a real server (tests/data/llm_replies/), replayed byte for byte."""

    status: int
    body: dict


@dataclass
class RecordedStream:
    """SSE `data:` payloads recorded from a real server's streamed reply, replayed in order."""

    chunks: list


@dataclass
class _Planned:
    content: str | None = None
    tool_name: str | None = None
    arguments: str | None = None
    usage: dict = field(default_factory=dict)
    finish_reason: str = "stop"


def _words(text: str) -> int:
    return len((text or "").split())


def _prompt_tokens(body: dict) -> int:
    return sum(
        _words(m.get("content") if isinstance(m.get("content"), str) else json.dumps(m.get("content")))
        for m in body.get("messages", [])
    )


def _plan(reply: Any, body: dict) -> _Planned:
    """Turn a scripted reply into assistant content or a tool call for this request."""
    if callable(reply) and not isinstance(reply, type):  # a responder: builds the reply from the request
        reply = reply(body)
    if isinstance(reply, Structured):
        raw = reply.value if isinstance(reply.value, str) else json.dumps(reply.value)
        reply = ToolCall(raw, usage=reply.usage) if body.get("tools") else Text(raw, usage=reply.usage)
    if isinstance(reply, ToolCall):
        tools = body.get("tools") or [{"function": {"name": "unnamed_tool"}}]
        args = reply.arguments if isinstance(reply.arguments, str) else json.dumps(reply.arguments)
        plan = _Planned(
            tool_name=reply.name or tools[0]["function"]["name"],
            arguments=args,
            usage=dict(reply.usage or {}),
            finish_reason="tool_calls",
        )
        completion = _words(args)
    else:
        if isinstance(reply, dict):
            reply = Text(json.dumps(reply))
        elif isinstance(reply, str):
            reply = Text(reply)
        if not isinstance(reply, Text):
            raise TypeError(f"fake_openai cannot send a reply of type {type(reply).__name__}")
        plan = _Planned(content=reply.content, finish_reason=reply.finish_reason)
        completion = _words(reply.content)
        if reply.usage:
            plan.usage = dict(reply.usage)
    if not plan.usage:
        prompt = _prompt_tokens(body)
        plan.usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    return plan


def _message(plan: _Planned) -> dict:
    msg: dict = {"role": "assistant", "content": plan.content, "refusal": None}
    if plan.tool_name is not None:
        msg["tool_calls"] = [
            {
                "id": "call_fake_1",
                "type": "function",
                "function": {"name": plan.tool_name, "arguments": plan.arguments},
            }
        ]
    return msg


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAIServer

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "fake_openai"}],
                },
            )
        else:
            self._send_json(404, HTTPError(404, f"fake_openai: no route GET {self.path}").body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, HTTPError(404, f"fake_openai: no route POST {self.path}").body)
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, HTTPError(400, "fake_openai: request body is not JSON").body)
            return
        reply = self.server.record_and_next(body, dict(self.headers))
        try:
            self._answer(body, reply)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): fine
            pass

    def _answer(self, body: dict, reply: Any) -> None:
        while isinstance(reply, Delay):
            if self.server.stopping.wait(reply.seconds):
                return
            reply = reply.then
        if reply is None:
            self._send_json(
                500,
                HTTPError(
                    500,
                    "fake_openai: no scripted reply queued for this request (call server.enqueue(...) first)",
                ).body,
            )
            return
        if isinstance(reply, HTTPError):
            self._send_json(reply.status, reply.body, reply.headers)
            return
        if isinstance(reply, Recorded):
            self._send_json(reply.status, reply.body)
            return
        if isinstance(reply, RecordedStream):
            self._replay_stream(reply.chunks)
            return
        try:
            plan = _plan(reply, body)
        except TypeError as exc:  # a broken script: say so instead of dropping the connection
            self._send_json(500, HTTPError(500, f"fake_openai: {exc}").body)
            return
        if body.get("stream"):
            self._stream(body, plan)
            return
        self._send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", MODEL_ID),
                "system_fingerprint": "fake",
                "choices": [
                    {
                        "index": 0,
                        "message": _message(plan),
                        "logprobs": None,
                        "finish_reason": plan.finish_reason,
                    }
                ],
            }
            | ({"usage": plan.usage} if self.server.send_usage else {}),
        )

    def _replay_stream(self, chunks: list) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in chunks:
            data = chunk if isinstance(chunk, str) else json.dumps(chunk)
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()

    def _stream(self, body: dict, plan: _Planned) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0: the body ends when the connection closes
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
            "system_fingerprint": "fake",
        }
        include_usage = (
            bool((body.get("stream_options") or {}).get("include_usage")) and self.server.send_usage
        )

        def send(choices: list, usage: dict | None = None) -> None:
            chunk = base | {"choices": choices}
            if include_usage:
                chunk["usage"] = usage
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        if plan.tool_name is not None:
            send(
                [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "call_fake_1",
                                    "type": "function",
                                    "function": {"name": plan.tool_name, "arguments": plan.arguments},
                                }
                            ]
                        },
                        "finish_reason": None,
                    }
                ]
            )
        else:
            for piece in _pieces(plan.content or ""):
                send([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
        send([{"index": 0, "delta": {}, "finish_reason": plan.finish_reason}])
        if include_usage:
            send([], plan.usage)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _pieces(text: str) -> list[str]:
    """Split text into word-sized deltas that concatenate back to exactly `text`."""
    pieces, current = [], ""
    for ch in text:
        current += ch
        if ch == " ":
            pieces.append(current)
            current = ""
    return pieces + ([current] if current else [])


class FakeOpenAIServer(ThreadingHTTPServer):
    """The scripted server; `url` is http://127.0.0.1:<port> (append /v1 for a base URL)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self.requests: list[dict] = []
        self.request_headers: list[dict] = []
        self.stopping = threading.Event()
        self.send_usage = True  # False: replies carry no token counts (llama.cpp's streams, some servers)
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def enqueue(self, *replies: Any) -> None:
        """Script the next replies, one per request, in order."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def record_and_next(self, body: dict, headers: dict) -> Any:
        with self._lock:
            self.requests.append(body)
            self.request_headers.append({k.lower(): v for k, v in headers.items()})
            return self._queue.popleft() if self._queue else None

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in a Delay
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def fake_openai():
    """A running FakeOpenAIServer, stopped after the test."""
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
