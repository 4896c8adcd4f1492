"""`check(candidate)` code as in HumanEval: stdlib imports, Python types kept across the process
boundary, the candidate's top-level names callable from check, authoring errors shown in full to the
author only. Runs in the real sandbox."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.judge import wire
from interviewbot.judge.local import LocalJudge
from interviewbot.questions import Question


def question(check: str, entry: str = "f", tests=None) -> Question:
    return Question(
        id="t-check",
        track="coding",
        prompt="Write f.",
        entry_point=entry,
        time_limit_s=2,
        tests=tests or [],
        check=check,
    )


@pytest.fixture(scope="module")
def judge():
    return LocalJudge()


# --- values keep their Python types ---------------------------------------------------------------

TYPED = {
    "tuple": "(0, 1)",
    "nested tuple in list": "[(1, 'a'), (2, 'b')]",
    "set": "{1, 2, 3}",
    "frozenset": "frozenset({'x'})",
    "dict with int keys": "{1: 'one', 2: 'two'}",
    "dict with tuple keys": "{(0, 1): 1.5}",
    "None": "None",
    "int stays int": "3",
    "float stays float": "3.0",
    "nan": "float('nan')",
    "inf": "float('-inf')",
    "bytes": "b'\\x00\\xffab'",
    "bytearray": "bytearray(b'xy')",
    "complex": "complex(1, -2.5)",
    "huge int": "7 ** 9000",
    "bool": "True",
    "empty containers": "([], {}, (), set())",
}


@pytest.mark.parametrize("name", sorted(TYPED))
def test_check_sees_the_value_with_its_python_type(judge, name):
    literal = TYPED[name]
    check = (
        "import math\n"
        "def check(candidate):\n"
        f"    want = {literal}\n"
        "    got = candidate()\n"
        "    assert type(got) is type(want), (type(got), type(want))\n"
        "    assert got == want or (isinstance(want, float) and math.isnan(want) and math.isnan(got))\n"
    )
    v = judge.run(question(check), f"def f():\n    return {literal}\n")
    assert v.verdict == "accepted", v.author_detail


def test_check_tells_tuple_from_list_and_int_from_float(judge):
    check = "def check(candidate):\n    assert candidate([]) == (0, 1)\n    assert type(candidate([1])[0]) is int\n"
    good = "def f(xs):\n    return (sum(xs), 1)\n"
    assert judge.run(question(check), good).verdict == "accepted"
    as_list = "def f(xs):\n    return [sum(xs), 1]\n"
    assert judge.run(question(check), as_list).verdict == "wrong_answer"
    as_float = "def f(xs):\n    return (float(sum(xs)), 1)\n"
    assert judge.run(question(check), as_float).verdict == "wrong_answer"


def test_check_passes_typed_arguments_to_the_candidate(judge):
    check = (
        "def check(candidate):\n"
        "    assert candidate((1, 2), {3}, {4: 'x'}, None, b'z') == 'tuple set dict NoneType bytes'\n"
    )
    code = "def f(*args):\n    return ' '.join(type(a).__name__ for a in args)\n"
    assert judge.run(question(check), code).verdict == "accepted"


def test_check_sees_numpy_arrays_with_dtype_and_shape(judge):
    check = (
        "import numpy as np\n"
        "def check(candidate):\n"
        "    got = candidate(np.arange(6, dtype=np.float32).reshape(2, 3))\n"
        "    assert isinstance(got, np.ndarray) and got.dtype == np.float32 and got.shape == (3, 2)\n"
        "    assert np.allclose(got, np.arange(6).reshape(2, 3).T)\n"
        "    assert isinstance(candidate(np.int64(4)), np.int64)\n"
    )
    code = "import numpy as np\ndef f(x):\n    return x.T if isinstance(x, np.ndarray) else x\n"
    v = judge.run(question(check), code)
    assert v.verdict == "accepted", v.author_detail


def test_wire_round_trip_keeps_types():
    values = [
        (1, [2, (3,)]),
        {1: {2: frozenset({3})}},
        float("inf"),
        -(10**5000),
        b"\x00",
        1 + 2j,
        [None, True],
    ]
    for value in values:
        line = wire.dumps({"value": wire.encode(value)})
        back = wire.decode(wire.loads(line, 10**7)["value"])
        assert back == value and type(back) is type(value)
    nan = wire.decode(wire.loads(wire.dumps({"v": wire.encode(float("nan"))}), 100)["v"])
    assert math.isnan(nan)
    array = np.array([[1, 2], [3, 4]], dtype=np.int16)
    back = wire.decode(wire.encode(array), "numpy")
    assert back.dtype == np.int16 and back.shape == (2, 2) and (back == array).all()
    assert wire.decode(wire.encode(array)) == [[1, 2], [3, 4]]  # the parent reads arrays as lists


def test_wire_refuses_objects_and_cycles():
    class Sneaky:
        def __eq__(self, other):
            return True

    cyclic = []
    cyclic.append(cyclic)
    for value in (Sneaky(), cyclic, print):
        with pytest.raises(TypeError):
            wire.encode(value)


# --- imports and the candidate's top-level names ----------------------------------------------------


def test_check_imports_any_stdlib_module(judge):
    check = (
        "import random, itertools, collections, fractions, statistics, heapq, re, string, hashlib\n"
        "def check(candidate):\n"
        "    rng = random.Random(42)\n"
        "    for _ in range(50):\n"
        "        xs = [rng.randint(-9, 9) for _ in range(rng.randint(0, 8))]\n"
        "        assert candidate(xs) == sorted(xs)\n"
    )
    v = judge.run(question(check), "def f(xs):\n    return sorted(xs)\n")
    assert v.verdict == "accepted", v.author_detail


def test_check_calls_the_candidates_helpers_and_reads_its_values(judge):
    check = (
        "def check(candidate):\n"
        "    for x in range(5):\n"
        "        assert decode(candidate(x)) == x\n"
        "    assert SHIFT == 3 and math.sqrt(16) == 4\n"
    )
    code = "import math\nSHIFT = 3\ndef f(x):\n    return x + SHIFT\ndef decode(y):\n    return y - SHIFT\n"
    v = judge.run(question(check), code)
    assert v.verdict == "accepted", v.author_detail
    wrong_helper = code.replace("return y - SHIFT", "return y")
    assert judge.run(question(check), wrong_helper).verdict == "wrong_answer"


def test_check_builtins_cannot_be_shadowed_by_the_candidate(judge):
    check = "def check(candidate):\n    assert len(candidate()) == 3\n"
    code = "def len(x):\n    return 3\ndef f():\n    return [1]\n"
    assert judge.run(question(check), code).verdict == "wrong_answer"


def test_check_catches_the_candidates_exception_by_type(judge):
    check = (
        "def check(candidate):\n"
        "    try:\n        candidate(-1)\n    except ValueError:\n        pass\n"
        "    else:\n        assert False, 'expected ValueError'\n"
    )
    code = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x\n"
    assert judge.run(question(check), code).verdict == "accepted"


# --- who sees what when the check fails --------------------------------------------------------------

CHECK_WITH_A_TYPE_ERROR = "def check(candidate):\n    assert candidate(2) - 1 == 3\n"


def test_non_assertion_error_in_check_is_neutral_for_the_candidate_full_for_the_author(judge):
    v = judge.run(question(CHECK_WITH_A_TYPE_ERROR), "def f(x):\n    return None\n")
    assert v.verdict == "wrong_answer" and v.message == "The hidden check failed."
    assert "TypeError" in v.author_detail and "not an AssertionError" in v.author_detail
    assert 'File "check.py", line 2' in v.author_detail and "f(2) returned None" in v.author_detail
    dumped = json.dumps(v.model_dump(mode="json"))
    assert "author_detail" not in dumped and "candidate(2) - 1" not in dumped  # never stored or shown


def test_candidate_raising_inside_check_is_a_runtime_error_with_its_frames(judge):
    code = "def f(x):\n    return helper(x)\n\ndef helper(x):\n    return x / 0\n"
    v = judge.run(question(CHECK_WITH_A_TYPE_ERROR), code)
    assert v.verdict == "runtime_error" and "ZeroDivisionError" in v.message
    assert [(f.line, f.function) for f in v.error.frames] == [(2, "f"), (5, "helper")]


def test_check_naming_an_unknown_function_is_an_authoring_error(judge):
    check = "def check(candidate):\n    assert missing_helper(1) == 1\n"
    v = judge.run(question(check), "def f(x):\n    return x\n")
    assert v.verdict == "wrong_answer" and "NameError" in v.author_detail


def test_cli_verbose_shows_the_author_the_check_traceback(tmp_path):
    qfile = tmp_path / "set.json"
    q = question(CHECK_WITH_A_TYPE_ERROR).model_dump(mode="json")
    qfile.write_text(json.dumps({"name": "checks", "questions": [q]}))
    sol = tmp_path / "sol.py"
    sol.write_text("def f(x):\n    return None\n")
    base = ["judge", str(sol), "--set", str(qfile), "--question", "t-check"]
    quiet = CliRunner().invoke(cli, base)
    loud = CliRunner().invoke(cli, [*base, "--verbose"])
    assert quiet.exit_code == loud.exit_code == 3
    assert "check.py" not in quiet.output and "The hidden check failed." in quiet.output
    assert 'File "check.py", line 2' in loud.output and "TypeError" in loud.output
    data = json.loads(CliRunner().invoke(cli, [*base, "--json", "--verbose"]).output)
    assert "TypeError" in data["author_detail"]
