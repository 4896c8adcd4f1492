"""Malformed question sets: each gives a located, readable error and writes nothing."""

from __future__ import annotations

import json

import pytest

from interviewbot.config import load_settings
from interviewbot.errors import ValidationError
from interviewbot.questions import QuestionBank

GOOD_Q = {
    "id": "mlt-good",
    "track": "ml_theory",
    "prompt": "Explain overfitting.",
    "key_points": ["fits noise in the training data"],
}


def yaml_set(*questions, name="my-set"):
    import yaml

    return yaml.safe_dump({"name": name, "questions": list(questions)}, sort_keys=False)


CODING_NO_TESTS = {"id": "code-x", "track": "coding", "prompt": "Write f.", "entry_point": "f"}
CASES = [
    # (file name, content (str or bytes), expected fragments of the message)
    ("bad.yaml", "name: x\nquestions:\n  - id: a\n   track: [", ["invalid YAML", "line"]),
    ("tabs.yaml", "name: x\nquestions:\n\t- id: a", ["invalid YAML"]),
    ("empty.yaml", "", ["empty"]),
    ("binary.yaml", b"\x00\x01\x02\xff" * 100, ["binary"]),
    ("latin.yaml", "name: caf\xe9".encode("latin-1"), ["UTF-8"]),
    ("list.yaml", "- just\n- a list\n", ["mapping", "name"]),
    ("noq.yaml", "name: x\n", ["questions"]),
    ("emptyq.yaml", "name: x\nquestions: []\n", ["questions", "at least 1"]),
    ("track.yaml", yaml_set(GOOD_Q | {"track": "mltheory"}), ["line 4", "track", "ml_theory"]),
    (
        "noprompt.yaml",
        yaml_set({k: v for k, v in GOOD_Q.items() if k != "prompt"}),
        ["prompt", "Field required"],
    ),
    ("id.yaml", yaml_set(GOOD_Q | {"id": "Bad ID!"}), ["field id", "lowercase"]),
    ("dup.yaml", yaml_set(GOOD_Q, dict(GOOD_Q)), ["line 8: question 2 (id mlt-good): duplicate id"]),
    ("types.yaml", yaml_set(GOOD_Q | {"topics": "not-a-list"}), ["topics", "list"]),
    ("diff.yaml", yaml_set(GOOD_Q | {"difficulty": "extreme"}), ["difficulty"]),
    ("notests.yaml", yaml_set(CODING_NO_TESTS), ["needs tests, check, or both"]),
    (
        "noentry.yaml",
        yaml_set(
            {"id": "code-y", "track": "coding", "prompt": "Write f.", "tests": [{"args": [1], "expected": 1}]}
        ),
        ["entry_point"],
    ),
    (
        "nan.json",
        json.dumps(
            {
                "name": "x",
                "questions": [CODING_NO_TESTS | {"tests": [{"args": [1], "expected": float("nan")}]}],
            }
        ),
        ["JSON-serialisable"],
    ),
    ("pyobj.yaml", "name: x\nquestions:\n  - !!python/object:os.system {}\n", ["invalid YAML"]),
    ("unknown.yaml", yaml_set(GOOD_Q | {"promt": "typo"}), ["promt", "Extra inputs", "spelling"]),
    (
        "norubric.yaml",
        yaml_set({k: v for k, v in GOOD_Q.items() if k != "key_points"}),
        ["key_points is empty", "needs_rubric"],
    ),
    ("limit.yaml", yaml_set(GOOD_Q | {"time_limit_s": 999}), ["time_limit_s"]),
    ("badjson.json", '{"name": "x", "questions": [}', ["invalid JSON", "line 1"]),
    ("setname.yaml", yaml_set(GOOD_Q, name="Bad Name"), ["field name"]),
    ("ext.txt", "whatever", ["unsupported file type"]),
    ("bad.csv", "id,track\nq1,ml_theory\n", ["prompt"]),
    ("bad.md", "just some text with no questions\n", ["found no questions"]),
    (
        "csvrow.csv",
        'id,track,prompt,key_points\nq1,ml_theory,"What is PCA?",x y z\nq2,nope,"Hm?",a b c\n',
        ["row 3", "track"],
    ),
    (
        "csvtests.csv",
        'id,track,prompt,entry_point,tests\nq1,coding,"Write f",f,[not json\n',
        ["row 2", "tests is not valid JSON"],
    ),
]


@pytest.mark.parametrize(("name", "content", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_malformed_set_is_rejected_with_located_error(tmp_path, isolated_home, name, content, fragments):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    bank = QuestionBank(load_settings())
    with pytest.raises(ValidationError) as err:
        bank.add_set(path)
    message = str(err.value)
    assert name in message  # names the file
    for fragment in fragments:
        assert fragment in message, message
    sets_dir = isolated_home / "sets"
    assert not sets_dir.exists() or not any(sets_dir.iterdir())  # nothing written


def test_huge_file_is_rejected_without_reading_it_all(tmp_path, isolated_home):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(ValidationError, match="50.00 MB; question sets are limited to 5 MB"):
        QuestionBank(load_settings()).add_set(path)


def test_all_errors_in_a_file_are_reported_at_once(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(
        yaml_set(
            GOOD_Q | {"track": "x"},
            GOOD_Q | {"id": "mlt-2", "difficulty": "x"},
            GOOD_Q | {"id": "mlt-3", "prompt": ""},
        )
    )
    with pytest.raises(ValidationError) as err:
        QuestionBank(load_settings()).add_set(path)
    assert len(err.value.problems) == 3
    assert "3 problem(s)" in str(err.value)


def test_clash_with_a_builtin_id_is_reported_beside_other_problems(tmp_path):
    path = tmp_path / "clash.yaml"
    builtin_id = QuestionBank(load_settings()).all_sets()[0].questions[0].id
    path.write_text(yaml_set(GOOD_Q | {"track": "x"}, GOOD_Q | {"id": builtin_id}))
    with pytest.raises(ValidationError) as err:
        QuestionBank(load_settings()).preview_upload(path)
    problems = err.value.problems
    assert len(problems) == 2, problems
    assert problems[0].startswith("line 4: question 1") and "track" in problems[0]
    assert problems[1].startswith("line 8: question 2") and "already used in set" in problems[1]


def test_unclosed_quote_is_reported_where_it_opens(tmp_path):
    path = tmp_path / "quote.yaml"
    path.write_text('name: x\nquestions:\n  - id: a\n    prompt: "never closed\n    track: ml_theory\n')
    with pytest.raises(
        ValidationError, match="line 4, column 13: while scanning a quoted scalar that is never closed"
    ):
        QuestionBank(load_settings()).preview_upload(path)
