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


VERDICT_WORDS = {
    "accepted": "Accepted",
    "wrong_answer": "Wrong answer",
    "runtime_error": "Runtime error",
    "time_limit_exceeded": "Time limit exceeded",
    "memory_limit_exceeded": "Memory limit exceeded",
    "syntax_error": "Syntax error",
    "output_limit_exceeded": "Output limit exceeded",
    "passed": "Passed",
    "not_run": "Not run",
}


class Frame(BaseModel):
    """One traceback frame in the candidate's own file."""

    line: int
    function: str
    code: str = ""


class CodeError(BaseModel):
    """An error located in the candidate's code: a syntax error (line, column) or an exception (frames)."""

    type: str  # e.g. "SyntaxError", "ZeroDivisionError"
    message: str = ""
    line: int | None = None
    column: int | None = None  # 1-based; syntax errors only
    end_column: int | None = None
    code: str = ""  # the source line at `line` (syntax errors)
    frames: list[Frame] = Field(default_factory=list)  # outermost first, solution.py only
    omitted_frames: int = 0  # frames left out of a very deep traceback (recursion)


class TestResult(BaseModel):
    """One test's outcome. Hidden tests carry no arguments, values or output."""

    index: int
    name: str | None = None  # the set's `name`, else a short form of the args ("hidden 3" if hidden)
    hidden: bool = False
    passed: bool = False
    status: TestStatus = "not_run"
    time_ms: float | None = None
    stdout: str = ""  # what the code printed during this test (visible tests, capped)


class FirstFailure(BaseModel):
    """The first failing *visible* test: what was passed, expected and returned (or raised)."""

    index: int
    name: str | None = None
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    got: Any = None  # the returned value as plain JSON data (see compare.normalise)
    error: str | None = None
    diff_path: str | None = None  # where got first differs from expected, e.g. "[2]" or '["inertia"]'
    stdout: str = ""


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
    error: CodeError | None = None  # the syntax error, or the exception that decided the verdict
    # For the question's author only (hidden check code, its traceback): never stored or shown to
    # the candidate, so it is left out of model_dump(); `judge --verbose` prints it.
    author_detail: str = Field(default="", exclude=True)

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    @property
    def words(self) -> str:
        """The verdict in plain words ("Wrong answer")."""
        return VERDICT_WORDS[self.verdict]
