"""The local sandboxed judge: the candidate's code runs in a separate, isolated process.

Isolation (see docs in README "Code judge"): its own session/process group; new network, mount
and pid namespaces where the kernel allows (a user namespace too when not root), else socket
creation is blocked; the temporary work dir mounted as an empty /tmp and removed afterwards;
CPU-time, address-space, file-size, open-file and process-count limits; an unprivileged uid of
its own when started as root; a scrubbed environment; capped stdout/stderr; a wall-clock kill of
the whole group. Expected values never enter the sandbox: the parent compares return values.
"""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from interviewbot.judge.compare import values_equal
from interviewbot.judge.models import FirstFailure, TestResult, Verdict
from interviewbot.questions import Question, TestCase

JUDGE_DIR = Path(__file__).resolve().parent
SANDBOX = JUDGE_DIR / "_sandbox.py"
OUTPUT_LIMIT = 256 * 1024  # bytes of stdout+stderr before output_limit_exceeded
TAIL = 2000
BASE_MEMORY_MB = 160  # the interpreter + NumPy's own address space, on top of the question's limit
STARTUP_S = 5.0  # wall-clock allowance for interpreter start and loading the code
UID_BASE = 620_000  # per-run uids (root only): never a real user's; all their processes are killed after


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


class _Run:
    """One sandboxed process (candidate or checker) and its pipes."""

    def __init__(self, job: dict, pass_fds: tuple[int, ...]):
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", str(SANDBOX)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            cwd=job["workdir"],
            pass_fds=pass_fds,
            start_new_session=True,
            close_fds=True,
        )
        self.stdout, self.stderr = _Output(self.proc.stdout), _Output(self.proc.stderr)
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.close()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    @property
    def output_exceeded(self) -> bool:
        return self.stdout.exceeded.is_set() or self.stderr.exceeded.is_set()


class _Lines:
    """Line reader on a raw fd with a deadline (select), robust to partial writes."""

    def __init__(self, fd: int):
        self.fd, self.buf = fd, b""

    def read(self, deadline: float, abort=lambda: False) -> str | None:
        """The next line; None at EOF; raises TimeoutError past the deadline."""
        while b"\n" not in self.buf:
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
            if len(self.buf) > 64 * 1024 * 1024:
                raise ValueError("the returned value is too large")
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace")


class LocalJudge:
    """Runs candidate code in the local sandbox. Thread-safe: each run has its own process."""

    name = "local"

    def __init__(self, isolate: bool = True, nproc: int = 16, file_mb: int = 16):
        self.isolate = isolate
        self.nproc = nproc
        self.file_mb = file_mb

    def run(self, question: Question, code: str, *, visible_only: bool = False) -> Verdict:
        """Judge `code` against the question's tests (and its `check`, unless visible_only)."""
        tests = question.visible_tests if visible_only else list(question.tests)
        check = None if visible_only else (question.check or None)
        workdir = Path(tempfile.mkdtemp(prefix="ibjudge-"))
        uid = UID_BASE + random.randrange(1, 60_000) * 2 if os.geteuid() == 0 else None
        try:
            return self._run(question, code, tests, check, workdir, uid)
        finally:
            # Off the latency path; not a daemon thread, so a CLI run still waits for it at exit.
            cleanup = threading.Thread(target=_clean_up, args=(workdir, uid), name="judge-cleanup")
            _CLEANUPS.add(cleanup)
            cleanup.start()

    def _job(self, question: Question, role: str, workdir: Path, uid, cpu_s: float, **extra) -> dict:
        return {
            "role": role,
            "workdir": str(workdir),
            "uid": uid,
            "isolate": self.isolate,
            "judge_dir": str(JUDGE_DIR),
            "sys_path": _sys_path(),
            "env": _env(),
            "cpu_s": cpu_s,
            "memory_mb": question.memory_limit_mb,
            "base_memory_mb": BASE_MEMORY_MB,
            "file_mb": self.file_mb,
            "nproc": self.nproc,
            **extra,
        }

    def _run(self, question, code, tests, check, workdir: Path, uid) -> Verdict:
        if uid is not None:
            os.chown(workdir, uid, uid)
        workdir.chmod(0o700)
        started = time.perf_counter()
        n_calls = len(tests) + (20 if check else 0)
        cpu_s = question.time_limit_s * max(1, n_calls) + 1.0
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        job = self._job(
            question,
            "candidate",
            workdir,
            uid,
            cpu_s,
            code=code,
            entry_point=question.entry_point,
            cmd_fd=cmd_r,
            res_fd=res_w,
        )
        run = _Run(job, (cmd_r, res_w))
        os.close(cmd_r)
        os.close(res_w)
        session = _Session(run, cmd_w, res_r, question)
        try:
            verdict = session.judge(tests)
            if check and verdict.verdict == "accepted":
                verdict = self._check(question, check, session, verdict, workdir, uid)
        finally:
            run.kill()
            for fd in (cmd_w, res_r):
                _close(fd)
        verdict.stdout_tail, verdict.stderr_tail = run.stdout.tail(), run.stderr.tail()
        verdict.wall_ms = round((time.perf_counter() - started) * 1000, 1)
        return verdict

    def _check(self, question, check, session: _Session, verdict: Verdict, workdir, uid) -> Verdict:
        """Run `check(candidate)` in a second sandboxed process that calls the candidate's."""
        job = self._job(
            question,
            "checker",
            workdir,
            None if uid is None else uid + 1,
            question.time_limit_s * 20 + 1.0,
            check=check,
            cmd_fd=session.cmd_w,
            res_fd=session.res_r,
        )
        checker = _Run(job, (session.cmd_w, session.res_r))
        index = len(verdict.tests)
        result = TestResult(index=index, name="check", hidden=True)
        try:
            checker.proc.wait(timeout=question.time_limit_s * 20 + STARTUP_S)
            line = checker.stdout.tail().strip().splitlines()
            outcome = json.loads(line[-1]) if line else {"check": "error", "error": "the checker ended"}
        except subprocess.TimeoutExpired:
            outcome = {"check": "timeout"}
        finally:
            checker.kill()
        status = {"passed": "passed", "timeout": "time_limit_exceeded", "error": "runtime_error"}.get(
            outcome.get("check"), "wrong_answer"
        )
        result.status, result.passed = status, status == "passed"
        verdict.tests.append(result)
        verdict.total += 1
        if result.passed:
            verdict.passed += 1
            return verdict
        verdict.verdict = status
        verdict.message = (
            "The hidden check failed."
            if status == "wrong_answer"
            else (
                "The hidden check timed out."
                if status == "time_limit_exceeded"
                else "Your function raised during the hidden check."
            )
        )
        return verdict


class _Session:
    """Parent side of the candidate protocol: send each test's arguments, compare each reply."""

    def __init__(self, run: _Run, cmd_w: int, res_r: int, question: Question):
        self.run, self.cmd_w, self.res_r, self.question = run, cmd_w, res_r, question
        self.lines = _Lines(res_r)
        self.isolation = ""

    def _read(self, deadline: float) -> dict | None:
        line = self.lines.read(deadline, abort=lambda: self.run.output_exceeded)
        return None if line is None else json.loads(line)

    def judge(self, tests: list[TestCase]) -> Verdict:
        verdict = Verdict(
            verdict="accepted",
            total=len(tests),
            tests=[TestResult(index=i, name=t.name, hidden=t.hidden) for i, t in enumerate(tests)],
        )
        try:
            early = self._load(verdict)
            if early is not None:
                return early
            for i, test in enumerate(tests):
                if not self._one(i, test, verdict):
                    break
        except TimeoutError:
            return self._limit(verdict, "time_limit_exceeded")
        except ValueError as exc:
            verdict.verdict, verdict.message = "runtime_error", str(exc)
        verdict.isolation = self.isolation
        if verdict.verdict == "accepted" and verdict.passed < verdict.total:
            verdict.verdict = "wrong_answer"
        return verdict

    def _limit(self, verdict: Verdict, kind: str) -> Verdict:
        if self.run.output_exceeded:
            kind = "output_limit_exceeded"
        current = next((t for t in verdict.tests if t.status == "not_run"), None)
        if current is not None:
            current.status = kind
        verdict.verdict = kind
        verdict.message = {
            "time_limit_exceeded": f"Time limit exceeded ({self.question.time_limit_s:g} s per test).",
            "output_limit_exceeded": f"Output limit exceeded ({OUTPUT_LIMIT // 1024} KB of printing).",
        }[kind]
        verdict.isolation = self.isolation
        return verdict

    def _load(self, verdict: Verdict) -> Verdict | None:
        deadline = time.perf_counter() + STARTUP_S + self.question.time_limit_s
        hello = self._read(deadline)
        if hello is None or hello.get("type") != "hello":
            return self._died(verdict, "The sandbox failed to start.")
        self.isolation = hello.get("isolation", "")
        loaded = self._read(deadline)
        if loaded is None:
            return self._died(verdict, "Your code ended the process while loading (exit or crash).")
        status = loaded.get("status")
        if status == "ok":
            return None
        verdict.verdict = {"syntax_error": "syntax_error", "memory": "memory_limit_exceeded"}.get(
            status, "runtime_error"
        )
        verdict.message = loaded.get("error", "")
        verdict.isolation = self.isolation
        return verdict

    def _died(self, verdict: Verdict, message: str) -> Verdict:
        if self.run.output_exceeded:
            return self._limit(verdict, "output_limit_exceeded")
        verdict.verdict, verdict.message = "runtime_error", message
        verdict.isolation = self.isolation
        return verdict

    def _one(self, i: int, test: TestCase, verdict: Verdict) -> bool:
        """Run test i; False when the run cannot continue (crash, limit)."""
        result = verdict.tests[i]
        try:
            os.write(
                self.cmd_w, (json.dumps({"i": i, "args": test.args, "kwargs": test.kwargs}) + "\n").encode()
            )
        except (BrokenPipeError, OSError):
            self._died(
                verdict, "Your code ended the process before all tests ran (sys.exit, os._exit or a crash)."
            )
            result.status = "runtime_error"
            return False
        reply = self._read(time.perf_counter() + self.question.time_limit_s + 0.5)
        if reply is None:
            self._died(
                verdict, "Your code ended the process before all tests ran (sys.exit, os._exit or a crash)."
            )
            result.status = "runtime_error"
            return False
        result.time_ms = round(float(reply.get("ms") or 0.0), 3)
        if reply.get("i") != i:  # something else wrote to the result pipe
            result.status = "runtime_error"
            verdict.verdict, verdict.message = "runtime_error", "The result channel was tampered with."
            return False
        if reply.get("ok") and values_equal(reply.get("got"), test.expected):
            result.passed, result.status = True, "passed"
            verdict.passed += 1
            return True
        result.status = (
            "memory_limit_exceeded"
            if reply.get("status") == "memory"
            else "wrong_answer"
            if reply.get("ok")
            else "runtime_error"
        )
        if verdict.verdict == "accepted":
            verdict.verdict = result.status
            verdict.message = reply.get("error") or ""
        if not test.hidden and verdict.first_failure is None:
            verdict.first_failure = FirstFailure(
                index=i,
                name=test.name,
                args=test.args,
                kwargs=test.kwargs,
                expected=test.expected,
                got=reply.get("got"),
                error=reply.get("error"),
            )
        return True


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


_CLEANUPS: set[threading.Thread] = set()


def _clean_up(workdir: Path, uid: int | None) -> None:
    """Kill anything left under the run's uids, then remove its work dir."""
    try:
        if uid is not None:
            _kill_uid(uid)
            _kill_uid(uid + 1)
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        _CLEANUPS.discard(threading.current_thread())


def wait_for_cleanup(timeout: float = 10.0) -> None:
    """Block until earlier runs' clean-up (process sweep, temp dir removal) has finished."""
    for thread in list(_CLEANUPS):
        thread.join(timeout)


def _kill_uid(uid: int) -> None:
    """Kill every process left running under a per-run uid (kill(-1) from that uid)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child only makes syscalls
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
