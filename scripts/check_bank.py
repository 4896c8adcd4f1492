"""Developer check for question-set files: validate each, then judge every coding question's reference
solution (and tests/data/wrong_solutions/<id>.py when present) in the real sandbox.

    .venv/bin/python scripts/check_bank.py knowledge/questions/coding_algorithms.yaml [more sets...]

A failing reference solution is printed in full, hidden check traceback included (an exception in
check code that is not an AssertionError is an authoring error). Built-in sets also need >= 6
tests with >= 3 hidden, and a wrong solution the tests reject; `--imported` skips those two rules
(for HumanEval/MBPP-style JSONL sets, whose only test is `check`). Exit 1 on any problem.
"""

import argparse
import sys
from pathlib import Path

from interviewbot.judge.explain import verdict_text
from interviewbot.judge.local import LocalJudge
from interviewbot.questions import load_question_set

ROOT = Path(__file__).resolve().parent.parent
WRONG = ROOT / "tests/data/wrong_solutions"


def check_question(judge, question, imported: bool) -> list[str]:
    """The problems with one coding question (empty when it is fine)."""
    problems = []
    hidden = len(question.hidden_tests)
    if not imported and (len(question.tests) < 6 or hidden < 3):
        problems.append(f"needs >= 6 tests and >= 3 hidden (has {len(question.tests)}, {hidden} hidden)")
    good = judge.run(question, question.reference_solution or "")
    if not good.accepted:
        detail = verdict_text(good, question.entry_point, verbose=True)
        problems.append("reference solution not accepted:\n" + _indent(detail))
    wrong = WRONG / f"{question.id}.py"
    if wrong.is_file():
        if judge.run(question, wrong.read_text(encoding="utf-8")).accepted:
            problems.append("the wrong solution is accepted (tests too weak?)")
    elif not imported:
        problems.append(f"no wrong solution at {wrong.relative_to(ROOT)}")
    return problems


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def check_set(path: str, imported: bool) -> int:
    """Print each problem of one set file; the number of questions with problems."""
    qset = load_question_set(path)
    print(f"{path}: valid, {len(qset.questions)} questions")
    judge, bad = LocalJudge(), 0
    for question in (q for q in qset.questions if q.track == "coding"):
        problems = check_question(judge, question, imported)
        bad += bool(problems)
        for problem in problems:
            print(f"  {question.id}: {problem}")
    print("OK" if not bad else f"{bad} question(s) with problems")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="+", help="question-set files (YAML, JSON, JSONL, CSV, Markdown)")
    parser.add_argument("--imported", action="store_true", help="skip the built-in bank's test-count rules")
    args = parser.parse_args()
    return 1 if sum(check_set(path, args.imported) for path in args.sets) else 0


if __name__ == "__main__":
    sys.exit(main())
