"""A recording HTTP proxy in front of the real model server: forwards each chat request unchanged
and keeps the exchange (request body, status, response body or SSE chunks), so the real replies can
be saved to tests/data/llm_replies/ and replayed by tests/fake_openai.py in `make test`.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    server: RecordingProxy
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._forward(None)

    def do_POST(self) -> None:
        self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _forward(self, data: bytes | None) -> None:
        request = urllib.request.Request(
            self.server.upstream + self.path.removeprefix("/v1"),
            data=data,
            method=self.command,
            headers={"Content-Type": "application/json"},
        )
        try:
            response = urllib.request.urlopen(request, timeout=900)
        except urllib.error.HTTPError as err:
            response = err
        except OSError:
            self.close_connection = True  # the upstream is gone: so is this connection
            return
        body = json.loads(data) if data else None
        if response.headers.get("Content-Type", "").startswith("text/event-stream"):
            self._relay_stream(body, response)
        else:
            self._relay(body, response)

    def _relay(self, body, response) -> None:
        payload = response.read()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if body is not None:
            self.server.keep({"request": body, "status": response.status, "response": json.loads(payload)})

    def _relay_stream(self, body, response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunks = []
        for line in response:
            self.wfile.write(line)
            self.wfile.flush()
            text = line.decode().strip()
            if text.startswith("data: "):
                data = text.removeprefix("data: ")
                chunks.append(data if data == "[DONE]" else json.loads(data))
        self.server.keep({"request": body, "status": response.status, "stream": chunks})


class RecordingProxy(ThreadingHTTPServer):
    """`url` (append /v1 for a base URL) forwards to `upstream` (a base URL ending in /v1)."""

    daemon_threads = True

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream.rstrip("/")
        self.exchanges: list[dict] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="llm-recorder")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def keep(self, exchange: dict) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def take(self) -> list[dict]:
        """The exchanges since the last take."""
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken

    def start(self) -> RecordingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
