"""HumanEval/MBPP-style JSONL problem files as question sets: mapping, located errors, `questions add`,
and `questions validate --run-references` running each reference solution through the real judge."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.errors import ValidationError
from interviewbot.judge.local import LocalJudge
from interviewbot.questions import load_question_set

HUMANEVAL_STYLE = {
    "task_id": "Demo/0",
    "prompt": (
        "def shift(c: str) -> str:\n    return chr(ord(c) + 1)\n\n\n"
        'def encode(s: str) -> str:\n    """Shift every character by one.\n    >>> encode("ab")\n    \'bc\'\n    """\n'
    ),
    "entry_point": "encode",
    "canonical_solution": '    return "".join(shift(c) for c in s)\n',
    "test": "\n\nMETADATA = {}\n\n\ndef check(candidate):\n"
    "    import random\n    for _ in range(20):\n"
    "        s = ''.join(random.choice('abc') for _ in range(5))\n"
    "        assert candidate(s) == ''.join(shift(c) for c in s)\n",
    "difficulty": "easy",
    "topics": ["strings"],
}
MBPP_STYLE = {
    "task_id": 11,
    "text": "Write a python function to remove first and last occurrence of a given character from the string.",
    "code": "def remove_Occ(s,ch): \r\n    for i in range(len(s)): \r\n        if (s[i] == ch): \r\n"
    "            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    for i in range(len(s) - 1,-1,-1):  \r\n"
    "        if (s[i] == ch): \r\n            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    return s ",
    "test_list": [
        'assert remove_Occ("hello","l") == "heo"',
        'assert remove_Occ("abcda","a") == "bcd"',
        'assert remove_Occ("PHP","P") == "H"',
    ],
    "test_setup_code": "",
    "challenge_test_list": [],
}


def write_jsonl(tmp_path, name, records) -> str:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return str(path)


def test_humaneval_record_maps_onto_a_coding_question(tmp_path):
    qset = load_question_set(write_jsonl(tmp_path, "Demo Problems.jsonl", [HUMANEVAL_STYLE]))
    q = qset.questions[0]
    assert qset.name == "demo-problems" and q.id == "demo-0" and q.track == "coding"
    assert q.entry_point == "encode" and q.starter_code == HUMANEVAL_STYLE["prompt"]
    assert q.reference_solution.endswith(HUMANEVAL_STYLE["canonical_solution"])
    assert q.check == HUMANEVAL_STYLE["test"] and q.difficulty == "easy" and q.topics == ["strings"]
    assert "```python" in q.prompt and "def encode" in q.prompt


def test_imported_questions_judge_their_reference_and_reject_a_stub(tmp_path):
    qset = load_question_set(write_jsonl(tmp_path, "mixed.jsonl", [HUMANEVAL_STYLE, MBPP_STYLE]))
    humaneval, mbpp = qset.questions
    assert (mbpp.id, mbpp.entry_point) == ("mixed-11", "remove_Occ")
    assert mbpp.starter_code == "def remove_Occ(s, ch):\n    ...\n"
    judge = LocalJudge()
    for q in (humaneval, mbpp):
        assert judge.run(q, q.reference_solution).verdict == "accepted"
        assert judge.run(q, q.starter_code.rstrip() + "\n    return None\n").verdict != "accepted"


def test_jsonl_problems_are_reported_together_with_their_lines(tmp_path):
    no_entry = {k: v for k, v in HUMANEVAL_STYLE.items() if k != "entry_point"}
    bad_difficulty = {**HUMANEVAL_STYLE, "task_id": "Demo/9", "difficulty": "brutal"}
    path = write_jsonl(
        tmp_path, "bad.jsonl", [HUMANEVAL_STYLE, "{not json", '"a string"', no_entry, {"x": 1}]
    )
    with pytest.raises(ValidationError) as err:
        load_question_set(path)
    problems = err.value.problems
    assert problems[0].startswith("line 2: invalid JSON")
    assert problems[1] == "line 3: expected a JSON object, got str"
    assert problems[2].startswith("line 4 (task Demo/0): missing field(s) entry_point")
    assert problems[3].startswith("line 5: neither HumanEval fields")
    with pytest.raises(ValidationError) as err:
        load_question_set(write_jsonl(tmp_path, "worse.jsonl", [HUMANEVAL_STYLE, bad_difficulty]))
    assert err.value.problems[0].startswith("line 2: question 2 (id demo-9), field difficulty")


def test_cli_questions_add_a_jsonl_set(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    (knowledge / "guides").mkdir(parents=True)
    (knowledge / "questions").mkdir()
    monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(knowledge))
    path = write_jsonl(tmp_path, "problems.jsonl", [HUMANEVAL_STYLE, MBPP_STYLE])
    runner = CliRunner()
    added = runner.invoke(cli, ["questions", "add", path])
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(cli, ["questions", "list", "--json"]).output)
    assert listed[0]["name"] == "problems" and listed[0]["ids"] == ["demo-0", "problems-11"]


def test_cli_validate_run_references_shows_check_failures_in_full(tmp_path):
    broken = {
        **HUMANEVAL_STYLE,
        "task_id": "Demo/1",
        "test": "def check(candidate):\n    assert candidat('a') == 'b'\n",
    }
    path = write_jsonl(tmp_path, "authoring.jsonl", [HUMANEVAL_STYLE, broken])
    res = CliRunner().invoke(cli, ["questions", "validate", path, "--run-references"])
    assert res.exit_code == 3
    assert "Reference solutions: 1/2 accepted." in res.output
    assert "demo-1:" in res.output and "NameError: name 'candidat' is not defined" in res.output
    assert 'File "check.py", line 2, in check' in res.output
    ok = CliRunner().invoke(
        cli, ["questions", "validate", write_jsonl(tmp_path, "ok.jsonl", [HUMANEVAL_STYLE])]
    )
    assert ok.exit_code == 0 and "OK: set 'ok' with 1 question(s)" in ok.output
