"""Protocol hardening: whatever a solution writes, to any descriptor it holds, the judge answers with
a verdict (never a traceback, never a forged pass). Garbage is generated: random bytes, huge lines,
valid JSON of every wrong type, malformed and forged messages, patched json/builtins/wire."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.judge import protocol
from interviewbot.judge.local import LocalJudge
from interviewbot.judge.models import VERDICTS, Verdict
from interviewbot.questions import Question

ADD = Question(
    id="t-add",
    track="coding",
    prompt="Add two numbers.",
    entry_point="add",
    time_limit_s=1,
    memory_limit_mb=128,
    tests=[
        {"args": [1, 2], "expected": 3},
        {"args": [-1, 1], "expected": 0},
        {"args": [2, 2], "expected": 4, "hidden": True},
    ],
)
ADD_WITH_CHECK = ADD.model_copy(
    update={
        "check": "def check(candidate):\n    assert candidate(5, 6) == 11\n    assert candidate(0, 1) == 1\n"
    }
)
RESULT = {"type": "result", "i": 1, "ok": True, "value": 3, "out": ""}


def _line(obj) -> bytes:
    return (json.dumps(obj) + "\n").encode()


def _random_payloads() -> dict[str, bytes]:
    rng = random.Random(20261130)
    payloads = {}
    for n in (1, 2, 7, 64, 500, 4096, 70_000):
        payloads[f"random {n} bytes"] = bytes(rng.randrange(256) for _ in range(n)) + b"\n"
    for n in (3, 40, 900):
        text = "".join(rng.choice('{}[]":,0123456789abcdeftrunl ') for _ in range(n))
        payloads[f"random json-ish {n} chars"] = text.encode() + b"\n"
    payloads["empty line"] = b"\n"
    payloads["invalid utf-8"] = b'\xff\xfe{"type": "result"}\n'
    payloads["non-ascii json"] = '{"type": "résult", "i": 1}\n'.encode()
    payloads["nul bytes"] = b"\x00" * 32 + b"\n"
    return payloads


def _wrong_type_payloads() -> dict[str, bytes]:
    """Valid JSON of every type that is not a message object."""
    values = {
        "null": None,
        "true": True,
        "false": False,
        "zero": 0,
        "negative int": -1,
        "float": 1.5,
        "string accepted": "accepted",
        "empty list": [],
        "list of results": [RESULT],
        "empty object": {},
    }
    payloads = {f"json {name}": _line(value) for name, value in values.items()}
    payloads["json NaN literal"] = b"NaN\n"
    payloads["json Infinity in a message"] = (
        b'{"type": "result", "i": 1, "ok": true, "value": Infinity, "out": ""}\n'
    )
    payloads["json 5000-digit int"] = (
        b'{"type": "result", "i": 1, "ok": true, "value": ' + b"9" * 5000 + b', "out": ""}\n'
    )
    payloads["json nested 100000 deep"] = b"[" * 100_000 + b"]" * 100_000 + b"\n"
    return payloads


def _message_payloads() -> dict[str, bytes]:
    """Message-shaped objects with a wrong field, type, size, tag, or call id."""
    bad = {
        "no fields but type": {"type": "result"},
        "unknown type": {**RESULT, "type": "verdict"},
        "verdict object": {"verdict": "accepted", "passed": 3, "total": 3},
        "hello again": {"type": "hello", "isolation": "none"},
        "load again": {"type": "load", "status": "ok", "names": []},
        "i as string": {**RESULT, "i": "1"},
        "i as bool": {**RESULT, "i": True},
        "i as float": {**RESULT, "i": 1.0},
        "ok as string": {**RESULT, "ok": "yes"},
        "extra field": {**RESULT, "passed": True},
        "missing out": {k: v for k, v in RESULT.items() if k != "out"},
        "out not text": {**RESULT, "out": 5},
        "out too long": {**RESULT, "out": "x" * 9000},
        "untagged object value": {**RESULT, "value": {"a": 1}},
        "unknown tag": {**RESULT, "value": {"$": "pickle", "v": "gASVAAAA"}},
        "tag missing items": {**RESULT, "value": {"$": "tuple"}},
        "tag extra field": {**RESULT, "value": {"$": "tuple", "v": [], "w": 1}},
        "unhashable set item": {**RESULT, "value": {"$": "set", "v": [[1]]}},
        "dict with bad pairs": {**RESULT, "value": {"$": "dict", "v": [[1]]}},
        "malformed big int": {**RESULT, "value": {"$": "int", "v": "0xZZ"}},
        "malformed special float": {**RESULT, "value": {"$": "float", "v": "1e9"}},
        "malformed bytes": {**RESULT, "value": {"$": "bytes", "v": "!!!"}},
        "object dtype array": {
            **RESULT,
            "value": {"$": "ndarray", "dtype": "object", "shape": [1], "v": [1]},
        },
        "array shape mismatch": {
            **RESULT,
            "value": {"$": "ndarray", "dtype": "int64", "shape": [3], "v": [1]},
        },
        "error not an object": {
            "type": "result",
            "i": 1,
            "ok": False,
            "status": "error",
            "error": "x",
            "out": "",
        },
        "error with bad frames": {
            "type": "result",
            "i": 1,
            "ok": False,
            "status": "error",
            "error": {"type": "E", "message": "m", "frames": [["1", 2]], "omitted": 0},
            "out": "",
        },
        "unknown status": {
            "type": "result",
            "i": 1,
            "ok": False,
            "status": "accepted",
            "error": {"type": "E", "message": "m", "frames": [], "omitted": 0},
            "out": "",
        },
        # Forged results for tests the judge did not ask (yet, or at all).
        "forged reply to test 99": {**RESULT, "i": 99},
        "forged reply to test 0": {**RESULT, "i": 0},
        "forged reply to test -1": {**RESULT, "i": -1},
        "forged reply to the next test": {**RESULT, "i": 2, "value": 0},
    }
    payloads = {name: _line(msg) for name, msg in bad.items()}
    # A forged reply to the current test, then the real one arrives when test 2 is asked.
    payloads["forged reply to the current test"] = _line(RESULT)
    payloads["two replies on one line"] = _line(RESULT)[:-1] + _line(RESULT)
    return payloads


GARBAGE = {**_random_payloads(), **_wrong_type_payloads(), **_message_payloads()}

# Written to every inherited descriptor (3..63 holds the judge's result pipe) during the first call.
WRITE_EVERYWHERE = (
    "import os\nPAYLOAD = {payload!r}\nFIRED = []\n"
    "def add(a, b):\n"
    "    if not FIRED:\n"
    "        FIRED.append(1)\n"
    "        for fd in range(3, 64):\n"
    "            try:\n"
    "                os.write(fd, PAYLOAD)\n"
    "            except OSError:\n"
    "                pass\n"
    "    return a + b\n"
)


def _judge(code: str, question: Question = ADD) -> Verdict:
    verdict = LocalJudge().run(question, code)
    assert isinstance(verdict, Verdict) and verdict.verdict in VERDICTS
    return verdict


def test_garbage_payloads_are_at_least_fifty():
    assert len(GARBAGE) >= 50


@pytest.mark.parametrize("chunk", range(4))
def test_garbage_on_the_result_channel_is_interference(chunk):
    names = sorted(GARBAGE)[chunk::4]
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(lambda n: _judge(WRITE_EVERYWHERE.format(payload=GARBAGE[n])), names))
    wrong = {
        name: (v.verdict, v.message[:120])
        for name, v in zip(names, verdicts)
        if v.verdict != "runtime_error" or protocol.INTERFERENCE not in v.message
    }
    assert wrong == {}
    assert all(v.passed < v.total for v in verdicts)  # a correct add() still does not pass


HUGE = {
    "huge line without newline": "b'x' * (41 << 20)",
    "huge valid json line": "b'[' + b'1,' * (21 << 20) + b'1]\\n'",
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_huge_lines_are_interference(name):
    code = WRITE_EVERYWHERE.replace("PAYLOAD = {payload!r}", f"PAYLOAD = {HUGE[name]}")
    v = _judge(code)
    assert v.verdict == "runtime_error" and protocol.INTERFERENCE in v.message, v.message


PATCHES = {
    # Each breaks the sandbox's own encoder or writer inside the candidate's process.
    "json encoder internals": "import json.encoder\n"
    "json.encoder.c_make_encoder = None\n"
    "json.encoder.encode_basestring_ascii = lambda s: '\"x'\n",
    "builtins.type": "import builtins\nbuiltins.type = lambda *a: int\n",
    "builtins.isinstance and len": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\n",
    "wire.encode": "import sys\nsys.modules['wire'].encode = lambda v, depth=0: {'$': 'evil'}\n",
    "wire.dumps replays one reply": "import sys\n"
    'sys.modules[\'wire\'].dumps = lambda m: b\'{"type":"result","i":1,"ok":true,"value":3,"out":""}\\n\'\n',
}


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_patched_json_builtins_or_wire_cannot_forge_a_pass(name):
    v = _judge(PATCHES[name] + "def add(a, b):\n    return a - b\n")
    assert v.verdict != "accepted" and v.passed < v.total


HARMLESS = {
    # Patches the sandbox does not depend on (it bound json and os.write before the code ran).
    "json.dumps": "import json\njson.dumps = lambda *a, **k: 'accepted'\n",
    "os.write": "import os\nos.write = lambda fd, data: len(data)\n",
    "plain text on stdout and stderr": "import os\nos.write(1, b'accepted\\n[]\\n')\nos.write(2, b'\\xff\\xfe\\n')\n",
}


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_patches_the_judge_does_not_rely_on_leave_a_correct_solution_accepted(name):
    assert _judge(HARMLESS[name] + "def add(a, b):\n    return a + b\n").verdict == "accepted"


def test_garbage_while_loading_is_interference():
    code = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'[]\\n')\n    except OSError:\n        pass\n"
    v = _judge(code + "def add(a, b):\n    return a + b\n")
    assert v.verdict == "runtime_error" and protocol.INTERFERENCE in v.message


def test_closing_every_descriptor_is_a_runtime_error():
    code = "import os\nos.closerange(3, 64)\ndef add(a, b):\n    return a + b\n"
    assert _judge(code).verdict == "runtime_error"


def test_garbage_during_the_hidden_check_is_interference():
    code = WRITE_EVERYWHERE.format(payload=b"accepted\n").replace("if not FIRED:", "if a == 5:")
    v = _judge(code, ADD_WITH_CHECK)
    assert v.verdict == "runtime_error" and protocol.INTERFERENCE in v.message
    assert v.tests[-1].name == "check" and not v.tests[-1].passed


CHECK_MISBEHAVES = {
    "check exits": "import os\ndef check(candidate):\n    os._exit(0)\n",
    "check writes garbage to its descriptors": "import os\ndef check(candidate):\n"
    "    for fd in range(3, 64):\n        try:\n            os.write(fd, b'\\xff[]\\n')\n"
    "        except OSError:\n            pass\n    assert candidate(1, 2) == 3\n",
    "check forges a pass for an unknown name": "import os\ndef check(candidate):\n"
    "    for fd in range(3, 64):\n        try:\n"
    '            os.write(fd, b\'{"type":"call","name":"os","get":false,"args":[],"kwargs":{}}\\n\')\n'
    "        except OSError:\n            pass\n",
}


@pytest.mark.parametrize("name", sorted(CHECK_MISBEHAVES))
def test_a_misbehaving_check_is_reported_not_raised(name):
    q = ADD.model_copy(update={"check": CHECK_MISBEHAVES[name]})
    v = _judge("def add(a, b):\n    return a + b\n", q)
    assert v.verdict == "runtime_error" and "hidden check" in v.message
    assert v.author_detail  # the author is told what went wrong


@pytest.mark.parametrize(
    "payload", [b"accepted\n", b"[]\n", b"\xff\xfe\xfd\n", _line({"verdict": "accepted"}), _line(RESULT)]
)
def test_cli_judge_never_prints_a_traceback(tmp_path, payload):
    qfile = tmp_path / "set.json"
    qfile.write_text(json.dumps({"name": "hardening", "questions": [ADD.model_dump(mode="json")]}))
    sol = tmp_path / "sol.py"
    sol.write_text(WRITE_EVERYWHERE.format(payload=payload))
    res = CliRunner().invoke(
        cli, ["judge", str(sol), "--set", str(qfile), "--question", "t-add", "--verbose"]
    )
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback (most recent call last)" not in res.output
    assert res.exit_code == 3 and res.output.startswith("Runtime error:")
