"""The Chroma index: incremental ingest (counted), search, reopen, rebuild."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.index import GUIDES, QUESTIONS, KnowledgeIndex
from interviewbot.questions import QuestionBank

GUIDE_A = """# Alpha guide

Intro to alpha.

## Gradient descent

Gradient descent moves the weights a small step against the gradient of the loss.

## Learning rate schedules

Warm-up and cosine decay change the step size over training.
"""

GUIDE_B = """# Beta guide

## Precision and recall

Precision is the share of predicted positives that are real; recall is the share of real positives found.
"""

QSET = """name: builtin-mini
questions:
  - id: mlt-gd
    track: ml_theory
    topics: [optimization]
    prompt: Explain gradient descent.
    key_points: [moves against the gradient]
"""


@pytest.fixture
def knowledge(tmp_path, monkeypatch):
    root = tmp_path / "knowledge"
    (root / "guides").mkdir(parents=True)
    (root / "questions").mkdir()
    (root / "guides" / "a.md").write_text(GUIDE_A)
    (root / "guides" / "b.md").write_text(GUIDE_B)
    (root / "questions" / "mini.yaml").write_text(QSET)
    monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(root))
    return root


def _index():
    return KnowledgeIndex(load_settings(), embedder=get_embedder())


def _ingest(index, **kwargs):
    """Ingest the guides and the question sets of this test's knowledge dir."""
    return index.ingest(QuestionBank(index.settings).all_sets(), **kwargs)


def test_ingest_then_search(knowledge):
    index = _index()
    report = _ingest(index)
    assert report.guides.embedded == 4 and report.questions.embedded == 1
    hits = index.search("how does precision differ from recall", k=2)
    assert hits[0].heading == "Beta guide > Precision and recall"
    assert hits[0].source == "guides/b.md" and 0 < hits[0].score <= 1
    assert index.search("   ") == []


def test_reingest_unchanged_embeds_nothing(knowledge):
    index = _index()
    _ingest(index)
    before = index.embedder.texts_embedded
    report = _ingest(index)
    assert report.embedded == 0 and index.embedder.texts_embedded == before
    assert report.guides.unchanged == 4 and report.questions.unchanged == 1


def test_edit_one_guide_reembeds_only_its_changed_chunks(knowledge):
    index = _index()
    _ingest(index)
    before = index.embedder.texts_embedded
    path = knowledge / "guides" / "a.md"
    path.write_text(path.read_text().replace("Warm-up and cosine", "Linear warm-up and cosine"))
    report = _ingest(index)
    assert report.guides.embedded == 1 and report.guides.deleted == 1 and report.guides.unchanged == 3
    assert index.embedder.texts_embedded - before == 1
    assert index.count(GUIDES) == 4


def test_removed_guide_chunks_are_deleted(knowledge):
    index = _index()
    _ingest(index)
    (knowledge / "guides" / "b.md").unlink()
    report = _ingest(index)
    assert report.guides.deleted == 1 and index.count(GUIDES) == 3


def test_rebuild_embeds_everything(knowledge):
    index = _index()
    _ingest(index)
    report = _ingest(index, rebuild=True)
    assert report.guides.embedded == 4 and report.questions.embedded == 1


def test_question_change_reembeds_question(knowledge):
    index = _index()
    _ingest(index)
    qfile = knowledge / "questions" / "mini.yaml"
    qfile.write_text(QSET.replace("Explain gradient descent.", "Explain stochastic gradient descent."))
    report = _ingest(index)
    assert report.questions.embedded == 1 and index.count(QUESTIONS) == 1


def test_reopen_in_fresh_process_needs_no_special_import(knowledge, isolated_home):
    _ingest(_index())
    code = textwrap.dedent(f"""
        import chromadb
        client = chromadb.PersistentClient(path={str(isolated_home / "index")!r})
        col = client.get_collection("guides")
        print(col.count())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("4")


def test_user_guides_are_indexed_with_user_prefix(knowledge, isolated_home):
    user = isolated_home / "guides"
    user.mkdir(parents=True)
    (user / "mine.txt").write_text("Dropout randomly zeroes activations during training.")
    index = _index()
    _ingest(index)
    hit = index.search("what does dropout do", k=1)[0]
    assert hit.source == "user/mine.txt"
