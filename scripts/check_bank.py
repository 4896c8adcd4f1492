"""Developer check for a question-set file: validate it, run each coding question's reference
solution (and tests/data/wrong_solutions/<id>.py if present) against its tests in-process.

    .venv/bin/python scripts/check_bank.py knowledge/questions/coding_algorithms.yaml

This is a quick authoring aid (no sandbox); the test suite runs the real judge.
"""

import sys
from pathlib import Path

from interviewbot.judge.compare import normalise, values_equal
from interviewbot.questions import load_question_set

ROOT = Path(__file__).resolve().parent.parent


def run_solution(question, code):
    ns = {"__name__": "solution"}
    exec(compile(code, f"<{question.id}>", "exec"), ns)
    fn = ns[question.entry_point]
    failures = []
    for i, case in enumerate(question.tests):
        try:
            got = normalise(fn(*case.args, **case.kwargs))
            ok = values_equal(got, case.expected)
        except Exception as exc:
            got, ok = f"{type(exc).__name__}: {exc}", False
        if not ok:
            failures.append((i, case.args, case.expected, got))
    if question.check:
        cns = {}
        exec(question.check, cns)
        try:
            cns["check"](fn)
        except Exception as exc:
            failures.append(("check", None, None, f"{type(exc).__name__}: {exc}"))
    return failures


def main(path):
    qset = load_question_set(path)
    print(f"{path}: valid, {len(qset.questions)} questions")
    bad = 0
    for q in qset.questions:
        if q.track != "coding":
            continue
        hidden = len(q.hidden_tests)
        if len(q.tests) < 6 or hidden < 3:
            print(f"  {q.id}: needs >= 6 tests and >= 3 hidden (has {len(q.tests)}, {hidden} hidden)")
            bad += 1
        fails = run_solution(q, q.reference_solution or "")
        if fails:
            bad += 1
            print(f"  {q.id}: reference solution FAILS {fails[:2]}")
        wrong = ROOT / "tests/data/wrong_solutions" / f"{q.id}.py"
        if not wrong.is_file():
            print(f"  {q.id}: no wrong solution at {wrong.relative_to(ROOT)}")
            bad += 1
        elif not run_solution(q, wrong.read_text()):
            print(f"  {q.id}: the wrong solution passes every test (tests too weak?)")
            bad += 1
    print("OK" if not bad else f"{bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(max(main(p) for p in sys.argv[1:]))
