"""A terminal interview on a real PostgreSQL that stops mid-interview: never "saved" when it was not.

The answer the database did not take is kept (in memory and in a recovery file), sent again with
`:retry` once the server is back, and leaving with it unsaved exits non-zero.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from interviewbot.transcripts import TranscriptStore

pytestmark = pytest.mark.slow
ANSWER = (
    "Overfitting is when a model fits noise in the training data, so training error is low but "
    "validation error is high; regularization, more data and early stopping reduce it."
)
PROMPT = "your answer, then an empty line"


class Terminal:
    """`interviewbot interview` in a subprocess, fed line by line, its output read as it comes."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "interviewbot",
                "interview",
                "--track",
                "ml_theory",
                "-n",
                "2",
                "--seed",
                "3",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | env | {"COLUMNS": "200"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return
        pytest.fail(f"never saw {text!r}; output:\n{''.join(self.seen)[-3000:]}")

    def send(self, *lines: str) -> None:
        self.proc.stdin.write("".join(f"{line}\n" for line in lines))
        self.proc.stdin.flush()

    def finish(self) -> str:
        self.proc.stdin.close()
        self.proc.wait(timeout=180)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def _answers(url: str) -> list[str]:
    store = TranscriptStore(url)
    sid = store.list_sessions()[0]["id"]
    return [m["content"] for m in store.get_session(sid)["messages"] if m["role"] == "candidate"]


def test_unsaved_answer_is_kept_and_retried_once_the_database_is_back(
    indexed_home, postgres, postgres_url, fault_output
):
    term = Terminal({"INTERVIEWBOT_DATABASE_URL": postgres_url})
    term.wait_for(PROMPT)
    postgres.stop()
    term.send(ANSWER, "")
    term.wait_for("Type :retry to send it again")
    postgres.start()
    term.send(":retry")
    term.wait_for(PROMPT)
    out = fault_output.add(term.finish())
    assert term.proc.returncode == 0 and "Traceback" not in out
    assert "Not saved" in out and "Saved. Resume with" in out
    assert _answers(postgres_url) == [ANSWER]  # stored once, after the retry


def test_leaving_with_an_unsaved_answer_exits_non_zero_and_never_says_saved(
    indexed_home, postgres, postgres_url, fault_output
):
    term = Terminal({"INTERVIEWBOT_DATABASE_URL": postgres_url})
    term.wait_for(PROMPT)
    postgres.stop()
    term.send(ANSWER, "")
    term.wait_for("Type :retry to send it again")
    out = fault_output.add(term.finish())
    assert term.proc.returncode == 1 and "Traceback" not in out
    assert "Saved." not in out and "NOT saved" in out
    recovery = list((indexed_home / "recovery").glob("*.txt"))
    assert len(recovery) == 1 and ANSWER in recovery[0].read_text(encoding="utf-8")
    postgres.start()
    assert _answers(postgres_url) == []  # nothing half-stored
