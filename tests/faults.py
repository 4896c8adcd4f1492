"""Fault-test helpers: run the CLI as a user would, check its one-line errors, grep for secrets.

Every fault test records what the user saw (CLI stdout/stderr, error messages) in the
`fault_output` fixture; at the end of the test all of it, plus the log records, is searched
for the database and Chroma passwords, which must never appear.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.servers import PG_PASSWORD

CHROMA_USER = "ib"
CHROMA_PASSWORD = "cpw-" + secrets.token_hex(8)  # sent as basic auth; `chroma run` ignores it


class FaultOutput(list):
    """Everything a fault test showed the user, for the password grep."""

    def add(self, text: str) -> str:
        self.append(text)
        return text

    def run_cli(
        self, *args: str, env: dict | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        """`interviewbot ARGS` in a fresh interpreter (tracebacks would show, as for a user)."""
        proc = subprocess.run(
            [sys.executable, "-m", "interviewbot", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=os.environ | (env or {}),
        )
        self.extend([proc.stdout, proc.stderr])
        return proc


def assert_one_line_error(proc: subprocess.CompletedProcess, *expected: str) -> str:
    """A non-zero exit with exactly one `Error:` line on stderr (no traceback) holding `expected`."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr[-3000:]
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def assert_one_line(message: str, *expected: str) -> None:
    """An error message that is one line and says what it must."""
    assert "\n" not in message.strip(), message
    for text in expected:
        assert text in message, message


@pytest.fixture
def fault_output(caplog):
    """Collects what a fault test showed; fails the test if a password is in any of it."""
    shown = FaultOutput()
    yield shown
    everything = "\n".join(shown) + "\n" + caplog.text
    for secret in (PG_PASSWORD, CHROMA_PASSWORD):
        assert secret not in everything, "a password appeared in the output"
