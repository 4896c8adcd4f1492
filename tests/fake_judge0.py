"""A small local HTTP server speaking Judge0's submission API (POST /submissions?wait=true).

It runs Python submissions in a subprocess with a wall-clock limit and answers with Judge0's
status ids, so the Judge0 backend is tested over real HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        if not self.path.startswith("/submissions"):
            return self._reply(404, {"error": "not found"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        if self.server.fail_next:
            self.server.fail_next = False
            return self._reply(503, {"error": "queue is full"})
        self._reply(201, _execute(body))


def _execute(body: dict) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", body["source_code"]],
            input=body.get("stdin", ""),
            capture_output=True,
            text=True,
            timeout=float(body.get("wall_time_limit") or 10),
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return {
            "stdout": out,
            "stderr": None,
            "status": {"id": 5, "description": "Time Limit Exceeded"},
            "time": body.get("wall_time_limit"),
            "memory": 0,
            "token": "t",
        }
    status = (
        {"id": 3, "description": "Accepted"}
        if proc.returncode == 0
        else {"id": 11, "description": "Runtime Error (NZEC)"}
    )
    return {
        "stdout": proc.stdout,
        "stderr": proc.stderr or None,
        "status": status,
        "time": "0.01",
        "memory": 1000,
        "token": "t",
        "message": None if proc.returncode == 0 else f"Exited with error status {proc.returncode}",
    }


class FakeJudge0(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.fail_next = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def fake_judge0():
    server = FakeJudge0()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
