"""Entry points the CLI uses for one-off grading and grader evaluation."""

from __future__ import annotations

import sys
from pathlib import Path

from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.grading.evaluation import evaluate_grader, load_graded_csv
from interviewbot.grading.feedback import Feedback
from interviewbot.questions import load_question_set


def _grader(settings, with_index: bool = True):
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex

    index = None
    if with_index:
        index = KnowledgeIndex(settings, embedder=get_embedder())
        if not index.is_built():
            index.ingest()
    return OfflineGrader(get_embedder(), index, k=settings.retrieval_k)


def read_answer(answer_file: str) -> str:
    """The answer text from a file or stdin ('-'), with clear errors."""
    if answer_file == "-":
        return sys.stdin.read()
    path = Path(answer_file)
    if not path.is_file():
        raise ValidationError(f"{answer_file}: no such answer file.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{answer_file}: not UTF-8 text; save the answer as plain text.") from None


def grade_answer_file(settings, set_file: str, question_id: str, answer_file: str) -> Feedback:
    """Grade one answer to one question of a set file."""
    from interviewbot.interview import clean_answer

    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        ids = ", ".join(q.id for q in qset.questions[:10])
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; it has: {ids}"
            + (" ..." if len(qset.questions) > 10 else "")
            + "."
        )
    answer = clean_answer(read_answer(answer_file))
    return _grader(settings).grade(question, answer).feedback


def evaluate_file(settings, csv_file: str) -> dict:
    """Agreement of the offline grader with the human scores in a CSV."""
    rows = load_graded_csv(csv_file)
    return evaluate_grader(_grader(settings, with_index=False), rows)
