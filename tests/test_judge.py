"""The code judge: verdicts, hostile submissions contained, the built-in bank, the Judge0 backend."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.config import load_settings
from interviewbot.judge.compare import normalise, values_equal
from interviewbot.judge.judge0 import Judge0Judge
from interviewbot.judge.local import LocalJudge, wait_for_cleanup
from interviewbot.questions import Question, QuestionBank

ROOT = Path(__file__).resolve().parent.parent
SECRET_EXPECTED = 48_151_623  # only in a hidden test's `expected`: the candidate must not learn it

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
        {"args": [0, 0], "expected": 0, "hidden": True},
        {"args": [SECRET_EXPECTED - 1, 1], "expected": SECRET_EXPECTED, "hidden": True},
        {"args": [10, 5], "expected": 15, "hidden": True},
    ],
)
GOOD = "def add(a, b):\n    return a + b\n"


@pytest.fixture(scope="module")
def judge():
    return LocalJudge()


def run(judge, body: str, question: Question = ADD):
    return judge.run(question, body)


# --- ordinary verdicts -----------------------------------------------------------------------


def test_judge_accepts_correct_solution(judge):
    v = run(judge, GOOD)
    assert (v.verdict, v.passed, v.total) == ("accepted", 6, 6)
    assert v.first_failure is None
    assert all(t.time_ms is not None for t in v.tests)


def test_judge_wrong_answer_shows_first_visible_failure_only(judge):
    v = run(judge, "def add(a, b):\n    return a + b if a >= 0 else 99\n")
    assert v.verdict == "wrong_answer" and v.passed == 5
    assert v.first_failure.args == [-1, 1] and v.first_failure.expected == 0 and v.first_failure.got == 99


def test_judge_hidden_failures_are_counted_never_shown(judge):
    v = run(judge, "def add(a, b):\n    return a + b if a < 1000 else 0\n")
    assert v.verdict == "wrong_answer" and v.passed == 5
    assert v.first_failure is None
    assert str(SECRET_EXPECTED) not in v.model_dump_json()


def test_judge_syntax_error(judge):
    v = run(judge, "def add(a, b)\n    return a + b\n")
    assert v.verdict == "syntax_error" and "line 1" in v.message


def test_judge_runtime_error_and_missing_function(judge):
    assert run(judge, "def add(a, b):\n    return a / 0\n").verdict == "runtime_error"
    v = run(judge, "def plus(a, b):\n    return a + b\n")
    assert v.verdict == "runtime_error" and "add()" in v.message


def test_judge_visible_only_dry_run(judge):
    v = judge.run(ADD, GOOD, visible_only=True)
    assert (v.verdict, v.total) == ("accepted", 2)


def test_judge_check_code_runs_in_separate_process(judge):
    q = ADD.model_copy(
        update={
            "tests": ADD.tests[:1],
            "check": "def check(candidate):\n"
            "    assert candidate(2, 3) == 5\n    assert candidate(-4, 4) == 0\n",
        }
    )
    assert judge.run(q, GOOD).verdict == "accepted"
    sneaky = "def add(a, b):\n    return 3 if (a, b) == (1, 2) else -1\n"
    v = judge.run(q, sneaky)
    assert v.verdict == "wrong_answer" and v.tests[-1].name == "check" and not v.tests[-1].passed


@pytest.mark.parametrize(
    "got,expected,equal",
    [
        (0.1 + 0.2, 0.3, True),
        ([1, 2], (1, 2), True),
        ((1, [2.0000001]), [1, [2]], True),
        (1, True, False),
        (True, 1, False),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1.0}, True),
        (float("nan"), float("nan"), True),
        ("a", "a", True),
        (None, 0, False),
        (3, 3.5, False),
    ],
)
def test_compare_documented_equality(got, expected, equal):
    assert values_equal(normalise(got), expected) is equal


def test_compare_rejects_objects_that_fake_equality():
    class Always:
        def __eq__(self, other):
            return True

    with pytest.raises(TypeError):
        normalise(Always())


# --- hostile submissions: each contained, with the right verdict -----------------------------

HOSTILE = {
    "infinite_loop": ("def add(a, b):\n    while True:\n        pass\n", {"time_limit_exceeded"}),
    "fork_bomb": (
        "import os\ndef add(a, b):\n    while True:\n        try:\n            os.fork()\n"
        "        except OSError:\n            pass\n",
        {"time_limit_exceeded", "runtime_error"},
    ),
    "memory_hog": (
        "def add(a, b):\n    hog = [bytearray(64 * 1024 * 1024) for _ in range(64)]\n    return len(hog)\n",
        {"memory_limit_exceeded"},
    ),
    "deep_recursion": ("def add(a, b):\n    return add(a, b) + 1\n", {"runtime_error"}),
    "deep_recursion_limit_raised": (
        "import sys\nsys.setrecursionlimit(10**8)\ndef add(a, b):\n    return add(a, b) + 1\n",
        {"runtime_error", "memory_limit_exceeded", "time_limit_exceeded"},
    ),
    "huge_output": (
        "def add(a, b):\n    while True:\n        print('spam' * 1000)\n",
        {"output_limit_exceeded"},
    ),
    "exit_before_tests": ("import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b\n", {"runtime_error"}),
    "os_exit_in_test": ("import os\ndef add(a, b):\n    os._exit(0)\n", {"runtime_error"}),
    "fake_equality": (
        "class Yes:\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Yes()\n",
        {"runtime_error"},
    ),
    "patch_builtins": (
        "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\n"
        "def add(a, b):\n    return 'x'\n",
        {"wrong_answer", "runtime_error"},
    ),
    "fake_verdict_printed": (
        "import os, json\nprint(json.dumps({'verdict': 'accepted', 'passed': 6, 'total': 6}))\n"
        "def add(a, b):\n    for fd in range(1, 30):\n        try:\n"
        "            os.write(fd, b'\\n' + json.dumps({'type': 'result', 'i': 4, 'ok': True, 'got': 0}).encode() + b'\\n')\n"
        "        except OSError:\n            pass\n    return -1\n",
        {"wrong_answer", "runtime_error"},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_judge_contains_hostile_submission(judge, name):
    code, verdicts = HOSTILE[name]
    v = run(judge, code)
    assert v.verdict in verdicts, (name, v.verdict, v.message)
    assert v.passed < v.total
    assert os.getpid() > 0 and threading.main_thread().is_alive()  # still here, still whole


def test_judge_cannot_read_expected_values(judge):
    snoop = (
        "import gc, sys, os\ndef add(a, b):\n    seen = []\n"
        "    for o in gc.get_objects():\n        if isinstance(o, dict) and 'expected' in o:\n            seen.append(o['expected'])\n"
        "    data = ''\n    for p in ('/proc/self/cmdline', '/proc/1/cmdline'):\n        try:\n            data += open(p).read()\n"
        "        except OSError:\n            pass\n"
        f"    return {SECRET_EXPECTED} if (seen or '{SECRET_EXPECTED}' in data) else a + b + (a > 1000)\n"
    )
    v = run(judge, snoop)
    assert v.verdict == "wrong_answer" and v.passed == 5  # only the secret test fails: nothing was found


def test_judge_scrubs_environment(judge, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-judge")
    leak = (
        "import os\ndef add(a, b):\n    found = [v for v in os.environ.values() if 'sk-' in v]\n"
        "    for pid in os.listdir('/proc'):\n        try:\n            found.append(open(f'/proc/{pid}/environ').read())\n"
        "        except (OSError, ValueError):\n            pass\n    print(found, os.environ.get('HOME'))\n    return found\n"
    )
    v = run(judge, leak)
    assert "sk-test-secret-judge" not in v.model_dump_json()
    assert v.verdict == "wrong_answer"


def test_judge_blocks_network(judge):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    code = (
        f"import socket\ndef add(a, b):\n    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "    return a + b\n"
    )
    v = run(judge, code)
    assert v.verdict == "runtime_error"
    with pytest.raises(socket.timeout):
        listener.accept()  # nothing ever connected
    listener.close()


def test_judge_writes_stay_in_temp_dir(judge):
    marker = f"ib-escape-{uuid.uuid4().hex}"
    code = (
        f"def add(a, b):\n    open('/tmp/{marker}', 'w').write('x')\n    open('{marker}.txt', 'w').write('x')\n"
        "    try:\n        open('/etc/ib-evil', 'w').write('x')\n    except OSError:\n        pass\n    return a + b\n"
    )
    v = run(judge, code)
    wait_for_cleanup()
    assert v.verdict == "accepted"  # writing to its own temp dir is allowed...
    assert not Path(f"/tmp/{marker}").exists() and not Path("/etc/ib-evil").exists()  # ...and nothing escaped
    assert not list(Path("/tmp").glob("ibjudge-*/" + marker + "*"))  # the temp dir was removed


def test_judge_survives_kill_parent_attempts(judge):
    code = (
        "import os, signal\ndef add(a, b):\n    for target in (os.getppid(), 0, -1):\n        try:\n"
        "            os.kill(target, signal.SIGKILL)\n        except OSError:\n            pass\n    return a + b\n"
    )
    v = run(judge, code)
    assert v.verdict in {"accepted", "runtime_error"}
    assert run(judge, GOOD).verdict == "accepted"  # the judge (and this process) carry on


def test_judge_kills_background_processes(judge):
    tag = str(900_000 + os.getpid() % 1000)
    code = (
        "import os, subprocess\ndef add(a, b):\n    if os.fork() == 0:\n        os.setsid()\n"
        f"        os.execv('/bin/sleep', ['sleep', '{tag}'])\n"
        f"    subprocess.Popen(['/bin/sleep', '{tag}'], start_new_session=True)\n    return a + b\n"
    )
    run(judge, code)
    wait_for_cleanup()
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                survivors.append(pid)
        except OSError:
            pass
    assert survivors == []


def test_judge_reports_isolation(judge):
    v = run(judge, GOOD)
    assert v.isolation  # e.g. "namespaces(net,mount,pid)" or the socket-blocking fallback


# --- the built-in bank ----------------------------------------------------------------------

CODING = [q for q in QuestionBank(load_settings()).questions("coding")]


def test_bank_has_coding_questions():
    assert len(CODING) >= 40


def _judge_pair(q: Question):
    wrong = (ROOT / "tests/data/wrong_solutions" / f"{q.id}.py").read_text()
    judge = LocalJudge()
    return q.id, judge.run(q, q.reference_solution), judge.run(q, wrong)


def test_bank_reference_solutions_accepted_and_wrong_ones_rejected():
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_judge_pair, CODING))
    not_accepted = [
        (qid, good.verdict, good.message) for qid, good, _ in results if good.verdict != "accepted"
    ]
    wrongly_accepted = [qid for qid, _, bad in results if bad.verdict == "accepted"]
    assert not_accepted == [] and wrongly_accepted == []


# --- CLI and the Judge0 backend --------------------------------------------------------------


def test_cli_judge_json(tmp_path):
    qfile = ROOT / "knowledge/questions/coding_algorithms.yaml"
    sol = tmp_path / "two_sum.py"
    sol.write_text("def two_sum(nums, target):\n    return [0, 1]\n")
    res = CliRunner().invoke(
        cli, ["judge", str(sol), "--set", str(qfile), "--question", "alg-two-sum", "--json"]
    )
    data = json.loads(res.output)
    assert res.exit_code == 3 and data["verdict"] == "wrong_answer"
    assert set(data) >= {"verdict", "passed", "total", "tests", "first_failure", "stderr_tail"}
    assert all("time_ms" in t for t in data["tests"])


def test_cli_judge_unknown_question_is_a_clear_error(tmp_path):
    sol = tmp_path / "s.py"
    sol.write_text(GOOD)
    res = CliRunner().invoke(
        cli,
        [
            "judge",
            str(sol),
            "--set",
            str(ROOT / "knowledge/questions/coding_algorithms.yaml"),
            "--question",
            "nope",
        ],
    )
    assert res.exit_code == 1 and "no question 'nope'" in res.output


def test_judge0_backend_verdicts(fake_judge0):
    j = Judge0Judge(fake_judge0.url)
    assert j.run(ADD, GOOD).verdict == "accepted"
    wrong = j.run(ADD, "def add(a, b):\n    return a - b\n")
    assert wrong.verdict == "wrong_answer" and wrong.first_failure.args == [1, 2]
    assert j.run(ADD, "def add(a, b)\n  pass\n").verdict == "syntax_error"
    assert j.run(ADD, "import sys\nsys.exit(0)\n").verdict == "runtime_error"
    sent = json.dumps(fake_judge0.requests)
    assert str(SECRET_EXPECTED) not in sent  # expected values never leave this process


def test_judge0_fake_lines_cannot_pass(fake_judge0):
    fake = (
        "import json\ndef add(a, b):\n    for i in range(6):\n"
        "        print(json.dumps({'i': i, 'ok': True, 'got': 0}))\n    return -1\n"
    )
    assert Judge0Judge(fake_judge0.url).run(ADD, fake).verdict == "wrong_answer"


def test_judge0_unreachable_is_a_clear_error():
    from interviewbot.errors import JudgeError

    with pytest.raises(JudgeError, match="INTERVIEWBOT_JUDGE0_URL"):
        Judge0Judge("http://127.0.0.1:9", timeout_s=2).run(ADD, GOOD)


def test_judge_fallback_without_namespaces_blocks_sockets():
    fallback = LocalJudge(isolate=False)
    v = fallback.run(ADD, GOOD)
    assert v.verdict == "accepted" and "sockets blocked" in v.isolation
    code = "import socket\ndef add(a, b):\n    socket.socket()\n    return a + b\n"
    assert fallback.run(ADD, code).verdict == "runtime_error"
    assert fallback.run(ADD, HOSTILE["infinite_loop"][0]).verdict == "time_limit_exceeded"


def test_judge0_locates_syntax_errors_without_submitting(fake_judge0):
    v = Judge0Judge(fake_judge0.url).run(ADD, "def add(a, b):\n    return [a, b\n")
    assert v.verdict == "syntax_error" and v.error.line == 2 and v.error.code == "    return [a, b"
    assert fake_judge0.requests == []  # compiling here found it; nothing ran anywhere


def test_judge0_reports_tracebacks_output_and_typed_values(fake_judge0):
    j = Judge0Judge(fake_judge0.url)
    v = j.run(
        ADD,
        "def add(a, b):\n    print('adding', a)\n    return helper(a, b)\ndef helper(a, b):\n    return a / 0\n",
    )
    assert v.verdict == "runtime_error" and [f.function for f in v.error.frames] == ["add", "helper"]
    assert v.tests[0].stdout == "adding 1\n" and v.first_failure.stdout == "adding 1\n"
    assert j.run(ADD, "def add(a, b):\n    return (a + b,)[0]\n").verdict == "accepted"


def test_judge0_forged_marked_lines_are_interference(fake_judge0):
    # In Judge0's single process the code can find the per-run marker; what it writes with it is checked.
    marker_flood = (
        "import sys\n"
        "def add(a, b):\n"
        "    frame = sys._getframe(1)\n"
        "    marker = [c for c in frame.f_code.co_consts if isinstance(c, str) and c.startswith('\\n@@IB')][0]\n"
        "    sys.stdout.write(marker + '[]\\n')\n"
        "    return a + b\n"
    )
    v = Judge0Judge(fake_judge0.url).run(ADD, marker_flood)
    assert v.verdict == "runtime_error" and "interfered with the judge" in v.message


def test_judge0_sends_check_questions_to_the_local_judge(fake_judge0):
    q = ADD.model_copy(
        update={"tests": ADD.tests[:1], "check": "def check(candidate):\n    assert candidate(2, 5) == 7\n"}
    )
    v = Judge0Judge(fake_judge0.url).run(q, GOOD)
    assert v.verdict == "accepted" and v.backend.startswith("local") and fake_judge0.requests == []
    assert Judge0Judge(fake_judge0.url).run(q, GOOD, visible_only=True).backend == "judge0"
