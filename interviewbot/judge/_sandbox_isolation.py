"""Inside the sandbox: a forked child isolates itself (namespaces, an empty /tmp, limits, an unprivileged
uid, no new privileges) before it runs any code.

Stdlib only, loaded by path by `_sandbox.py` (site-packages and interviewbot are not on the path).
"""

import _signal as signal  # the C module: `signal` would import enum (start-up time is judged)
import ctypes
import os
import resource
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_RDONLY = 4096, 16384, 1 << 18, 2, 4, 32, 1
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 4, 38, 1
_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option, value):
    """prctl(2) where it exists (Linux); elsewhere a no-op."""
    if hasattr(_libc, "prctl"):
        _libc.prctl(option, value, 0, 0, 0)


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _write_file(path, text):
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
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"0 {uid} 1")
        _write_file("/proc/self/gid_map", f"0 {gid} 1")
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
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def setup(job):
    """Isolate this process as `job` says, limit it and drop privileges; how it is isolated."""
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
        prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    sys.path[:] = job["sys_path"]
    _limit(job)
    _drop_privileges(job)
    os.environ.clear()
    os.environ.update(job["env"])
    return isolation
