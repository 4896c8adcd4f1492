"""The sandbox side of the judge: a fork server (`python -I -S -B _sandbox.py --fork-server FD`)
whose children each run one sandboxed process.

A child gets a setup job from the server and its code from the parent (marshal: the trusted side),
isolates itself (namespaces, an empty /tmp, limits,
an unprivileged uid, no new privileges), then:

- role "candidate": loads the candidate's code, reports its top-level names, and serves calls
  read from the command fd, writing each return value (in the wire format) or error to the
  result fd. Expected values are never sent here: the parent compares, so nothing the code
  does in this process can fake a pass; the parent validates every line it writes.
- role "checker": runs a question's `check(candidate)` code in its own work dir. Its calls to
  `candidate` and to the candidate's other top-level names go to the parent, which relays them
  to the candidate's process; it reports the outcome to the parent. It makes itself
  non-dumpable so the candidate cannot read or trace it.

Stdlib only: this file must not import interviewbot (site-packages are not on the path).
"""

import _signal as signal  # the C module: `signal` would import enum (start-up time is judged)
import ctypes
import marshal
import os
import resource
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_RDONLY = 4096, 16384, 1 << 18, 2, 4, 32, 1
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 4, 38, 1
_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    """prctl(2) where it exists (Linux); elsewhere a no-op."""
    if hasattr(_libc, "prctl"):
        _libc.prctl(option, value, 0, 0, 0)


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def _isolate(job):
    """New net/mount/pid namespaces with the work dir as /tmp; returns a description."""
    root = os.geteuid() == 0
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (0 if root else CLONE_NEWUSER)
    uid, gid = os.geteuid(), os.getegid()
    if not hasattr(_libc, "unshare") or _libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    if not root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    moves = _expose_python(job)  # before /tmp is covered: the project (and its venv) may live under /tmp
    _mount(job["workdir"], "/tmp", None, MS_BIND | MS_REC)
    _use_moved_paths(job, moves)
    for extra in ("/var/tmp", "/dev/shm", "/run/lock"):
        if os.path.isdir(extra):
            _mount("tmpfs", extra, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=1777")
    # The first child in the new pid namespace is its init: when it exits, the kernel kills
    # everything the candidate left behind (background processes, fork bombs).
    pid = os.fork()
    if pid:
        _wait_and_exit(pid)
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    except OSError:
        pass  # the old /proc still works; it only shows other pids
    return "namespaces(net,mount,pid)" + ("" if root else "+user")


def _expose_python(job):
    """Bind the interpreter's library dirs read-only under the work dir's .python/N (later /tmp/.python/N).

    The per-run uid may not be able to reach them where they are (e.g. a Python under /root,
    mode 700, when the app runs as root): inside our mount namespace they become reachable.
    """
    base = os.path.join(job["workdir"], ".python")  # seen as /tmp/.python once the work dir is /tmp
    os.mkdir(base, 0o755)
    paths = []
    for n, path in enumerate(p for p in job["sys_path"] if os.path.isdir(p)):
        target = os.path.join(base, str(n))
        os.mkdir(target, 0o755)
        _mount(path, target, None, MS_BIND | MS_REC)
        try:
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
        except OSError:
            pass  # read-only is a nicety: the files are not the run uid's to write anyway
        paths.append((path, f"/tmp/.python/{n}"))
    return paths


def _use_moved_paths(job, moves):
    """Point sys.path, and packages imported before the switch (encodings, ...), at the new places."""
    job["sys_path"] = [new for _, new in moves]
    for module in list(sys.modules.values()):
        search = getattr(module, "__path__", None)
        if isinstance(search, list):
            search[:] = [_moved(p, moves) for p in search]


def _moved(path, moves):
    for old, new in moves:
        if path == old or path.startswith(old + os.sep):
            return new + path[len(old) :]
    return path


def _wait_and_exit(pid):
    """The outer process: forward the init child's exit status."""
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status))


def _block_sockets():
    """Fallback when namespaces are unavailable: refuse to create sockets (audit hooks stay)."""

    def hook(event, args):
        if event == "socket.__new__":
            raise PermissionError("network access is disabled in the judge")

    sys.addaudithook(hook)
    return "sockets blocked (namespaces unavailable)"


def _limit(job):
    mb = 1024 * 1024
    cpu = max(1, int(job["cpu_s"] + 0.999))
    limits = {
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_AS: ((job["memory_mb"] + job["base_memory_mb"]) * mb,) * 2,
        resource.RLIMIT_FSIZE: (job["file_mb"] * mb,) * 2,
        resource.RLIMIT_NPROC: (job["nproc"],) * 2,
        resource.RLIMIT_NOFILE: (64, 64),
        resource.RLIMIT_CORE: (0, 0),
    }
    for which, value in limits.items():
        try:
            resource.setrlimit(which, value)
        except (ValueError, OSError):
            pass  # not enforceable on this platform (e.g. RLIMIT_AS on macOS); the wall clock still is


def _drop_privileges(job):
    if os.geteuid() == 0 and job.get("uid") is not None:
        os.setgroups([])
        os.setgid(job["uid"])
        os.setuid(job["uid"])
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _setup(job):
    os.chdir(job["workdir"])
    isolation = "none"
    if job.get("isolate", True):
        try:
            isolation = _isolate(job)
            os.chdir("/tmp")
        except OSError:
            isolation = _block_sockets()
    else:
        isolation = _block_sockets()
    if job["role"] == "checker":
        _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    sys.path[:] = job["sys_path"]
    _limit(job)
    _drop_privileges(job)
    os.environ.clear()
    os.environ.update(job["env"])
    return isolation


# --- both roles ----------------------------------------------------------------------------------

STDOUT_CAP = 2000  # characters of printing kept per call (the rest still counts toward the output limit)
_write = os.write  # bound before any candidate code runs, like the encoder below


def _send(fd, message):
    """One wire line, written whole (a pipe write of <= 64 KB is atomic; larger ones loop)."""
    data = wire.dumps(message)
    while data:
        data = data[_write(fd, data) :]


def _error(exc, filename):
    """An exception as wire data: type, message and the frames in `filename` only."""
    try:
        message = str(exc)[:2000]
    except BaseException:  # a candidate's __str__ that raises
        message = "<the exception's message could not be read>"
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename:
            frames.append([tb.tb_lineno, code.co_name[:200]])
        tb = tb.tb_next
    omitted = max(0, len(frames) - 30)
    frames = frames[:5] + frames[5 + omitted :] if omitted else frames
    return {"type": type(exc).__name__[:100], "message": message, "frames": frames, "omitted": omitted}


class _Capture:
    """sys.stdout during one call: passes everything through to the real stdout, keeps the start."""

    def __init__(self, real):
        self.real, self.kept, self.size = real, [], 0

    def write(self, text):
        text = str(text)
        if self.size < STDOUT_CAP:
            self.kept.append(text[: STDOUT_CAP - self.size])
            self.size += len(self.kept[-1])
        return self.real.write(text)

    def flush(self):
        self.real.flush()

    def text(self):
        return "".join(self.kept)


# --- role "candidate" ----------------------------------------------------------------------------


def _syntax_error(exc):
    if not isinstance(exc, SyntaxError):  # e.g. ValueError: source code cannot contain null bytes
        return {"type": type(exc).__name__, "message": str(exc)[:2000], "frames": [], "omitted": 0}
    where = {"line": exc.lineno, "column": exc.offset, "end_column": getattr(exc, "end_offset", None)}
    return {"type": type(exc).__name__, "message": str(exc.msg)[:2000], **where}


def _names(module):
    """The module's top-level names for `check` code: [name, "call" | "value" | "module", module name]."""
    names = []
    for name, value in list(module.items())[:2000]:
        if not isinstance(name, str) or name.startswith("__") or len(name) > 100:
            continue
        if isinstance(value, type(sys)):
            names.append([name, "module", str(getattr(value, "__name__", ""))[:200]])
        else:  # values are fetched when check code uses them: a large table costs nothing until then
            names.append([name, "call" if callable(value) else "value", ""])
    return names


def _load_candidate(job, results):
    """Compile and run the candidate's module; report the outcome and its names."""
    try:
        code = compile(job["code"], "solution.py", "exec")
    except (SyntaxError, ValueError) as exc:
        _send(results, {"type": "load", "status": "syntax_error", "error": _syntax_error(exc)})
        return None
    module = {"__name__": "solution", "__builtins__": __builtins__}
    try:
        exec(code, module)
        if not callable(module.get(job["entry_point"])):
            raise NameError(f"the function {job['entry_point']}() is not defined")
        names = _names(module)
    except MemoryError:
        _send(results, {"type": "load", "status": "memory", "error": _error(MemoryError(), "solution.py")})
        return None
    except BaseException as exc:
        _send(results, {"type": "load", "status": "error", "error": _error(exc, "solution.py")})
        return None
    _send(results, {"type": "load", "status": "ok", "names": names})
    return module


def _call(module, call):
    """Run one call (or fetch one value) for the parent; the reply without its output."""
    try:
        value = module[call["name"]]
        if not call["get"]:
            value = value(*wire.decode(call["args"], "numpy"), **wire.decode(call["kwargs"], "numpy"))
        return {"ok": True, "value": wire.encode(value)}
    except MemoryError:
        return {"ok": False, "status": "memory", "error": _error(MemoryError(), "solution.py")}
    except BaseException as exc:
        return {"ok": False, "status": "error", "error": _error(exc, "solution.py")}


def _serve(module, commands, results, value_limit):
    real_stdout = sys.stdout
    while (call := _receive(commands)) is not None:
        capture = _Capture(sys.__stdout__)
        sys.stdout = capture
        try:
            reply = _call(module, call)
        finally:
            sys.stdout = real_stdout
        try:
            capture.flush()
        except BaseException:
            pass
        reply.update(type="result", i=call["i"], out=capture.text())
        try:
            data = wire.dumps(reply)
        except (TypeError, ValueError) as exc:
            data = _failure(call, exc)
        if len(data) > value_limit:
            data = _failure(call, ValueError(f"the returned value is too large ({len(data) // 2**20} MB)"))
        while data:
            data = data[_write(results, data) :]


def _failure(call, exc):
    reply = {"ok": False, "status": "error", "error": _error(exc, "solution.py")}
    return wire.dumps({**reply, "type": "result", "i": call["i"], "out": ""})


def _receive(stream):
    """The next marshal frame from the parent (trusted: it wrote it); None once it closes the pipe."""
    try:
        return marshal.load(stream)
    except EOFError:
        return None


def _run_candidate(job):
    commands = os.fdopen(job["in_fd"], "rb")
    job.update(_receive(commands) or {})  # the code: sent by the parent, never through the fork server
    results = job["out_fd"]
    sys.setrecursionlimit(job.get("recursion_limit", 10_000))
    module = _load_candidate(job, results)
    if module is not None:
        _serve(module, commands, results, job["value_limit"])
    os._exit(0)


# --- role "checker" ------------------------------------------------------------------------------


class CandidateError(Exception):
    """The candidate's function raised an exception that is not a builtin one."""


class _Candidate:
    """Calls into the candidate's process, relayed by the parent."""

    def __init__(self, requests, replies):
        self.requests, self.replies = requests, replies
        self.raised = []  # exceptions this proxy raised (the candidate's), to tell them from check's own
        self.last = None  # (request, "returned" | "raised", value): shown to the author on failure

    def proxy(self, name):
        def call(*args, **kwargs):
            return self.ask({"name": name, "get": False, "args": list(args), "kwargs": kwargs})

        call.__name__ = call.__qualname__ = name
        return call

    def ask(self, request):
        request = {**request, "args": wire.encode(request["args"]), "kwargs": wire.encode(request["kwargs"])}
        _send(self.requests, {"type": "call", **request})
        reply = _receive(self.replies)
        if reply is None:
            os._exit(0)  # the parent stopped the check (the candidate died or misbehaved)
        if reply["ok"]:
            value = wire.decode(reply["value"], "numpy")
            self.last = (request, "returned", value)
            return value
        self.last = (request, "raised", f"{reply['error']['type']}: {reply['error']['message']}")
        raise self._exception(reply["error"])

    def describe_last(self):
        """The last call for the author: `f(3.5) returned 1.5`."""
        if self.last is None:
            return "The check never called the candidate's code."
        request, how, value = self.last
        try:
            args = [repr(a) for a in wire.decode(request["args"], "numpy")]
            args += [f"{k}={v!r}" for k, v in wire.decode(request["kwargs"], "numpy").items()]
            shown = value if how == "raised" else repr(value)
        except Exception:
            return ""
        call = request["name"] if request["get"] else f"{request['name']}({', '.join(args)})"
        return f"Last call to the candidate's code: {call} {how} {shown}"[:2000]

    def _exception(self, error):
        """The candidate's exception as the same builtin type, so `except ValueError` in check works."""
        kind = getattr(__import__("builtins"), error["type"], None)
        is_builtin = isinstance(kind, type) and issubclass(kind, Exception)
        try:
            exc = (
                kind(error["message"])
                if is_builtin
                else CandidateError(f"{error['type']}: {error['message']}")
            )
        except Exception:
            exc = CandidateError(f"{error['type']}: {error['message']}")
        self.raised.append(exc)
        return exc


class _Namespace(dict):
    """Builtins for check code, then the candidate's top-level names (as in HumanEval's harness)."""

    def __init__(self, builtins, names, candidate):
        super().__init__(builtins)
        self.names, self.candidate = {n: (kind, extra) for n, kind, extra in names}, candidate

    def __missing__(self, name):
        kind, extra = self.names.get(name, (None, None))
        if kind == "call":
            value = self.candidate.proxy(name)
        elif kind == "module":
            import importlib

            value = importlib.import_module(extra)
        elif kind == "value":
            value = self.candidate.ask({"name": name, "get": True, "args": [], "kwargs": {}})
        else:
            raise KeyError(name)
        self[name] = value
        return value


def _run_check(job, start, candidate):
    """Run the check code; the outcome and, for the author, the full traceback."""
    import builtins

    namespace = {"__name__": "check", "__builtins__": _Namespace(vars(builtins), start["names"], candidate)}
    try:
        exec(compile(job["check"], "check.py", "exec"), namespace)
        namespace["check"](candidate.proxy(start["entry_point"]))
        return {"outcome": "passed", "detail": ""}
    except BaseException as exc:
        detail = _check_traceback(exc) + "\n" + candidate.describe_last()
        if any(exc is raised for raised in candidate.raised):
            outcome = "candidate"
        else:
            outcome = "failed" if isinstance(exc, AssertionError) else "error"
        return {"outcome": outcome, "detail": detail}


def _check_traceback(exc):
    """The exception with the frames of check.py only (the judge's own frames are noise to an author)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "check.py"]
    lines = traceback.StackSummary.from_list(frames[-40:]).format()
    text = "Traceback (check code):\n" + "".join(lines) + "".join(traceback.format_exception_only(exc))
    return text[-20_000:]


def _run_checker(job):
    requests = job["out_fd"]
    replies = os.fdopen(job["in_fd"], "rb")
    job.update(_receive(replies) or {})  # the check code: sent by the parent, never through the fork server
    start = _receive(replies)  # {"names": [...], "entry_point": ...} once the tests have passed
    if start is None:
        os._exit(0)
    _quote_check_lines(job["check"])
    result = _run_check(job, start, _Candidate(requests, replies))
    _send(requests, {"type": "done", **result})
    os._exit(0)


def _quote_check_lines(source):
    """Let tracebacks of check.py quote its lines (the author sees them)."""
    import linecache

    linecache.cache["check.py"] = (len(source), None, source.splitlines(True), "check.py")


# --- the fork server ------------------------------------------------------------------------------


def _serve_forks(sock_fd):
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

    _prctl(PR_SET_DUMPABLE, 0)  # no one may ptrace it or write its memory, even with the same uid
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
        _prctl(PR_SET_DUMPABLE, 1)  # the server's setting is not the child's (a user namespace needs it)
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
    isolation = _setup(job)
    if job["role"] == "candidate":
        _send(job["out_fd"], {"type": "hello", "isolation": isolation})
        _run_candidate(job)
    else:
        _run_checker(job)


def main():
    global wire
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import wire  # the encoding the parent reads (this file's directory, before any isolation)

    sys.path.pop(0)
    fd, *paths = sys.argv[sys.argv.index("--fork-server") + 1 :]
    _preload(paths)
    _serve_forks(int(fd))


def _preload(paths):
    """Import NumPy once here, so no judging pays for it (~0.3 s); its children inherit it loaded."""
    own = list(sys.path)
    sys.path[:] = paths
    try:
        import numpy  # noqa: F401
    except Exception:
        pass  # not installed, or broken: a solution that imports it gets the error itself
    sys.path[:] = own


if __name__ == "__main__":
    main()
