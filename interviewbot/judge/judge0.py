"""Judge0 backend: the same `Judge` interface over Judge0's HTTP submission API, for scale.

One submission per run: the candidate's code plus a small driver that reads the tests' arguments
from stdin and prints each return value (in the judge's wire format, with what the test printed)
on a line tagged with a per-run nonce. Every tagged line is validated like the local judge's
protocol; expected values are never sent, the comparison happens here. Syntax errors are found
here (compiling is safe; nothing runs) so they are located like the local judge's.

What it cannot do: `check` code needs the candidate's code in a process of its own that the
check calls into, which one Judge0 submission cannot give (run in the same process, the code
could fake the check's outcome); questions with `check` are judged by the local judge instead,
and the verdict's `backend` says so.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx

from interviewbot.errors import JudgeError
from interviewbot.judge import protocol, results, wire
from interviewbot.judge.models import CodeError, Verdict
from interviewbot.judge.protocol import INTERFERENCE, ProtocolViolation
from interviewbot.questions import Question

PYTHON_LANGUAGE_ID = 71  # "Python (3.8.1)" on a stock Judge0 CE
_WIRE_SOURCE = (Path(__file__).resolve().parent / "wire.py").read_text(encoding="utf-8")
_STATUS = {5: "time_limit_exceeded", 6: "syntax_error"}

_DRIVER = """
import io as _ib_io, json as _ib_json, sys as _ib_sys
_ib_w = {}
exec(%(wire)r, _ib_w)
_ib_file, _ib_lines = _ib_sys._getframe().f_code.co_filename, %(lines)d


def _ib_error(e):
    frames, tb = [], e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _ib_file and tb.tb_lineno <= _ib_lines:
            frames.append([tb.tb_lineno, tb.tb_frame.f_code.co_name[:200]])
        tb = tb.tb_next
    omitted = max(0, len(frames) - 30)
    frames = frames[:5] + frames[5 + omitted:] if omitted else frames
    return {"type": type(e).__name__[:100], "message": str(e)[:2000], "frames": frames, "omitted": omitted}


_ib_job = _ib_json.loads(_ib_sys.stdin.readline())
_ib_fn = globals().get(_ib_job["entry_point"])
_ib_real = _ib_sys.stdout
for _ib_i, _ib_case in enumerate(_ib_job["tests"], 1):
    _ib_sys.stdout = _ib_io.StringIO()
    try:
        _ib_args = _ib_w["decode"](_ib_case["args"], "numpy")
        _ib_v = _ib_fn(*_ib_args, **_ib_w["decode"](_ib_case["kwargs"], "numpy"))
        _ib_out = {"ok": True, "value": _ib_w["encode"](_ib_v)}
    except MemoryError:
        _ib_out = {"ok": False, "status": "memory", "error": _ib_error(MemoryError())}
    except BaseException as _ib_e:
        _ib_out = {"ok": False, "status": "error", "error": _ib_error(_ib_e)}
    _ib_printed, _ib_sys.stdout = _ib_sys.stdout.getvalue(), _ib_real
    _ib_out.update(type="result", i=_ib_i, out=_ib_printed[:2000])
    try:
        _ib_line = _ib_w["dumps"](_ib_out).decode()
    except (TypeError, ValueError) as _ib_e:
        _ib_line = _ib_w["dumps"]({"type": "result", "i": _ib_i, "ok": False, "status": "error",
                                   "error": _ib_error(_ib_e), "out": ""}).decode()
    _ib_sys.stdout.write(_ib_printed + "\\n%(nonce)s" + _ib_line)
    _ib_sys.stdout.flush()
"""


class Judge0Judge:
    """Runs candidate code on a Judge0 server (`INTERVIEWBOT_JUDGE0_URL`)."""

    name = "judge0"

    def __init__(
        self, url: str, token: str = "", timeout_s: float = 60.0, language_id: int = PYTHON_LANGUAGE_ID
    ):
        self.url = url.rstrip("/")
        self.headers = {"X-Auth-Token": token} if token else {}
        self.timeout_s = timeout_s
        self.language_id = language_id

    def run(self, question: Question, code: str, *, visible_only: bool = False) -> Verdict:
        """Judge `code` on the Judge0 server (a question with `check` code: on the local judge)."""
        if question.check and not visible_only:
            return _judge_locally(question, code)
        tests = question.visible_tests if visible_only else list(question.tests)
        syntax = _syntax_error(code)
        if syntax is not None:
            return _verdict_of_syntax_error(syntax, tests)
        marker = f"@@IB{secrets.token_hex(8)}@@"
        driver = _DRIVER % {"wire": _WIRE_SOURCE, "lines": len(code.splitlines()), "nonce": marker}
        cases = [{"args": wire.encode(t.args), "kwargs": wire.encode(t.kwargs)} for t in tests]
        stdin = json.dumps({"entry_point": question.entry_point, "tests": cases})
        started = time.perf_counter()
        result = self._submit(code + "\n\n" + driver, stdin, question, len(tests))
        verdict = _verdict(result, tests, marker, code)
        verdict.wall_ms = round((time.perf_counter() - started) * 1000, 1)
        return verdict

    def _submit(self, source: str, stdin: str, question: Question, n_tests: int) -> dict:
        body = {
            "source_code": source,
            "language_id": self.language_id,
            "stdin": stdin,
            "cpu_time_limit": question.time_limit_s * max(1, n_tests),
            "wall_time_limit": question.time_limit_s * max(1, n_tests) + 5,
            "memory_limit": (question.memory_limit_mb + 64) * 1024,
            "enable_network": False,
        }
        try:
            resp = httpx.post(
                f"{self.url}/submissions",
                params={"base64_encoded": "false", "wait": "true"},
                json=body,
                headers=self.headers,
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise JudgeError(
                f"cannot reach the Judge0 server at {self.url}: {exc}. "
                "Check INTERVIEWBOT_JUDGE0_URL, or unset it to use the local judge."
            ) from exc
        if resp.status_code >= 400:
            raise JudgeError(f"Judge0 at {self.url} answered HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            return resp.json()
        except ValueError:
            raise JudgeError(f"Judge0 at {self.url} returned something that is not JSON.") from None


def _judge_locally(question: Question, code: str) -> Verdict:
    from interviewbot.judge.local import LocalJudge

    verdict = LocalJudge().run(question, code)
    verdict.backend = "local (check code needs the local judge)"
    return verdict


def _syntax_error(code: str) -> CodeError | None:
    """The located syntax error, found by compiling here (nothing runs); None when it compiles."""
    try:
        compile(code, "solution.py", "exec")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        lines = code.splitlines()
        return CodeError(
            type=type(exc).__name__,
            message=str(getattr(exc, "msg", exc)),
            line=line,
            column=getattr(exc, "offset", None),
            end_column=getattr(exc, "end_offset", None),
            code=lines[line - 1] if line and 0 < line <= len(lines) else "",
        )
    except (RecursionError, MemoryError):
        return CodeError(type="SyntaxError", message="the code is too deeply nested to compile")
    return None


def _verdict_of_syntax_error(error: CodeError, tests) -> Verdict:
    verdict = Verdict(verdict="syntax_error", total=len(tests), backend="judge0", isolation="judge0")
    verdict.tests, verdict.error, verdict.message = (
        results.named_results(tests),
        error,
        results.one_line(error),
    )
    return verdict


def _replies(stdout: str, marker: str, code: str, n_tests: int) -> dict[int, protocol.Reply]:
    """The first valid reply per test from the tagged lines; ProtocolViolation for a malformed one."""
    replies: dict[int, protocol.Reply] = {}
    for line in stdout.splitlines():
        if not line.startswith(marker):
            continue
        msg = protocol.parse(line[len(marker) :].encode("utf-8", "replace"))
        i = msg.get("i")
        if type(i) is not int or not 1 <= i <= n_tests:
            raise ProtocolViolation(f"a reply to test {str(i)[:20]}, which was never asked")
        replies.setdefault(i - 1, protocol.read_result(msg, i, code))  # a later copy cannot overrule
    return replies


def _verdict(result: dict, tests, marker: str, code: str) -> Verdict:
    status_id = (result.get("status") or {}).get("id", 13)
    stdout = result.get("stdout") or ""
    verdict = Verdict(
        verdict="accepted",
        total=len(tests),
        backend="judge0",
        isolation="judge0",
        stdout_tail=stdout[-2000:],
        stderr_tail=(result.get("stderr") or result.get("compile_output") or "")[-2000:],
        tests=results.named_results(tests),
    )
    try:
        replies = _replies(stdout, marker, code, len(tests))
    except ProtocolViolation as exc:
        verdict.verdict = "runtime_error"
        verdict.message = f"{INTERFERENCE}: its output to the judge carried {exc}."
        return verdict
    for i, test in enumerate(tests):
        if i in replies:
            results.record(verdict, i, test, replies[i], None)
            continue
        verdict.tests[i].status = _STATUS.get(status_id, "runtime_error")
        if verdict.verdict == "accepted":
            verdict.verdict = verdict.tests[i].status
            verdict.message = result.get("message") or (result.get("status") or {}).get("description", "")
    return verdict
