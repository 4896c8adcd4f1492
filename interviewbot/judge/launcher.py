"""The parent's side of starting sandboxed processes: the fork server (`_sandbox.py --fork-server`), one
forked process and its capped output pipes, and the clean-up of its uids and work dirs afterwards.

Forking a small, already-initialised interpreter instead of starting one per judging takes the
interpreter's start-up and imports off every run. Only setup data passes through the fork server
(see `_sandbox_server.serve_forks`); each child gets its code straight from the judging process.
"""

from __future__ import annotations

import marshal
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

JUDGE_DIR = Path(__file__).resolve().parent
SANDBOX = JUDGE_DIR / "_sandbox.py"
OUTPUT_LIMIT = 256 * 1024  # bytes of stdout+stderr before output_limit_exceeded
TAIL = 2000


class OutputPipe:
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


def sandbox_env() -> dict[str, str]:
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


def sandbox_sys_path() -> list[str]:
    """The stdlib and site-packages (NumPy) without running site.py (which costs ~35 ms)."""
    stdlib = [p for p in sys.path if p and p.startswith(sys.base_prefix) and "site-packages" not in p]
    site = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    return list(dict.fromkeys(stdlib + site))


class ForkServer:
    """The sandbox launcher: one long-lived `_sandbox.py --fork-server` process, started on first use."""

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
                    *sandbox_sys_path(),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=sandbox_env(),
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


SERVER = ForkServer()


class SandboxRun:
    """One sandboxed process (candidate or checker), forked by the server, and its output pipes."""

    def __init__(self, job: dict, to_child: int, from_child: int):
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.pid = SERVER.fork(job, [to_child, from_child, out_w, err_w])
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (out_w, err_w):
                os.close(fd)
        self.stdout = OutputPipe(os.fdopen(out_r, "rb", buffering=0))
        self.stderr = OutputPipe(os.fdopen(err_r, "rb", buffering=0))

    def kill(self) -> None:
        SERVER.kill(self.pid)

    @property
    def output_exceeded(self) -> bool:
        return self.stdout.exceeded.is_set() or self.stderr.exceeded.is_set()


_CLEANUPS: set[threading.Thread] = set()


def clean_up_later(workdirs: list[Path], uids: list[int]) -> None:
    """Kill leftovers and remove work dirs in a thread, off the latency path."""
    # Not a daemon thread, so a CLI run still waits for it at exit.
    cleanup = threading.Thread(target=_clean_up, args=(workdirs, uids), name="judge-cleanup")
    _CLEANUPS.add(cleanup)
    cleanup.start()


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
    SERVER.sweep(uid)
