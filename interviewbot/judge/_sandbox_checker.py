"""Inside the sandbox, role "checker": run a question's `check(candidate)` code in its own work dir.

Its calls to `candidate` and to the candidate's other top-level names go to the parent, which
relays them to the candidate's process; it reports the outcome to the parent. It makes itself
non-dumpable (see `_sandbox_isolation.setup`) so the candidate cannot read or trace it.
Stdlib only, loaded by path by `_sandbox.py` (site-packages and interviewbot are not on the path).
"""

import os

import wire  # the encoding the parent reads (loaded from the judge's directory, like this file)
from _sandbox_io import receive, send


class CandidateError(Exception):
    """The candidate's function raised an exception that is not a builtin one."""


# Tracebacks shown to authors name it as they did when it lived in the __main__ script.
CandidateError.__module__ = "__main__"


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
        send(self.requests, {"type": "call", **request})
        reply = receive(self.replies)
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


def run_checker(job):
    """Receive the check code, wait for the start signal, run the check, report it (never returns)."""
    requests = job["out_fd"]
    replies = os.fdopen(job["in_fd"], "rb")
    job.update(receive(replies) or {})  # the check code: sent by the parent, never through the fork server
    start = receive(replies)  # {"names": [...], "entry_point": ...} once the tests have passed
    if start is None:
        os._exit(0)
    _quote_check_lines(job["check"])
    result = _run_check(job, start, _Candidate(requests, replies))
    send(requests, {"type": "done", **result})
    os._exit(0)


def _quote_check_lines(source):
    """Let tracebacks of check.py quote its lines (the author sees them)."""
    import linecache

    linecache.cache["check.py"] = (len(source), None, source.splitlines(True), "check.py")
