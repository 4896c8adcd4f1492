"""Readable verdicts: located syntax errors with a caret, tracebacks of the candidate's own code,
printed output per test, the failing case compact with its first difference marked, named tests,
plain words. Verdicts come from the real sandbox; explain.py's pure functions are tested directly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.judge import explain
from interviewbot.judge.local import LocalJudge
from interviewbot.judge.models import FirstFailure
from interviewbot.questions import Question

STATS = Question(
    id="t-stats",
    track="coding",
    prompt="Summarise a list.",
    entry_point="stats",
    time_limit_s=1,
    tests=[
        {
            "name": "three numbers",
            "args": [[1, 2, 3]],
            "expected": {"n": 3, "mean": 2.0, "sorted": [1, 2, 3]},
        },
        {"args": [[5, 1]], "expected": {"n": 2, "mean": 3.0, "sorted": [1, 5]}},
        {"args": [[4]], "expected": {"n": 1, "mean": 4.0, "sorted": [4]}, "hidden": True},
    ],
)
GOOD = "def stats(xs):\n    return {'n': len(xs), 'mean': sum(xs) / len(xs), 'sorted': sorted(xs)}\n"


@pytest.fixture(scope="module")
def judge():
    return LocalJudge()


def test_syntax_error_has_message_line_and_caret(judge):
    code = "def stats(xs):\n    total = 0\n    items = [1, 2\n    return total\n"
    v = judge.run(STATS, code)
    assert v.verdict == "syntax_error" and v.error.line == 3 and v.error.column == 13
    text = explain.verdict_text(v)
    assert "    items = [1, 2\n            ^\n" in text  # the caret sits under the "["
    assert "SyntaxError: '[' was never closed" in text
    assert v.words == "Syntax error" and text.startswith("Syntax error: 0/3 tests passed")


def test_runtime_error_shows_frames_of_the_candidates_file_only(judge):
    code = "import json\n\ndef parse(x):\n    return json.loads(x)\n\ndef stats(xs):\n    return parse('{broken')\n"
    v = judge.run(STATS, code)
    assert v.verdict == "runtime_error"
    assert [(f.line, f.function, f.code) for f in v.error.frames] == [
        (7, "stats", "    return parse('{broken')"),
        (4, "parse", "    return json.loads(x)"),
    ]
    text = "\n".join(explain.traceback_lines(v.error))
    assert "json/decoder.py" not in text and "_sandbox" not in text
    assert text.startswith("Traceback (your code only):") and "JSONDecodeError" in text


def test_deep_recursion_traceback_is_shortened(judge):
    v = judge.run(STATS, "def stats(xs):\n    return stats(xs)\n")
    assert v.verdict == "runtime_error" and v.error.type == "RecursionError"
    assert len(v.error.frames) <= 30 and v.error.omitted_frames > 100
    assert f"... {v.error.omitted_frames} more frames ..." in "\n".join(explain.traceback_lines(v.error))


def test_printed_output_is_kept_per_visible_test_and_capped(judge):
    code = "def stats(xs):\n    print('seen', xs)\n    print('x' * 5000)\n    return None\n"
    v = judge.run(STATS, code)
    visible, hidden = v.tests[0], v.tests[2]
    assert visible.stdout.startswith("seen [1, 2, 3]\nxxx") and len(visible.stdout) == 2000
    assert v.tests[1].stdout.startswith("seen [5, 1]")
    assert hidden.hidden and hidden.stdout == ""  # a hidden test's output is not shown
    assert v.first_failure.stdout.startswith("seen [1, 2, 3]")


def test_failing_case_is_compact_with_the_first_difference_marked(judge):
    code = GOOD.replace("sum(xs) / len(xs)", "sum(xs) // 2")
    v = judge.run(STATS, code)
    ff = v.first_failure
    assert v.verdict == "wrong_answer" and ff.diff_path == '["mean"]'
    lines = explain.case_lines(ff, "stats")
    assert lines[0] == (
        "stats([1, 2, 3]) -> expected {'n': 3, 'mean': 2.0, 'sorted': [1, 2, 3]} "
        "/ got {'n': 3, 'mean': 3, 'sorted': [1, 2, 3]}"
    )
    assert lines[1] == 'first difference at ["mean"]: expected 2.0, got 3'


def test_tests_are_named_from_the_set_or_their_args(judge):
    v = judge.run(STATS, GOOD)
    assert [t.name for t in v.tests] == ["three numbers", "([5, 1])", "hidden 1"]
    assert v.words == "Accepted" and explain.headline(v) == "Accepted: 3/3 tests passed"


def test_verdicts_and_statuses_in_plain_words():
    assert explain.words("wrong_answer") == "Wrong answer"
    assert explain.words("time_limit_exceeded") == "Time limit exceeded"
    assert explain.words("output_limit_exceeded") == "Output limit exceeded"
    assert explain.words("not_run") == "Not run"


@pytest.mark.parametrize(
    "got,expected,path",
    [
        ([1, 2, 4], [1, 2, 3], "[2]"),
        ({"inertia": 1.5, "k": 2}, {"inertia": 1.0, "k": 2}, '["inertia"]'),
        ([[0, 1], [2, 3]], [[0, 1], [2, 4]], "[1][1]"),
        ([1, 2], [1, 2, 3], "[2]"),
        ({"a": 1, "b": 2}, {"a": 1}, '["b"]'),
        ("abc", [1], ""),
        ([1.0000001], [1], None),
    ],
)
def test_first_difference_path(got, expected, path):
    assert explain.first_difference(got, expected) == path


def test_long_values_are_elided_around_the_difference():
    expected = list(range(1000))
    got = expected[:700] + [-1] + expected[701:]
    ff = FirstFailure(index=0, args=[1000], expected=expected, got=got)
    first, where = explain.case_lines(ff, "count")
    assert "700" in first.split(" / got ")[0] and "-1" in first.split(" / got ")[1]
    assert len(first) < 200 and where == "first difference at [700]: expected 700, got -1"


def test_verdict_markdown_fences_errors_and_cases(judge):
    v = judge.run(STATS, "def stats(xs)\n    return 1\n")
    md = explain.verdict_markdown(v.model_dump(mode="json"))  # the stored dict form works too
    assert md.startswith("**Syntax error: 0/3 tests passed**") and "```text" in md and "^" in md


def test_cli_judge_prints_the_caret_and_the_case(tmp_path):
    qfile = tmp_path / "set.json"
    qfile.write_text(json.dumps({"name": "stats", "questions": [STATS.model_dump(mode="json")]}))
    sol = tmp_path / "sol.py"
    sol.write_text("def stats(xs):\n    return {'n': len(xs], 'mean': 0}\n")
    res = CliRunner().invoke(cli, ["judge", str(sol), "--set", str(qfile), "--question", "t-stats"])
    assert res.exit_code == 3 and 'File "solution.py", line 2' in res.output
    assert "^" in res.output and "SyntaxError" in res.output
    sol.write_text(GOOD.replace("sorted(xs)", "xs"))
    res = CliRunner().invoke(cli, ["judge", str(sol), "--set", str(qfile), "--question", "t-stats"])
    assert res.output.startswith("Wrong answer: 2/3 tests passed")
    assert "First failing test: ([5, 1])" in res.output and 'first difference at ["sorted"][0]' in res.output
