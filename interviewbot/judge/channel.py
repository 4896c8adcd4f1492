"""The parent's end of a sandboxed process's pipes: marshal frames out, wire lines in, each line read
against a deadline and validated (`protocol`) before use; calls into the candidate's process."""

from __future__ import annotations

import marshal
import os
import select
import time

from interviewbot.judge import protocol
from interviewbot.judge.launcher import SandboxRun
from interviewbot.judge.protocol import ProtocolViolation

CALL_SLACK_S = 0.5  # wall-clock allowance per call on top of the question's time limit (IPC, scheduling)


class Lines:
    """Line reader on a raw fd with a deadline (select), robust to partial writes and huge lines."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.scanned = fd, bytearray(), 0

    def read(self, deadline: float, abort=lambda: False) -> bytes | None:
        """The next line; None at EOF; TimeoutError past the deadline; ProtocolViolation if too long."""
        while (end := self.buf.find(b"\n", self.scanned)) < 0:
            self.scanned = len(self.buf)  # a huge line is searched once, not once per chunk
            if self.scanned > protocol.LINE_LIMIT:
                raise ProtocolViolation(f"a line longer than {protocol.LINE_LIMIT // 2**20} MB")
            left = deadline - time.perf_counter()
            if left <= 0 or abort():
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        line = bytes(self.buf[:end])
        del self.buf[: end + 1]
        self.scanned = 0
        return line


class Died(Exception):
    """A sandboxed process ended (or closed its pipe) when the judge expected a message."""


class Channel:
    """The parent's end of one sandboxed process's command and reply pipes."""

    def __init__(self, run: SandboxRun, write_fd: int, read_fd: int):
        self.run, self.write_fd, self.lines = run, write_fd, Lines(read_fd)

    def send(self, data: bytes) -> None:
        try:
            while data:
                data = data[os.write(self.write_fd, data) :]
        except OSError:  # BrokenPipeError: the process is gone
            raise Died from None

    def receive(self, deadline: float) -> dict:
        line = self.lines.read(deadline, abort=lambda: self.run.output_exceeded)
        if line is None:
            raise Died
        return protocol.parse(line)


class CandidateChannel(Channel):
    """Calls into the candidate's process; each reply is checked against the call it answers."""

    def __init__(self, run: SandboxRun, write_fd: int, read_fd: int, code: str, time_limit_s: float):
        super().__init__(run, write_fd, read_fd)
        self.code, self.time_limit_s, self.calls = code, time_limit_s, 0

    def call(self, name: str, args, kwargs, get: bool = False, deadline: float | None = None):
        """(reply, wall ms) for one call; args and kwargs already in wire form."""
        self.calls += 1
        self.send(marshal.dumps({"i": self.calls, "name": name, "get": get, "args": args, "kwargs": kwargs}))
        started = time.perf_counter()
        limit = started + self.time_limit_s + CALL_SLACK_S
        reply = protocol.read_result(self.receive(min(limit, deadline or limit)), self.calls, self.code)
        return reply, (time.perf_counter() - started) * 1000
