"""The offline rubric grader: robustness to bad answers, strong beats weak, cited feedback, eval CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.grading.offline import OfflineGrader
from interviewbot.index import KnowledgeIndex
from interviewbot.questions import QuestionBank

ROOT = Path(__file__).resolve().parent.parent
BANK = QuestionBank(load_settings())
PAIRS = yaml.safe_load((ROOT / "tests/data/answer_pairs.yaml").read_text())


@pytest.fixture
def grader(indexed_home):
    return OfflineGrader(get_embedder(), KnowledgeIndex(load_settings()), k=4)


def _score(grader, qid: str, answer: str) -> float:
    return grader.grade(BANK.get(qid), answer).feedback.score


def test_strong_answer_outscores_weak_for_every_pair(grader, capsys):
    assert len(PAIRS) >= 30
    losers = []
    margins = []
    for pair in PAIRS:
        strong, weak = (
            _score(grader, pair["question_id"], pair["strong"]),
            _score(grader, pair["question_id"], pair["weak"]),
        )
        margins.append(strong - weak)
        if strong <= weak:
            losers.append((pair["question_id"], strong, weak))
    with capsys.disabled():
        print(
            f"\nstrong > weak in {len(PAIRS) - len(losers)}/{len(PAIRS)} pairs; "
            f"mean margin {sum(margins) / len(margins):.2f}"
        )
    assert losers == []


BAD_ANSWERS = {
    "one_word": lambda q: "overfitting",
    "off_topic": lambda q: (
        "My favourite pasta recipe uses fresh basil, garlic, olive oil and a lot of parmesan cheese."
    ),
    "copy_question": lambda q: q.prompt,
    "keyword_stuffed": lambda q: (
        " ".join(kp.text.split()[0] + " " + kp.text.split()[-1] for kp in q.key_points) * 3
    ),
    "repetitive": lambda q: "I think it is important. " * 40,
}
QUESTION_IDS = ["mlt-bias-variance", "mla-bagging-vs-boosting", "bh-mistake"]


@pytest.mark.parametrize("kind", sorted(BAD_ANSWERS))
@pytest.mark.parametrize("qid", QUESTION_IDS)
def test_bad_answers_score_low(grader, kind, qid):
    q = BANK.get(qid)
    bad = _score(grader, qid, BAD_ANSWERS[kind](q))
    good = _score(grader, qid, q.reference_answer)
    assert bad <= 3.0, (kind, bad)
    assert good >= 7.0 and good - bad >= 4.0


def test_empty_answer_scores_zero(grader):
    fb = grader.grade(BANK.get("mlt-bias-variance"), "").feedback
    assert fb.score == 0 and all(kp.status == "missed" for kp in fb.key_points)


def test_feedback_has_evidence_citations_and_next_step(grader):
    q = BANK.get("mlt-bias-variance")
    answer = (
        "Bias is the error from overly simple assumptions, which makes a model underfit. That is all I know."
    )
    result = grader.grade(q, answer)
    fb = result.feedback
    covered = [kp for kp in fb.key_points if kp.status != "missed"]
    assert covered and all(kp.evidence and kp.evidence in answer for kp in covered)
    assert any(kp.status == "missed" for kp in fb.key_points)
    retrieved = {h.id for h in result.retrieved}
    assert fb.citations and all(c.chunk_id in retrieved and c.quote and c.heading for c in fb.citations)
    assert fb.next_step and fb.citations[0].source.startswith("guides/")


def test_hints_cap_the_score(grader):
    q = BANK.get("mlt-bias-variance")
    assert grader.grade(q, q.reference_answer, hints_used=2).feedback.score <= 7.0


def test_huge_answer_is_graded_quickly_and_bounded(grader):
    q = BANK.get("mlt-bias-variance")
    fb = grader.grade(q, (q.reference_answer + " ") * 200).feedback
    assert 0 <= fb.score <= 10


def test_cli_eval_grading_prints_agreement(indexed_home):
    res = CliRunner().invoke(cli, ["eval", "grading", str(ROOT / "tests/data/graded_answers.csv"), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["n"] >= 80 and set(report) >= {"pearson", "spearman", "rmse"}
    assert report["pearson"] > 0.5 and report["spearman"] > 0.5


def test_cli_grade_json_and_errors(indexed_home, tmp_path):
    answer = tmp_path / "a.txt"
    answer.write_text("Bias is underfitting from simple assumptions; variance is overfitting to the sample.")
    qfile = str(ROOT / "knowledge/questions/ml_theory_core.yaml")
    res = CliRunner().invoke(
        cli,
        ["grade", "--set", qfile, "--question", "mlt-bias-variance", "--answer-file", str(answer), "--json"],
    )
    data = json.loads(res.output)
    assert res.exit_code == 0 and 0 <= data["score"] <= 10 and data["citations"] and data["key_points"]
    empty = tmp_path / "e.txt"
    empty.write_text("  \n")
    res = CliRunner().invoke(
        cli, ["grade", "--set", qfile, "--question", "mlt-bias-variance", "--answer-file", str(empty)]
    )
    assert res.exit_code == 1 and "empty" in res.output
    res = CliRunner().invoke(
        cli, ["grade", "--set", qfile, "--question", "mlt-bias", "--answer-file", str(answer)]
    )
    assert res.exit_code == 1 and "no question 'mlt-bias'" in res.output
