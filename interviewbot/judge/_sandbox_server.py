"""Inside the sandbox: the fork server, which forks one sandboxed process per request from the judge.

A child gets a setup job from the server and its code from the parent (marshal: the trusted side),
isolates itself (`_sandbox_isolation`), then runs its role: "candidate" (`_sandbox_candidate`) or
"checker" (`_sandbox_checker`).
Stdlib only, loaded by path by `_sandbox.py` (site-packages and interviewbot are not on the path).
"""

import _signal as signal  # the C module: `signal` would import enum (start-up time is judged)
import marshal
import os
import sys

from _sandbox_candidate import run_candidate
from _sandbox_checker import run_checker
from _sandbox_io import send
from _sandbox_isolation import PR_SET_DUMPABLE, prctl, setup


def serve_forks(sock_fd):
    """Fork one sandboxed process per request: the interpreter and imports are paid for once.

    Requests (one datagram each on a SOCK_SEQPACKET socket from the judge):
    - b"S" + a setup-only job (no code, no check: this process's memory is inherited by every
      later candidate, so nothing secret may pass through it), with the child's four pipe ends
      (commands in, results out, stdout, stderr) as SCM_RIGHTS; the reply is the child's pid.
    - b"K" + a pid: kill that child's process group and the child, then reap it. Children are
      reaped only here, after they are killed, so a pid (and process group) the judge names can
      never have been reused by another process.
    - b"U" + a uid (root only): kill every process left under that per-run uid; replies when done.
    It runs no candidate code itself, and exits when the judge's end of the socket closes.
    """
    import select
    import socket

    prctl(PR_SET_DUMPABLE, 0)  # no one may ptrace it or write its memory, even with the same uid
    sock, dying = socket.socket(fileno=sock_fd), set()
    while True:
        ready, _, _ = select.select([sock], [], [], 0.2 if dying else None)
        dying = {pid for pid in dying if not _reaped(pid)}
        if not ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 4)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)  # the judge's process is gone
        if data[:1] == b"K":
            dying.add(_kill(int.from_bytes(data[1:9], "little")))
        elif data[:1] == b"U":
            _sweep(int.from_bytes(data[1:9], "little"))
            sock.send(b"swept")
        elif data[:1] == b"S" and len(fds) == 4:
            try:
                pid = os.fork()
            except OSError:  # no process to be had: the judge reports it (an empty reply)
                pid = -1
            if pid == 0:
                _forked(marshal.loads(data[1:]), fds)
            sock.send(pid.to_bytes(8, "little", signed=True) if pid > 0 else b"")
        for fd in fds:
            os.close(fd)


def _sweep(uid):
    """Kill every process of a per-run uid: fork, become that uid, kill(-1); wait for it."""
    try:
        pid = os.fork()
    except OSError:
        return
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _kill(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return pid


def _reaped(pid):
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _forked(job, fds):
    """In the new child: own session, the pipes as its only descriptors, then the job (never returns)."""
    try:
        prctl(PR_SET_DUMPABLE, 1)  # the server's setting is not the child's (a user namespace needs it)
        in_fd, out_fd, stdout_fd, stderr_fd = fds
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        keep = sorted({0, 1, 2, in_fd, out_fd})
        for low, high in zip(keep, keep[1:] + [1 << 16]):
            os.closerange(low + 1, high)  # the server's socket and anything else it held
        os.setsid()
        _run({**job, "in_fd": in_fd, "out_fd": out_fd})
    finally:
        os._exit(70)


def _run(job):
    isolation = setup(job)
    if job["role"] == "candidate":
        send(job["out_fd"], {"type": "hello", "isolation": isolation})
        run_candidate(job)
    else:
        run_checker(job)


def preload(paths):
    """Import NumPy once here, so no judging pays for it (~0.3 s); its children inherit it loaded."""
    own = list(sys.path)
    sys.path[:] = paths
    try:
        import numpy  # noqa: F401
    except Exception:
        pass  # not installed, or broken: a solution that imports it gets the error itself
    sys.path[:] = own
