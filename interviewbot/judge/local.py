"""The local sandboxed judge: the candidate's code runs in a separate, isolated process.

Isolation (see docs in README "Code judge"): its own session/process group; new network, mount
and pid namespaces where the kernel allows (a user namespace too when not root), else socket
creation is blocked; the temporary work dir mounted as an empty /tmp and removed afterwards;
CPU-time, address-space, file-size, open-file and process-count limits; an unprivileged uid of
its own when started as root; a scrubbed environment; capped stdout/stderr; a wall-clock kill of
the whole group. Expected values never enter the sandbox: the parent compares return values.
Sandboxed processes are forked by a fork server (`launcher.py`; the sandbox's side is
`_sandbox*.py`), so no judging pays for starting an interpreter.

Protocol: the parent sends the job and each call as marshal frames (it is the trusted side); the
candidate's process reports hello, load (with its top-level names) and one result per call, as
JSON wire lines (`wire.py`) that the parent validates before use (`protocol.py`, `channel.py`). A
question's `check` code runs in a second sandboxed process, started alongside the first; its calls
to the candidate's names are relayed by the parent, so the candidate's process only ever talks
to the parent and the checker only ever reads values the parent has validated.
"""

from __future__ import annotations

import marshal
import os
import random
import tempfile
import time
from pathlib import Path

from interviewbot.errors import JudgeError
from interviewbot.judge import protocol, results, wire
from interviewbot.judge.channel import CandidateChannel, Channel, Died
from interviewbot.judge.launcher import (
    OUTPUT_LIMIT,
    SandboxRun,
    clean_up_later,
    sandbox_env,
    sandbox_sys_path,
    wait_for_cleanup,
)
from interviewbot.judge.models import Verdict
from interviewbot.judge.protocol import INTERFERENCE, ProtocolViolation
from interviewbot.questions import Question, TestCase

__all__ = ["LocalJudge", "wait_for_cleanup"]  # wait_for_cleanup: for tests that count leftovers

BASE_MEMORY_MB = 160  # the interpreter + NumPy's own address space, on top of the question's limit
STARTUP_S = 5.0  # wall-clock allowance for interpreter start and loading the code
UID_BASE = 620_000  # per-run uids (root only): never a real user's; all their processes are killed after
CHECK_CALLS = 20  # CPU-time budget of a check, in calls at the question's time limit


class LocalJudge:
    """Runs candidate code in the local sandbox. Thread-safe: each run has its own processes."""

    name = "local"

    def __init__(self, isolate: bool = True, nproc: int = 16, file_mb: int = 16):
        self.isolate = isolate
        self.nproc = nproc
        self.file_mb = file_mb

    def run(self, question: Question, code: str, *, visible_only: bool = False) -> Verdict:
        """Judge `code` against the question's tests (and its `check`, unless visible_only)."""
        tests = question.visible_tests if visible_only else list(question.tests)
        check = None if visible_only else (question.check or None)
        judging = _Judging(self, question, code, tests, check)
        try:
            return judging.judge()
        except OSError as exc:  # no sandbox could start (temp space, descriptors, processes)
            raise JudgeError(f"the local judge could not start a sandbox: {exc}. Try again.") from exc
        finally:
            judging.clean_up()

    def job(self, question: Question, role: str, workdir: Path, uid, cpu_s: float) -> dict:
        """What a sandboxed process needs to set itself up (no code: that goes straight to it)."""
        return {
            "role": role,
            "workdir": str(workdir),
            "uid": uid,
            "isolate": self.isolate,
            "sys_path": sandbox_sys_path(),
            "env": sandbox_env(),
            "cpu_s": cpu_s,
            "memory_mb": question.memory_limit_mb,
            "base_memory_mb": BASE_MEMORY_MB,
            "file_mb": self.file_mb,
            "nproc": self.nproc,
        }


class _Stop(Exception):
    """End the run early with this verdict (the current test gets `status`)."""

    def __init__(self, verdict: str, message: str, status: str | None = None, author: str = ""):
        super().__init__(message)
        self.verdict, self.message, self.status, self.author = verdict, message, status or verdict, author


DIED = "Your code ended the process before all tests ran (sys.exit, os._exit or a crash)."


class _Judging:
    """One judging: the candidate's (and the checker's) processes, the tests, the verdict."""

    def __init__(self, judge: LocalJudge, question: Question, code: str, tests: list[TestCase], check):
        self.local, self.question, self.code, self.tests, self.check = judge, question, code, tests, check
        self.uid = UID_BASE + random.randrange(1, 60_000) * 2 if os.geteuid() == 0 else None
        self.workdirs: list[Path] = []
        self.uids: list[int] = []
        self.runs: list[SandboxRun] = []
        self.fds: list[int] = []
        self.verdict = Verdict(
            verdict="accepted",
            total=len(tests) + bool(check),
            tests=results.named_results(tests, bool(check)),
        )

    def judge(self) -> Verdict:
        started = time.perf_counter()
        try:
            self._start()
            self._load()
            for i, test in enumerate(self.tests):
                self._test(i, test)
            if self.check and self.verdict.verdict == "accepted":
                self._run_check()
        except _Stop as stop:
            self._stopped(stop)
        except ProtocolViolation as exc:
            self._stopped(_Stop("runtime_error", f"{INTERFERENCE}: its channel to the judge carried {exc}."))
        except Died:
            self._stopped(self._died(DIED))
        except TimeoutError:
            self._stopped(self._timeout())
        finally:
            for run in self.runs:
                run.kill()
        return self._finish(started)

    # --- processes ------------------------------------------------------------------------------

    def _spawn(self, role: str, uid, cpu_s: float, payload: dict) -> tuple[SandboxRun, int, int]:
        """A sandboxed process in a fresh work dir, sent its payload; it and the parent's pipe ends."""
        workdir = Path(tempfile.mkdtemp(prefix="ibjudge-"))
        self.workdirs.append(workdir)
        if uid is not None:
            os.chown(workdir, uid, uid)
            self.uids.append(uid)
        workdir.chmod(0o700)
        job = self.local.job(self.question, role, workdir, uid, cpu_s)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.fds += [to_child_w, from_child_r]
        try:
            run = SandboxRun(job, to_child_r, from_child_w)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.runs.append(run)
        Channel(run, to_child_w, from_child_r).send(marshal.dumps(payload))  # never via the server
        return run, to_child_w, from_child_r

    def _start(self) -> None:
        limit = self.question.time_limit_s
        calls = len(self.tests) + (CHECK_CALLS if self.check else 0)
        payload = {
            "code": self.code,
            "entry_point": self.question.entry_point,
            "value_limit": protocol.VALUE_LIMIT,
        }
        run, write_fd, read_fd = self._spawn("candidate", self.uid, limit * max(1, calls) + 1.0, payload)
        self.candidate = CandidateChannel(run, write_fd, read_fd, self.code, limit)
        if self.check:  # starts now, alongside the candidate: its start-up is off the critical path
            checker_uid = None if self.uid is None else self.uid + 1
            cpu_s = limit * CHECK_CALLS + 1.0
            run, write_fd, read_fd = self._spawn("checker", checker_uid, cpu_s, {"check": self.check})
            self.checker = Channel(run, write_fd, read_fd)

    def _load(self) -> None:
        deadline = time.perf_counter() + STARTUP_S + self.question.time_limit_s
        try:
            self.verdict.isolation = protocol.read_hello(self.candidate.receive(deadline))
        except (Died, ProtocolViolation, TimeoutError) as exc:
            raise _Stop("runtime_error", "The sandbox failed to start.", author=repr(exc)) from None
        try:
            self.loaded = protocol.read_load(self.candidate.receive(deadline), self.code)
        except Died:
            raise self._died("Your code ended the process while loading (exit or crash).") from None
        if self.loaded.status != "ok":
            kind = {"syntax_error": "syntax_error", "memory": "memory_limit_exceeded"}
            self.verdict.error = self.loaded.error
            raise _Stop(
                kind.get(self.loaded.status, "runtime_error"), results.one_line(self.loaded.error), "not_run"
            )

    # --- tests ----------------------------------------------------------------------------------

    def _test(self, i: int, test: TestCase) -> None:
        """Run test i and record its outcome (a crash or a limit ends the run)."""
        args, kwargs = wire.encode(test.args), wire.encode(test.kwargs)
        try:
            reply, ms = self.candidate.call(self.question.entry_point, args, kwargs)
        except Died:
            raise self._died(DIED) from None
        results.record(self.verdict, i, test, reply, ms)

    # --- the check --------------------------------------------------------------------------------

    def _run_check(self) -> None:
        """Let the checker run `check(candidate)`, relaying its calls to the candidate's process."""
        result = self.verdict.tests[-1]
        names = self.loaded.names
        entry = self.question.entry_point
        callables = {n for n, (kind, _) in names.items() if kind == "call"} | {entry}
        values = {n for n, (kind, _) in names.items() if kind == "value"}
        started = time.perf_counter()
        deadline = started + self.question.time_limit_s * CHECK_CALLS + STARTUP_S
        start = {"names": [[n, kind, module] for n, (kind, module) in names.items()], "entry_point": entry}
        self._to_checker(marshal.dumps(start))
        failed = None  # the candidate's last error reply during the check
        while True:
            item = self._from_checker(deadline, callables, values)
            if isinstance(item, protocol.CheckDone):
                break
            try:
                reply, _ = self.candidate.call(item.name, item.args, item.kwargs, item.get, deadline)
            except Died:
                raise self._died("Your code ended the process during the hidden check.") from None
            failed = failed if reply.ok else reply
            self._to_checker(marshal.dumps(_relayed(reply)))
        result.time_ms = round((time.perf_counter() - started) * 1000, 3)
        self._check_outcome(item, failed)

    def _to_checker(self, data: bytes) -> None:
        try:
            self.checker.send(data)
        except Died:
            raise self._check_broke("the check process ended early") from None

    def _from_checker(self, deadline: float, callables: set[str], values: set[str]):
        try:
            return protocol.read_checker(self.checker.receive(deadline), callables, values)
        except Died:
            raise self._check_broke("the check process ended without an outcome") from None
        except ProtocolViolation as exc:
            raise self._check_broke(f"the check process sent {exc}") from None
        except TimeoutError:
            limit = self.question.time_limit_s * CHECK_CALLS
            author = f"The check did not finish within {limit:g} s (time_limit_s x {CHECK_CALLS})."
            raise _Stop("time_limit_exceeded", "The hidden check timed out.", author=author) from None

    def _check_broke(self, what: str) -> _Stop:
        author = f"The check code could not finish: {what}.\n{self.checker.run.stderr.tail()}"
        return _Stop("runtime_error", "The judge could not complete the hidden check.", author=author)

    def _check_outcome(self, done: protocol.CheckDone, failed: protocol.Reply | None) -> None:
        result = self.verdict.tests[-1]
        if done.outcome == "passed":
            result.status, result.passed = "passed", True
            self.verdict.passed += 1
            return
        if done.outcome == "candidate" and failed is not None:
            status = "memory_limit_exceeded" if failed.status == "memory" else "runtime_error"
            self.verdict.error = failed.error
            message = f"Your function raised during the hidden check: {results.one_line(failed.error)}"
            raise _Stop(status, message, author=done.detail)
        label = {"failed": "an assertion failed", "error": "the check code raised (not an AssertionError)"}
        note = "" if done.outcome == "failed" else _AUTHORING
        author = f"Hidden check failed: {label.get(done.outcome, done.outcome)}.{note}\n{done.detail}"
        raise _Stop("wrong_answer", "The hidden check failed.", author=author + self._check_printed())

    def _check_printed(self) -> str:
        printed = self.checker.run.stdout.tail().strip()
        return f"\nThe check printed:\n{printed}" if printed else ""

    # --- endings ----------------------------------------------------------------------------------

    def _died(self, message: str) -> _Stop:
        if self.candidate.run.output_exceeded:
            return self._timeout()
        return _Stop("runtime_error", message)

    def _timeout(self) -> _Stop:
        if any(run.output_exceeded for run in self.runs):
            return _Stop(
                "output_limit_exceeded", f"Output limit exceeded ({OUTPUT_LIMIT // 1024} KB of printing)."
            )
        limit = self.question.time_limit_s
        return _Stop("time_limit_exceeded", f"Time limit exceeded ({limit:g} s per test).")

    def _stopped(self, stop: _Stop) -> None:
        current = next((t for t in self.verdict.tests if t.status == "not_run"), None)
        if current is not None and stop.status != "not_run":
            current.status = stop.status
        if self.verdict.verdict == "accepted":
            self.verdict.verdict, self.verdict.message = stop.verdict, stop.message
        self.verdict.author_detail = stop.author

    def _finish(self, started: float) -> Verdict:
        verdict = self.verdict
        if verdict.verdict == "accepted" and verdict.passed < verdict.total:
            verdict.verdict = "wrong_answer"
        verdict.stdout_tail, verdict.stderr_tail = self.candidate_tails()
        verdict.wall_ms = round((time.perf_counter() - started) * 1000, 1)
        return verdict

    def candidate_tails(self) -> tuple[str, str]:
        if not self.runs:
            return "", ""
        return self.runs[0].stdout.tail(), self.runs[0].stderr.tail()

    def clean_up(self) -> None:
        """Close pipes; kill leftovers and remove work dirs off the latency path."""
        for fd in self.fds:
            _close(fd)
        clean_up_later(self.workdirs, self.uids)


_AUTHORING = (
    " This is an authoring error when the reference solution is being checked: check code should"
    " only fail through `assert`."
)


def _relayed(reply: protocol.Reply) -> dict:
    """What the checker receives: the validated value, or the candidate's exception type and message."""
    if reply.ok:
        return {"ok": True, "value": reply.raw_value}
    return {"ok": False, "error": {"type": reply.error.type, "message": reply.error.message}}


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
