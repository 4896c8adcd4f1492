"""The rubric scorer keeps each recent answer's assessment: other users' answers in between do not evict it."""

from __future__ import annotations

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.grading.offline import RubricScorer
from interviewbot.questions import QuestionBank


def test_interleaved_answers_are_assessed_once_each():
    first, second = [q for q in QuestionBank(load_settings()).questions() if q.reference_answer][:2]
    scorer, embedder = RubricScorer(get_embedder()), get_embedder()
    answer_a, answer_b = first.reference_answer, second.reference_answer
    kept_a = scorer.assess(first, answer_a)  # user A's follow-up check
    scorer.assess(second, answer_b)  # user B's, on the same shared scorer
    before = embedder.texts_embedded
    assert scorer.assess(first, answer_a) is kept_a  # user A's grade: nothing embedded again
    assert embedder.texts_embedded == before
    changed = scorer.assess(first, answer_a + " Also, regularisation trades variance for bias.")
    assert changed is not kept_a and embedder.texts_embedded > before  # a new answer is assessed anew
