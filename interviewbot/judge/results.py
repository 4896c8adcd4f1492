"""From validated replies to test results and the verdict (the same rules for every backend)."""

from __future__ import annotations

from interviewbot.judge.compare import normalise, values_equal
from interviewbot.judge.explain import default_test_name, first_difference
from interviewbot.judge.models import CodeError, FirstFailure, TestResult, Verdict
from interviewbot.judge.protocol import Reply
from interviewbot.questions import TestCase


def named_results(tests: list[TestCase], check: bool = False) -> list[TestResult]:
    """One result per test, named: the set's `name`, else the args (visible) or "hidden N"."""
    results, hidden = [], 0
    for i, t in enumerate(tests):
        hidden += t.hidden
        name = t.name or (f"hidden {hidden}" if t.hidden else default_test_name(t.args, t.kwargs))
        results.append(TestResult(index=i, name=name, hidden=t.hidden))
    if check:
        results.append(TestResult(index=len(tests), name="check", hidden=True))
    return results


def one_line(error: CodeError | None) -> str:
    """ "ZeroDivisionError: division by zero" (with the line for a syntax error)."""
    if error is None:
        return ""
    where = f" (solution.py, line {error.line})" if error.line and not error.frames else ""
    return f"{error.type}: {error.message}{where}" if error.message else error.type


def outcome(reply: Reply, test: TestCase) -> tuple[object, str, str | None]:
    """(the value as plain data, the test status, the error line) for one reply."""
    if not reply.ok:
        status = "memory_limit_exceeded" if reply.status == "memory" else "runtime_error"
        return None, status, one_line(reply.error)
    try:
        got = normalise(reply.value)
    except TypeError as exc:  # bytes, complex...: not comparable with a JSON `expected`
        return None, "runtime_error", f"TypeError: {exc}"
    return got, ("passed" if values_equal(got, test.expected) else "wrong_answer"), None


def record(verdict: Verdict, i: int, test: TestCase, reply: Reply, ms: float | None) -> None:
    """Score test i: its result, the verdict's counts, message, error and first visible failure."""
    result = verdict.tests[i]
    result.time_ms = None if ms is None else round(ms, 3)
    if not test.hidden:
        result.stdout = reply.out
    got, status, error = outcome(reply, test)
    result.status, result.passed = status, status == "passed"
    if result.passed:
        verdict.passed += 1
        return
    if verdict.verdict == "accepted":
        verdict.verdict, verdict.message, verdict.error = status, error or "", reply.error
    if not test.hidden and verdict.first_failure is None:
        verdict.first_failure = FirstFailure(
            index=i,
            name=result.name,
            args=test.args,
            kwargs=test.kwargs,
            expected=test.expected,
            got=got,
            error=error,
            diff_path=first_difference(got, test.expected) if status == "wrong_answer" else None,
            stdout=reply.out,
        )
