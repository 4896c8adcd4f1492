"""Entry points the CLI uses for one-off grading and grader evaluation."""

from __future__ import annotations

from pathlib import Path

from interviewbot.answers import clean_answer, read_text_file
from interviewbot.errors import NotFoundError
from interviewbot.grading.evaluation import evaluate_grader, load_graded_csv
from interviewbot.grading.feedback import Feedback
from interviewbot.questions import QuestionBank, load_question_set


def _grader(settings, with_index: bool = True):
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex

    index = None
    if with_index:
        index = KnowledgeIndex(settings, embedder=get_embedder())
        if not index.is_built():
            index.ingest(QuestionBank(settings).all_sets())
    return OfflineGrader(get_embedder(), index, k=settings.retrieval_k)


def grade_answer_file(settings, set_file: str, question_id: str, answer_file: str) -> Feedback:
    """Grade one answer to one question of a set file."""
    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        ids = ", ".join(q.id for q in qset.questions[:10])
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; it has: {ids}"
            + (" ..." if len(qset.questions) > 10 else "")
            + "."
        )
    answer = clean_answer(read_text_file(answer_file))
    return _grader(settings).grade(question, answer).feedback


def evaluate_file(settings, csv_file: str) -> dict:
    """Agreement of the offline grader with the human scores in a CSV."""
    rows = load_graded_csv(csv_file)
    return evaluate_grader(_grader(settings, with_index=False), rows)
