"""Judge0 backend: the same `Judge` interface over Judge0's HTTP submission API, for scale.

One submission per run: the candidate's code plus a small driver that reads the tests' arguments
from stdin and prints each normalised return value on a line tagged with a per-run nonce.
Expected values are never sent; the comparison happens here, with the same rules as the local
judge. (`check` code needs the local judge: it would have to run beside the candidate's code.)
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import httpx

from interviewbot.errors import JudgeError
from interviewbot.judge.compare import values_equal
from interviewbot.judge.models import FirstFailure, TestResult, Verdict
from interviewbot.questions import Question

PYTHON_LANGUAGE_ID = 71  # "Python (3.8.1)" on a stock Judge0 CE
_COMPARE_SOURCE = (Path(__file__).resolve().parent / "compare.py").read_text(encoding="utf-8")
_STATUS = {5: "time_limit_exceeded", 6: "syntax_error"}

_DRIVER = """
import json as _ib_json, sys as _ib_sys, time as _ib_time
_ib_ns = {}
exec(%(compare)r, _ib_ns)
_ib_job = _ib_json.loads(_ib_sys.stdin.readline())
_ib_fn = globals().get(_ib_job["entry_point"])
for _ib_i, _ib_case in enumerate(_ib_job["tests"]):
    _ib_t = _ib_time.perf_counter()
    try:
        _ib_out = {"ok": True, "got": _ib_ns["normalise"](_ib_fn(*_ib_case["args"], **_ib_case["kwargs"]))}
    except MemoryError:
        _ib_out = {"ok": False, "status": "memory", "error": "MemoryError"}
    except BaseException as _ib_e:
        _ib_out = {"ok": False, "error": (type(_ib_e).__name__ + ": " + str(_ib_e))[:2000]}
    _ib_out.update(i=_ib_i, ms=(_ib_time.perf_counter() - _ib_t) * 1000)
    _ib_sys.stdout.write("\\n%(nonce)s" + _ib_json.dumps(_ib_out) + "\\n")
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
        tests = question.visible_tests if visible_only else list(question.tests)
        nonce = secrets.token_hex(8)
        source = code + "\n\n" + _DRIVER % {"compare": _COMPARE_SOURCE, "nonce": f"@@IB{nonce}@@"}
        stdin = json.dumps(
            {
                "entry_point": question.entry_point,
                "tests": [{"args": t.args, "kwargs": t.kwargs} for t in tests],
            }
        )
        started = time.perf_counter()
        result = self._submit(source, stdin, question, len(tests))
        verdict = _verdict(result, tests, f"@@IB{nonce}@@")
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


def _verdict(result: dict, tests, marker: str) -> Verdict:
    status_id = (result.get("status") or {}).get("id", 13)
    stdout = result.get("stdout") or ""
    replies = {}
    for line in stdout.splitlines():
        if line.startswith(marker):
            try:
                reply = json.loads(line[len(marker) :])
            except ValueError:
                continue
            replies.setdefault(reply.get("i"), reply)  # first reply per test wins
    verdict = Verdict(
        verdict="accepted",
        total=len(tests),
        backend="judge0",
        isolation="judge0",
        stdout_tail=stdout[-2000:],
        stderr_tail=(result.get("stderr") or result.get("compile_output") or "")[-2000:],
        tests=[TestResult(index=i, name=t.name, hidden=t.hidden) for i, t in enumerate(tests)],
    )
    if status_id == 6 or "SyntaxError" in (result.get("stderr") or "") and not replies:
        verdict.verdict, verdict.message = "syntax_error", (result.get("stderr") or "")[-500:]
        return verdict
    for i, test in enumerate(tests):
        reply = replies.get(i)
        res = verdict.tests[i]
        if reply is None:
            res.status = _STATUS.get(status_id, "runtime_error")
            if verdict.verdict == "accepted":
                verdict.verdict = res.status
                verdict.message = result.get("message") or (result.get("status") or {}).get("description", "")
            continue
        res.time_ms = round(float(reply.get("ms") or 0), 3)
        if reply.get("ok") and values_equal(reply.get("got"), test.expected):
            res.passed, res.status = True, "passed"
            verdict.passed += 1
            continue
        res.status = (
            "memory_limit_exceeded"
            if reply.get("status") == "memory"
            else ("wrong_answer" if reply.get("ok") else "runtime_error")
        )
        if verdict.verdict == "accepted":
            verdict.verdict, verdict.message = res.status, reply.get("error") or ""
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
    return verdict
