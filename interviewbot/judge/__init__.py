"""Code judge: run a candidate's code against a question's visible and hidden tests.

`Judge` is the interface; `LocalJudge` (the default) runs code in a local sandbox and
`Judge0Judge` sends it to a Judge0 server (an open-source code-execution service) for scale.
"""

from __future__ import annotations

from typing import Protocol

from interviewbot.judge.models import VERDICTS, FirstFailure, TestResult, Verdict
from interviewbot.questions import Question

__all__ = ["Judge", "Verdict", "TestResult", "FirstFailure", "VERDICTS", "get_judge"]


class Judge(Protocol):
    """Anything that can judge code for a question."""

    name: str

    def run(self, question: Question, code: str, *, visible_only: bool = False) -> Verdict:
        """Judge the code; `visible_only` runs just the visible tests (a dry run)."""


def get_judge(settings) -> Judge:
    """The configured judge: local sandbox by default, Judge0 when INTERVIEWBOT_JUDGE0_URL is set."""
    url = getattr(settings, "judge0_url", "")
    if url:
        from interviewbot.judge.judge0 import Judge0Judge

        return Judge0Judge(url, token=getattr(settings, "judge0_token", ""))
    from interviewbot.judge.local import LocalJudge

    return LocalJudge()
