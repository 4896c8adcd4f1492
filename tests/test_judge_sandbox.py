"""The sandbox's own files (`interviewbot/judge/_sandbox*.py`): what they load, and isolation as a non-root user."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from interviewbot.judge.launcher import JUDGE_DIR
from interviewbot.judge.local import UID_BASE

# Loads the sandbox the way `_sandbox.py main()` does, then lists every module that came with it.
LOADED = """
import sys
before = set(sys.modules)
sys.path.insert(0, sys.argv[1])
import _sandbox_server
sys.path.pop(0)
new = {m: getattr(sys.modules[m], "__file__", None) for m in set(sys.modules) - before}
import json  # only now: json itself would load re and enum
print(json.dumps(new))
"""


def test_sandbox_loads_only_the_stdlib_and_its_own_files():
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", LOADED, str(JUDGE_DIR)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = json.loads(out)
    assert "_sandbox_candidate" in loaded and "_sandbox_checker" in loaded and "wire" in loaded
    stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    foreign = {
        name: path
        for name, path in loaded.items()
        if path and not path.startswith(stdlib) and os.path.dirname(path) != str(JUDGE_DIR)
    }
    assert foreign == {}, "the sandbox may load only the stdlib and the judge's own files"
    # start-up time is judged: these cost a fork server's children nothing only if never imported
    avoided = {"enum", "re", "signal", "typing", "interviewbot"}
    assert avoided.isdisjoint(loaded)


# As root, forks a child that becomes an unprivileged uid and runs the sandbox's setup(); the child
# reports how it was isolated, what it sees as /tmp and whether it could reach the test's socket.
NON_ROOT = """
import encodings.idna, json, os, socket, sys  # idna: connect() needs it once sys.path is emptied
sys.path.insert(0, sys.argv[1])
import _sandbox_isolation
workdir, uid, port = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
job = {"role": "candidate", "workdir": workdir, "uid": None, "isolate": True, "sys_path": [],
       "env": {"PATH": "/usr/bin"}, "cpu_s": 5, "memory_mb": 256, "base_memory_mb": 160,
       "file_mb": 16, "nproc": 64}
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    try:
        os.setgid(uid)
        os.setuid(uid)
        report = {"isolation": _sandbox_isolation.setup(job), "tmp": sorted(os.listdir("/tmp"))}
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            report["connected"] = True
        except OSError:
            report["connected"] = False
    except BaseException as exc:
        report = {"failed": f"{type(exc).__name__}: {exc}"}
    os.write(w, json.dumps(report).encode())
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
print(os.read(r, 4096).decode())
"""


@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="needs root to become an unprivileged uid; as non-root every judge test takes this path",
)
def test_sandbox_isolates_itself_as_a_non_root_user():
    uid = UID_BASE - 1  # below the judge's per-run uids: no real user, no judging uses it
    workdir = tempfile.mkdtemp(prefix="ibjudge-nonroot-")
    os.chown(workdir, uid, uid)
    open(os.path.join(workdir, "marker"), "w").close()
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        argv = [JUDGE_DIR, workdir, uid, listener.getsockname()[1]]
        out = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", NON_ROOT, *map(str, argv)],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    finally:
        listener.close()
        subprocess.run(["rm", "-rf", workdir], check=False)
    report = json.loads(out)
    assert "failed" not in report, report["failed"]
    assert report["connected"] is False
    if report["isolation"] == "sockets blocked (namespaces unavailable)":
        return  # no user namespaces here (the kernel or a container forbids them): the fallback held
    assert report["isolation"] == "namespaces(net,mount,pid)+user"
    assert "marker" in report["tmp"]  # the work dir is its /tmp
