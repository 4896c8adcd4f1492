"""Inside the sandbox, role "candidate": load the candidate's code, report its top-level names, and
serve the parent's calls, one wire-format reply (return value or error) per call.

Expected values are never sent here: the parent compares, so nothing the code does in this
process can fake a pass; the parent validates every line it writes.
Stdlib only, loaded by path by `_sandbox.py` (site-packages and interviewbot are not on the path).
"""

import builtins
import os
import sys

import wire  # the encoding the parent reads (loaded from the judge's directory, like this file)
from _sandbox_io import receive, send, write_all

STDOUT_CAP = 2000  # characters of printing kept per call (the rest still counts toward the output limit)


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
        send(results, {"type": "load", "status": "syntax_error", "error": _syntax_error(exc)})
        return None
    module = {"__name__": "solution", "__builtins__": builtins}  # the module, as a script's own is
    try:
        exec(code, module)
        if not callable(module.get(job["entry_point"])):
            raise NameError(f"the function {job['entry_point']}() is not defined")
        names = _names(module)
    except MemoryError:
        send(results, {"type": "load", "status": "memory", "error": _error(MemoryError(), "solution.py")})
        return None
    except BaseException as exc:
        send(results, {"type": "load", "status": "error", "error": _error(exc, "solution.py")})
        return None
    send(results, {"type": "load", "status": "ok", "names": names})
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
    while (call := receive(commands)) is not None:
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
        write_all(results, data)


def _failure(call, exc):
    reply = {"ok": False, "status": "error", "error": _error(exc, "solution.py")}
    return wire.dumps({**reply, "type": "result", "i": call["i"], "out": ""})


def run_candidate(job):
    """Receive the code, load it and serve calls until the parent closes the pipe (never returns)."""
    commands = os.fdopen(job["in_fd"], "rb")
    job.update(receive(commands) or {})  # the code: sent by the parent, never through the fork server
    results = job["out_fd"]
    sys.setrecursionlimit(job.get("recursion_limit", 10_000))
    module = _load_candidate(job, results)
    if module is not None:
        _serve(module, commands, results, job["value_limit"])
    os._exit(0)
