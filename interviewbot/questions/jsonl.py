"""Import HumanEval/MBPP-style JSONL problem files (one coding problem a line) as a question set.

HumanEval style: `task_id`, `prompt` (the signature and docstring, with any helpers), `entry_point`,
`canonical_solution` (the body that completes the prompt), `test` (defines `check(candidate)`);
optional `difficulty`, `topics`, `time_limit_s`, `memory_limit_mb`. Original MBPP style: `task_id`,
`text`, `code`, `test_list` (asserts calling the function by name), optional `test_setup_code`.
Other fields are ignored. The set is named after the file.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import textwrap
from pathlib import Path

from interviewbot.errors import ValidationError
from interviewbot.questions.schema import QuestionSet
from interviewbot.questions.validation import validate_set_data

HUMANEVAL_FIELDS = ("task_id", "prompt", "entry_point", "canonical_solution", "test")
MBPP_FIELDS = ("task_id", "text", "code", "test_list")
OPTIONAL = ("difficulty", "topics", "time_limit_s", "memory_limit_mb")


def parse_jsonl(text: str, filename: str, taken: dict | None = None) -> QuestionSet:
    """A validated set from JSONL text; every problem is reported at once, with its line."""
    records, lines, problems = _records(text)
    questions = []
    for record, line in zip(records, lines):
        try:
            questions.append(_question(record, Path(filename).stem))
        except ValueError as exc:
            problems.append(f"line {line}{_task(record)}: {exc}")
    if problems:
        raise ValidationError(f"{filename}: {len(problems)} problem(s) found; nothing was saved.", problems)
    if not questions:
        raise ValidationError(f"{filename}: no problems found; put one JSON object a line.")
    data = {"name": set_name(filename), "questions": questions}
    locate = lambda loc: lines[loc[1]] if len(loc) > 1 and isinstance(loc[1], int) else None
    return validate_set_data(data, filename, locate, taken=taken)


def _records(text: str) -> tuple[list[dict], list[int], list[str]]:
    """(records, their line numbers, problems) from the text; blank lines are skipped."""
    records, lines, problems = [], [], []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON at column {exc.colno}: {exc.msg}")
            continue
        if not isinstance(record, dict):
            problems.append(f"line {number}: expected a JSON object, got {type(record).__name__}")
            continue
        records.append(record)
        lines.append(number)
    return records, lines, problems


def _task(record: dict) -> str:
    return f" (task {record['task_id']})" if "task_id" in record else ""


def set_name(filename: str) -> str:
    """A valid set name from the file name: "HumanEval.jsonl" -> "humaneval"."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", Path(filename).stem.lower()).strip("-_")
    return slug[:64] or "imported-set"


def question_id(task_id, stem: str) -> str:
    """A valid question id from a task id: "HumanEval/0" -> "humaneval-0"; 11 -> "<file>-11"."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(task_id).lower()).strip("-")
    if not re.search(r"[a-z]", slug):
        slug = f"{set_name(stem)}-{slug}"
    return re.sub(r"[^a-z0-9]+", "-", slug).strip("-")[:80]


def _question(record: dict, stem: str) -> dict:
    """The set-format question for one record (HumanEval or MBPP style)."""
    if "prompt" in record or "canonical_solution" in record:
        question = _humaneval(record, stem)
    elif "text" in record and "test_list" in record:
        question = _mbpp(record, stem)
    else:
        raise ValueError(
            "neither HumanEval fields (task_id, prompt, entry_point, canonical_solution, test) "
            "nor MBPP fields (task_id, text, code, test_list)"
        )
    question |= {k: record[k] for k in OPTIONAL if k in record}
    return question


def _require(record: dict, fields: tuple[str, ...]) -> None:
    missing = [f for f in fields if f not in record]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)} (add them)")
    wrong = [f for f in fields if f != "task_id" and f != "test_list" and not isinstance(record[f], str)]
    if wrong:
        raise ValueError(f"field(s) {', '.join(wrong)} must be text")


def _humaneval(record: dict, stem: str) -> dict:
    _require(record, HUMANEVAL_FIELDS)
    prompt, entry = record["prompt"], record["entry_point"]
    return {
        "id": question_id(record["task_id"], stem),
        "track": "coding",
        "prompt": f"Complete `{entry}` so that it does what its docstring says.\n\n```python\n{prompt}\n```",
        "entry_point": entry,
        "starter_code": prompt,
        "reference_solution": prompt + record["canonical_solution"],
        "check": _as_check(record["test"]),
    }


def _mbpp(record: dict, stem: str) -> dict:
    _require(record, MBPP_FIELDS)
    asserts = record["test_list"]
    if not isinstance(asserts, list) or not asserts or not all(isinstance(a, str) for a in asserts):
        raise ValueError("test_list must be a non-empty list of assert lines")
    entry = _called_name(asserts[0])
    setup = record.get("test_setup_code") or ""
    return {
        "id": question_id(record["task_id"], stem),
        "track": "coding",
        "prompt": record["text"],
        "entry_point": entry,
        "starter_code": _signature(record["code"], entry),
        "reference_solution": record["code"],
        "check": _as_check(setup + "\n" + "\n".join(asserts)),
    }


def _as_check(test: str) -> str:
    """Test code defining check(candidate); bare asserts are wrapped into one (they call by name)."""
    if re.search(r"^def check\(", test, re.MULTILINE):
        return test
    return "def check(candidate):\n" + textwrap.indent(textwrap.dedent(test).strip() + "\n", "    ")


def _called_name(line: str) -> str:
    """The function an MBPP assert calls: `assert set(f(1)) == {2}` -> "f" (the first non-builtin call)."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in _BUILTINS:
            return node.func.id
    raise ValueError(f"cannot tell which function the first test calls: {line[:80]!r}")


_BUILTINS = set(dir(builtins))


def _signature(code: str, entry: str) -> str:
    """`def entry(args):` with an empty body, from the reference code (or a bare one)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        tree = None
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            return f"def {entry}({ast.unparse(node.args)}):\n    ...\n"
    return f"def {entry}(*args):\n    ...\n"
