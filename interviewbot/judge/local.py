"""The local sandboxed judge: the candidate's code runs in a separate, isolated process.

Isolation (see docs in README "Code judge"): its own session/process group; new network, mount
and pid namespaces where the kernel allows (a user namespace too when not root), else socket
creation is blocked; the temporary work dir mounted as an empty /tmp and removed afterwards;
CPU-time, address-space, file-size, open-file and process-count limits; an unprivileged uid of
its own when started as root; a scrubbed environment; capped stdout/stderr; a wall-clock kill of
the whole group. Expected values never enter the sandbox: the parent compares return values.
Sandboxed processes are forked by a fork server (`_ForkServer`), so no judging pays for starting
an interpreter.

Protocol: the parent sends the job and each call as marshal frames (it is the trusted side); the
candidate's process reports hello, load (with its top-level names) and one result per call, as
JSON wire lines (`wire.py`) that the parent validates before use (`protocol.py`). A
question's `check` code runs in a second sandboxed process, started alongside the first; its calls
to the candidate's names are relayed by the parent, so the candidate's process only ever talks
to the parent and the checker only ever reads values the parent has validated.
"""

from __future__ import annotations

import marshal
import os
import random
import select
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from interviewbot.errors import JudgeError
from interviewbot.judge import protocol, results, wire
from interviewbot.judge.models import Verdict
from interviewbot.judge.protocol import INTERFERENCE, ProtocolViolation
from interviewbot.questions import Question, TestCase

JUDGE_DIR = Path(__file__).resolve().parent
SANDBOX = JUDGE_DIR / "_sandbox.py"
OUTPUT_LIMIT = 256 * 1024  # bytes of stdout+stderr before output_limit_exceeded
TAIL = 2000
BASE_MEMORY_MB = 160  # the interpreter + NumPy's own address space, on top of the question's limit
STARTUP_S = 5.0  # wall-clock allowance for interpreter start and loading the code
UID_BASE = 620_000  # per-run uids (root only): never a real user's; all their processes are killed after
CALL_SLACK_S = 0.5  # wall-clock allowance per call on top of the question's time limit (IPC, scheduling)
CHECK_CALLS = 20  # CPU-time budget of a check, in calls at the question's time limit


class _Output:
    """Reads a pipe in a thread, keeping a capped tail; flags when the cap is exceeded."""

    def __init__(self, stream):
        self.data = bytearray()
        self.total = 0
        self.exceeded = threading.Event()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream):
        while chunk := stream.read(65536):
            self.total += len(chunk)
            self.data += chunk
            if len(self.data) > 4 * TAIL:
                del self.data[: len(self.data) - 2 * TAIL]
            if self.total > OUTPUT_LIMIT:
                self.exceeded.set()
        stream.close()

    def tail(self) -> str:
        self.thread.join(timeout=1)
        return bytes(self.data[-TAIL:]).decode("utf-8", "replace")


def _env() -> dict[str, str]:
    """A scrubbed environment: no keys, no user paths."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }


def _sys_path() -> list[str]:
    """The stdlib and site-packages (NumPy) without running site.py (which costs ~35 ms)."""
    stdlib = [p for p in sys.path if p and p.startswith(sys.base_prefix) and "site-packages" not in p]
    site = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    return list(dict.fromkeys(stdlib + site))


class _ForkServer:
    """The sandbox launcher: one long-lived `_sandbox.py --fork-server` process, started on first use.

    Forking a small, already-initialised interpreter instead of starting one per judging takes the
    interpreter's start-up and imports off every run. Only setup data passes through it (see
    `_sandbox._serve_forks`); each child gets its code straight from this process.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None

    def fork(self, job: dict, fds: list[int]) -> int:
        """A new sandboxed process for `job` holding these pipe ends; its pid."""
        with self.lock:
            for _ in range(2):  # a server that died (the OOM killer, kill -9) is replaced once
                if self.proc is None or self.proc.poll() is not None:
                    self._launch()
                try:
                    socket.send_fds(self.sock, [b"S" + marshal.dumps(job)], fds)
                    reply = self.sock.recv(8)
                except OSError:
                    reply = b""
                if len(reply) == 8:
                    return int.from_bytes(reply, "little")
                self._shut_down()
        raise OSError("the judge's fork server does not answer")

    def sweep(self, uid: int) -> None:
        """Kill every process of a per-run uid: a small process forked by the server, as that uid, kills
        everything it may (kill(-1)). Forking this (possibly large) process instead would stall it."""
        with self.lock:
            try:
                self.sock.send(b"U" + uid.to_bytes(8, "little"))
                self.sock.recv(8)  # done (the server waited for the sweeper)
            except (OSError, AttributeError):
                pass  # the server is gone: its children died with it (PR_SET_PDEATHSIG)

    def kill(self, pid: int) -> None:
        """Kill a child's process group and the child (the server reaps it)."""
        with self.lock:
            try:
                self.sock.send(b"K" + pid.to_bytes(8, "little"))
            except (OSError, AttributeError):
                pass  # the server is gone: its children died with it (PR_SET_PDEATHSIG)

    def _launch(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-S",
                    "-B",
                    str(SANDBOX),
                    "--fork-server",
                    str(theirs.fileno()),
                    *_sys_path(),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=_env(),
                cwd="/",
                start_new_session=True,
            )
        self.sock = ours

    def _shut_down(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        if self.sock is not None:
            self.sock.close()
        self.proc = self.sock = None


_SERVER = _ForkServer()


class _Run:
    """One sandboxed process (candidate or checker), forked by the server, and its output pipes."""

    def __init__(self, job: dict, to_child: int, from_child: int):
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.pid = _SERVER.fork(job, [to_child, from_child, out_w, err_w])
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (out_w, err_w):
                os.close(fd)
        self.stdout = _Output(os.fdopen(out_r, "rb", buffering=0))
        self.stderr = _Output(os.fdopen(err_r, "rb", buffering=0))

    def kill(self) -> None:
        _SERVER.kill(self.pid)

    @property
    def output_exceeded(self) -> bool:
        return self.stdout.exceeded.is_set() or self.stderr.exceeded.is_set()


class _Lines:
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


class _Died(Exception):
    """A sandboxed process ended (or closed its pipe) when the judge expected a message."""


class _Channel:
    """The parent's end of one sandboxed process's command and reply pipes."""

    def __init__(self, run: _Run, write_fd: int, read_fd: int):
        self.run, self.write_fd, self.lines = run, write_fd, _Lines(read_fd)

    def send(self, data: bytes) -> None:
        try:
            while data:
                data = data[os.write(self.write_fd, data) :]
        except OSError:  # BrokenPipeError: the process is gone
            raise _Died from None

    def receive(self, deadline: float) -> dict:
        line = self.lines.read(deadline, abort=lambda: self.run.output_exceeded)
        if line is None:
            raise _Died
        return protocol.parse(line)


class _CandidateChannel(_Channel):
    """Calls into the candidate's process; each reply is checked against the call it answers."""

    def __init__(self, run: _Run, write_fd: int, read_fd: int, code: str, time_limit_s: float):
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
            "sys_path": _sys_path(),
            "env": _env(),
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
        self.runs: list[_Run] = []
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
        except _Died:
            self._stopped(self._died(DIED))
        except TimeoutError:
            self._stopped(self._timeout())
        finally:
            for run in self.runs:
                run.kill()
        return self._finish(started)

    # --- processes ------------------------------------------------------------------------------

    def _spawn(self, role: str, uid, cpu_s: float, payload: dict) -> tuple[_Run, int, int]:
        """A sandboxed process in a fresh work dir, sent its payload; it and the parent's pipe ends."""
        workdir = Path(tempfile.mkdtemp(prefix="ibjudge-"))
        self.workdirs.append(workdir)
        if uid is not None:
            os.chown(workdir, uid, uid)
            self.uids.append(uid)
        workdir.chmod(0o700)
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.fds += [to_child_w, from_child_r]
        try:
            run = _Run(self.local.job(self.question, role, workdir, uid, cpu_s), to_child_r, from_child_w)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.runs.append(run)
        _Channel(run, to_child_w, from_child_r).send(marshal.dumps(payload))  # never via the server
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
        self.candidate = _CandidateChannel(run, write_fd, read_fd, self.code, limit)
        if self.check:  # starts now, alongside the candidate: its start-up is off the critical path
            checker_uid = None if self.uid is None else self.uid + 1
            cpu_s = limit * CHECK_CALLS + 1.0
            run, write_fd, read_fd = self._spawn("checker", checker_uid, cpu_s, {"check": self.check})
            self.checker = _Channel(run, write_fd, read_fd)

    def _load(self) -> None:
        deadline = time.perf_counter() + STARTUP_S + self.question.time_limit_s
        try:
            self.verdict.isolation = protocol.read_hello(self.candidate.receive(deadline))
        except (_Died, ProtocolViolation, TimeoutError) as exc:
            raise _Stop("runtime_error", "The sandbox failed to start.", author=repr(exc)) from None
        try:
            self.loaded = protocol.read_load(self.candidate.receive(deadline), self.code)
        except _Died:
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
        except _Died:
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
            except _Died:
                raise self._died("Your code ended the process during the hidden check.") from None
            failed = failed if reply.ok else reply
            self._to_checker(marshal.dumps(_relayed(reply)))
        result.time_ms = round((time.perf_counter() - started) * 1000, 3)
        self._check_outcome(item, failed)

    def _to_checker(self, data: bytes) -> None:
        try:
            self.checker.send(data)
        except _Died:
            raise self._check_broke("the check process ended early") from None

    def _from_checker(self, deadline: float, callables: set[str], values: set[str]):
        try:
            return protocol.read_checker(self.checker.receive(deadline), callables, values)
        except _Died:
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
        # Not a daemon thread, so a CLI run still waits for it at exit.
        cleanup = threading.Thread(target=_clean_up, args=(self.workdirs, self.uids), name="judge-cleanup")
        _CLEANUPS.add(cleanup)
        cleanup.start()


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


_CLEANUPS: set[threading.Thread] = set()


def _clean_up(workdirs: list[Path], uids: list[int]) -> None:
    """Kill anything left under the run's uids, then remove its work dirs."""
    try:
        for uid in uids:
            _kill_uid(uid)
        for workdir in workdirs:
            for _ in range(20):  # a child killed a moment ago may still be writing into it
                shutil.rmtree(workdir, ignore_errors=True)
                if not workdir.exists():
                    break
                time.sleep(0.05)
    finally:
        _CLEANUPS.discard(threading.current_thread())


def wait_for_cleanup(timeout: float = 10.0) -> None:
    """Block until earlier runs' clean-up (process sweep, temp dir removal) has finished."""
    for thread in list(_CLEANUPS):
        thread.join(timeout)


def _kill_uid(uid: int) -> None:
    """Kill every process left running under a per-run uid (the fork server forks the sweeper)."""
    _SERVER.sweep(uid)
