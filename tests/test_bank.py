"""Custom question sets: import formats, atomic add, remove, export round trip, CLI."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.errors import ValidationError
from interviewbot.index import QUESTIONS, KnowledgeIndex
from interviewbot.questions import QuestionBank, load_question_set

SET_YAML = """name: my-ml
description: my practice set
questions:
  - id: my-dropout
    track: ml_theory
    topics: [neural-networks]
    difficulty: easy
    prompt: What does dropout do?
    key_points:
      - randomly zeroes activations during training
      - {phase: null, text: reduces co-adaptation and overfitting}
    reference_answer: Dropout zeroes random units while training.
    hints: [think of co-adaptation, "what changes at inference?"]
    follow_ups: ["How is dropout applied at inference?"]
  - id: my-add
    track: coding
    prompt: Add two numbers.
    entry_point: add
    starter_code: "def add(a, b):\\n    raise NotImplementedError\\n"
    tests:
      - {args: [1, 2], expected: 3}
      - {args: [-1, 1], expected: 0, hidden: true}
    reference_solution: "def add(a, b):\\n    return a + b\\n"
"""

CSV_TEXT = (
    "id,track,difficulty,topics,prompt,key_points,hints,follow_ups\n"
    'csv-pca,ml_theory,medium,dimensionality-reduction|linear-algebra,"What is PCA, briefly?",'
    '"projects onto directions of maximum variance|uses eigenvectors of the covariance matrix",'
    '"think variance|think eigenvectors","Why centre the data?"\n'
)

MD_TEXT = """# Markdown set

## Explain gradient clipping
Why and how is gradient clipping used?

Track: ml_theory
Topics: optimization, rnn
Key points:
- caps the gradient norm to avoid exploding gradients
- common when training RNNs
Hints:
- exploding
- norm
"""


@pytest.fixture
def empty_knowledge(tmp_path, monkeypatch):
    root = tmp_path / "knowledge"
    (root / "guides").mkdir(parents=True)
    (root / "questions").mkdir()
    monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(root))
    return root


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text", "ids"),
    [
        ("s.yaml", SET_YAML, ["my-dropout", "my-add"]),
        ("s.json", json.dumps(yaml.safe_load(SET_YAML)), ["my-dropout", "my-add"]),
        ("s.csv", CSV_TEXT, ["csv-pca"]),
        ("s.md", MD_TEXT, ["explain-gradient-clipping"]),
    ],
)
def test_import_formats(tmp_path, name, text, ids):
    qset = load_question_set(_write(tmp_path, name, text))
    assert [q.id for q in qset.questions] == ids
    assert all(q.key_points or q.track == "coding" for q in qset.questions)


def test_csv_lists_split_on_pipe(tmp_path):
    q = load_question_set(_write(tmp_path, "s.csv", CSV_TEXT)).questions[0]
    assert q.topics == ["dimensionality-reduction", "linear-algebra"]
    assert len(q.key_points) == 2 and q.hints == ["think variance", "think eigenvectors"]


def test_plain_markdown_list_imports_flagged_without_rubric(tmp_path):
    text = (
        "# Public list\n\n1. What is the curse of dimensionality?\n2. What is a kernel?\n* Define recall.\n"
    )
    qset = load_question_set(_write(tmp_path, "plain.md", text))
    assert len(qset.questions) == 3 and all(q.needs_rubric and not q.key_points for q in qset.questions)


def test_export_then_reimport_round_trip(tmp_path, empty_knowledge):
    bank = QuestionBank(load_settings())
    original = bank.add_set(_write(tmp_path, "s.yaml", SET_YAML))
    exported = _write(tmp_path, "exported.yaml", QuestionBank(load_settings()).export_set("my-ml"))
    again = load_question_set(exported)
    assert again.model_dump() == original.model_dump()


def test_add_indexes_and_remove_unindexes(tmp_path, empty_knowledge, isolated_home):
    settings = load_settings()
    index = KnowledgeIndex(settings, embedder=get_embedder())
    QuestionBank(settings).add_set(_write(tmp_path, "s.yaml", SET_YAML), index=index)
    assert (isolated_home / "sets" / "my-ml.yaml").is_file()
    assert index.count(QUESTIONS) == 2
    assert index.search("dropout at inference", name=QUESTIONS, k=1)[0].id == "my-dropout"
    QuestionBank(settings).remove_set("my-ml", index=index)
    assert index.count(QUESTIONS) == 0 and not (isolated_home / "sets" / "my-ml.yaml").exists()


def test_duplicate_id_against_loaded_sets_rejected(tmp_path, empty_knowledge, isolated_home):
    bank = QuestionBank(load_settings())
    bank.add_set(_write(tmp_path, "s.yaml", SET_YAML))
    clash = SET_YAML.replace("name: my-ml", "name: other-set")
    with pytest.raises(ValidationError, match="already used in set 'my-ml'"):
        QuestionBank(load_settings()).add_set(_write(tmp_path, "o.yaml", clash))
    assert sorted(p.name for p in (isolated_home / "sets").iterdir()) == ["my-ml.yaml"]


def test_crash_mid_add_leaves_store_and_index_unchanged(
    tmp_path, empty_knowledge, isolated_home, monkeypatch
):
    settings = load_settings()
    index = KnowledgeIndex(settings, embedder=get_embedder())
    QuestionBank(settings).add_set(_write(tmp_path, "s.yaml", SET_YAML), index=index)
    before_ids = sorted(index.collection(QUESTIONS).get()["ids"])
    real_upsert = index._upsert

    def crash_after_first_batch(col, items, stage, progress):
        real_upsert(col, items[:1], stage, progress)  # half the work lands, then the "crash"
        raise RuntimeError("simulated crash while indexing")

    monkeypatch.setattr(index, "_upsert", crash_after_first_batch)
    second = _write(tmp_path, "t.csv", CSV_TEXT)
    with pytest.raises(RuntimeError):
        QuestionBank(settings).add_set(second, index=index)
    monkeypatch.undo()
    assert sorted(index.collection(QUESTIONS).get()["ids"]) == before_ids
    assert sorted(p.name for p in (isolated_home / "sets").iterdir()) == ["my-ml.yaml"]


def test_builtin_set_cannot_be_removed(empty_knowledge):
    (empty_knowledge / "questions" / "b.yaml").write_text(SET_YAML.replace("name: my-ml", "name: builtin-x"))
    with pytest.raises(ValidationError, match="built-in"):
        QuestionBank(load_settings()).remove_set("builtin-x")


def test_cli_questions_commands(tmp_path, empty_knowledge):
    runner = CliRunner()
    path = _write(tmp_path, "s.yaml", SET_YAML)
    assert (
        "OK: set 'my-ml' with 2 question(s)"
        in runner.invoke(cli, ["questions", "validate", str(path)]).output
    )
    result = runner.invoke(cli, ["questions", "add", str(path)])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(cli, ["questions", "list", "--json"]).output)
    assert listed[0]["name"] == "my-ml" and listed[0]["ids"] == ["my-dropout", "my-add"]
    exported = runner.invoke(cli, ["questions", "export", "my-ml"]).output
    assert yaml.safe_load(exported)["name"] == "my-ml"
    again = runner.invoke(cli, ["questions", "add", str(path)])
    assert again.exit_code == 1 and "already exists" in again.output
    assert runner.invoke(cli, ["questions", "remove", "my-ml"]).exit_code == 0
    missing = runner.invoke(cli, ["questions", "remove", "my-ml"])
    assert missing.exit_code == 1 and "no question set named 'my-ml'" in missing.output
