"""The shipped knowledge: guide structure and size, the question bank's coverage, retrieval quality."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from interviewbot.config import load_settings
from interviewbot.index import KnowledgeIndex
from interviewbot.questions import DESIGN_PHASES, DIFFICULTIES, STAR_PHASES, TRACKS, QuestionBank

ROOT = Path(__file__).resolve().parent.parent
GUIDES = sorted((ROOT / "knowledge/guides").glob("*.md"))
HEADING = re.compile(r"^(#{1,6})\s+\S")
FENCE = re.compile(r"^\s*(```|~~~)")


def _blocks(path: Path) -> list[tuple[str, list[str]]]:
    """(heading, body lines) for every heading of a guide, fences respected."""
    blocks, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        if not fenced and HEADING.match(line):
            blocks.append((line, []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def test_guides_count_and_words():
    words = {p.name: len(p.read_text(encoding="utf-8").split()) for p in GUIDES}
    assert len(GUIDES) >= 12
    assert sum(words.values()) >= 20_000
    assert min(words.values()) >= 1_200, words


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_guide_structure(path):
    blocks = _blocks(path)
    assert blocks[0][0].startswith("# ") and sum(h.startswith("# ") for h, _ in blocks) == 1
    assert sum(h.startswith("## ") for h, _ in blocks) >= 6
    for heading, body in blocks:
        prose = " ".join(line for line in body if line.strip() and not line.lstrip().startswith(("|", "```")))
        assert len(prose.split()) >= 20, f"{path.name}: section {heading!r} is empty or nearly so"
    assert blocks[-1][0].strip() == "## Interview angle"


REQUIRED_TOPICS = [
    "role",
    "programming",
    "linear algebra",
    "probability",
    "missing",
    "imbalanced",
    "sql",
    "supervised",
    "unsupervised",
    "reinforcement",
    "ensemble",
    "convolutional",
    "recurrent",
    "transformer",
    "language model",
    "precision",
    "a/b test",
    "docker",
    "kubernetes",
    "ci/cd",
    "serving",
    "experiment tracking",
    "drift",
    "sagemaker",
    "vertex",
    "recommendation",
    "fraud",
    "search ranking",
    "behavioral",
    "portfolio",
]


def test_guides_cover_the_syllabus():
    text = " ".join(p.read_text(encoding="utf-8").lower() for p in GUIDES)
    assert [t for t in REQUIRED_TOPICS if t not in text] == []


# --- the built-in question bank ------------------------------------------------------------------

BANK = QuestionBank(load_settings())
ALL = [q for s in BANK.all_sets() for q in s.questions]


def test_bank_sizes_per_track():
    counts = Counter(q.track for q in ALL)
    assert counts["ml_theory"] >= 70 and counts["coding"] >= 40
    assert counts["system_design"] >= 25 and counts["behavioral"] >= 15
    ml_coding = [q for q in ALL if q.track == "coding" and "numpy" in q.topics]
    assert len(ml_coding) >= 15


def test_bank_ids_unique_and_coverage():
    ids = [q.id for q in ALL]
    assert len(ids) == len(set(ids))
    assert {q.track for q in ALL} == set(TRACKS)
    for track in TRACKS:
        assert {q.difficulty for q in ALL if q.track == track} == set(DIFFICULTIES), track
    assert len({t for q in ALL for t in q.topics}) >= 20


@pytest.mark.parametrize("question", ALL, ids=lambda q: q.id)
def test_bank_question_complete(question):
    q = question
    assert q.topics and len(q.key_points) >= 1 and q.reference_answer.strip()
    assert len(q.hints) >= 2 and len(q.follow_ups) >= 1 and not q.needs_rubric
    if q.track == "coding":
        assert len(q.tests) >= 6 and len(q.hidden_tests) >= 3 and q.reference_solution
        assert q.starter_code and q.entry_point in q.starter_code
    if q.track == "system_design":
        assert {kp.phase for kp in q.key_points} >= set(DESIGN_PHASES)
    if q.track == "behavioral":
        assert {kp.phase for kp in q.key_points} >= set(STAR_PHASES)


# --- retrieval quality ------------------------------------------------------------------------------

PAIRS = [
    p for f in sorted((ROOT / "tests/data/recall").glob("*.yaml")) for p in yaml.safe_load(f.read_text())
]


def test_recall_table_is_big_enough():
    assert len(PAIRS) >= 25


def test_search_recall_at_3(indexed_home, capsys):
    index = KnowledgeIndex(load_settings())
    results = index.search_many([p["query"] for p in PAIRS], k=3)
    misses = []
    for pair, hits in zip(PAIRS, results):
        if not any(
            h.source == pair["source"] and h.heading.rsplit(" > ", 1)[-1] == pair["heading"] for h in hits
        ):
            misses.append((pair["query"], pair["heading"], [h.heading for h in hits]))
    recall = 1 - len(misses) / len(PAIRS)
    with capsys.disabled():
        print(f"\nretrieval recall@3 = {recall:.3f} over {len(PAIRS)} query -> section pairs")
    assert recall >= 0.9, misses


def test_bias_variance_query_returns_its_section_first(indexed_home):
    top = KnowledgeIndex(load_settings()).search("bias variance tradeoff", k=1)[0]
    assert top.source == "guides/06-supervised-learning.md" and top.heading.endswith(
        "The bias-variance tradeoff"
    )
