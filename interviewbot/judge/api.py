"""Entry point the CLI uses to judge a solution file."""

from __future__ import annotations

from pathlib import Path

from interviewbot.answers import clean_code, read_text_file
from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.judge import get_judge
from interviewbot.judge.models import Verdict
from interviewbot.questions import load_question_set


def judge_file(
    settings, solution: str, set_file: str, question_id: str, visible_only: bool = False
) -> Verdict:
    """Judge a solution file against one coding question of a set file."""
    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        coding = ", ".join(q.id for q in qset.questions if q.track == "coding")[:400]
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; coding questions: {coding or 'none'}."
        )
    if question.track != "coding":
        raise ValidationError(
            f"{question_id} is a {question.track} question; only coding questions can be judged. "
            f"Use `interviewbot grade` for text answers."
        )
    code = read_text_file(solution, "solution")
    return get_judge(settings).run(question, clean_code(code), visible_only=visible_only)
