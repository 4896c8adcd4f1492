"""The judge's result types (shared by every backend)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

VERDICTS = (
    "accepted",
    "wrong_answer",
    "runtime_error",
    "time_limit_exceeded",
    "memory_limit_exceeded",
    "syntax_error",
    "output_limit_exceeded",
)
VerdictName = Literal[
    "accepted",
    "wrong_answer",
    "runtime_error",
    "time_limit_exceeded",
    "memory_limit_exceeded",
    "syntax_error",
    "output_limit_exceeded",
]
TestStatus = Literal[
    "passed",
    "wrong_answer",
    "runtime_error",
    "time_limit_exceeded",
    "memory_limit_exceeded",
    "output_limit_exceeded",
    "not_run",
]


class TestResult(BaseModel):
    """One test's outcome. Hidden tests carry no arguments or values."""

    index: int
    name: str | None = None
    hidden: bool = False
    passed: bool = False
    status: TestStatus = "not_run"
    time_ms: float | None = None


class FirstFailure(BaseModel):
    """The first failing *visible* test: what was passed, expected and returned (or raised)."""

    index: int
    name: str | None = None
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    got: Any = None
    error: str | None = None


class Verdict(BaseModel):
    """The judge's answer for one submission."""

    verdict: VerdictName
    passed: int = 0
    total: int = 0
    tests: list[TestResult] = Field(default_factory=list)
    first_failure: FirstFailure | None = None
    message: str = ""  # a one-line explanation (e.g. the syntax error, the limit hit)
    stdout_tail: str = ""
    stderr_tail: str = ""
    wall_ms: float = 0.0
    backend: str = "local"
    isolation: str = ""  # how the run was isolated, e.g. "namespaces(net,pid,mount) uid=..."

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"
