"""Validation of parsed question-set data, with every problem located (line or row) and a fix."""

from __future__ import annotations

from pydantic import ValidationError as PydanticError

from interviewbot.errors import ValidationError
from interviewbot.questions.schema import QuestionSet


def _describe(loc, data) -> str:
    """'question 3 (id mlt-x), field track' from a pydantic location tuple."""
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "questions" and isinstance(parts[1], int):
        index = parts[1]
        qid = None
        try:
            qid = data["questions"][index].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        where = f"question {index + 1}" + (f" (id {qid})" if qid else "")
        rest = ".".join(str(p) for p in parts[2:])
        return f"{where}, field {rest}" if rest else where
    return "field " + ".".join(str(p) for p in parts) if parts else "top level"


_FIXES = {
    "missing": "add it",
    "literal_error": "use one of the allowed values",
    "extra_forbidden": "remove it or check its spelling",
    "string_pattern_mismatch": "use lowercase letters, digits and dashes",
    "list_type": "make it a list",
    "string_type": "make it text",
    "too_short": "add at least one item",
}


def _problems_from(exc: PydanticError, data, locate, unit: str, skip_duplicates: bool) -> list[tuple]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        msg = err["msg"].removeprefix("Value error, ")
        if skip_duplicates and msg.startswith("duplicate question ids"):
            continue  # reported per question, at the second copy's line
        fix = _FIXES.get(err["type"])
        problems.append(
            _located(locate, loc, unit, f"{_describe(loc, data)}: {msg}" + (f" ({fix})" if fix else ""))
        )
    return problems


def _located(locate, loc, unit: str, text: str) -> tuple:
    line = locate(loc) if locate else None
    return (line or 0, f"{unit} {line}: {text}" if line else text)


def _raw_questions(data: dict) -> list[tuple[int, str]]:
    questions = data.get("questions")
    if not isinstance(questions, list):
        return []
    return [
        (i, q["id"]) for i, q in enumerate(questions) if isinstance(q, dict) and isinstance(q.get("id"), str)
    ]


def _id_problems(data: dict, locate, unit: str, taken: dict[str, str] | None) -> list[tuple]:
    """Ids used twice in the file (at the later copy) and ids or a name already used by other sets."""
    problems, first = [], {}
    for i, qid in _raw_questions(data):
        loc = ("questions", i, "id")
        if qid in first:
            earlier = first[qid] + 1
            text = (
                f"question {i + 1} (id {qid}): duplicate id, question {earlier} already uses it; rename one"
            )
            problems.append(_located(locate, loc, unit, text))
        first.setdefault(qid, i)
        if taken and qid in taken.get("ids", {}):
            owner = taken["ids"][qid]
            text = f"question {i + 1} (id {qid}): this id is already used in set {owner!r}; rename it"
            problems.append(_located(locate, loc, unit, text))
    name = data.get("name")
    if taken and isinstance(name, str) and name in taken.get("names", ()):
        text = (
            f"a set named {name!r} already exists; rename the set (`name:`) or remove the old one "
            f"with `interviewbot questions remove {name}`"
        )
        problems.append(_located(locate, ("name",), unit, text))
    return problems


def validate_set_data(
    data, filename: str, locate=None, unit: str = "line", taken: dict | None = None
) -> QuestionSet:
    """Validate already-parsed data (a mapping with name + questions); every problem at once, in file order.

    `taken` ({"ids": {id: set name}, "names": {...}}) reports clashes with the sets already loaded.
    """
    if not isinstance(data, dict):
        raise ValidationError(
            f"{filename}: expected a mapping with `name:` and `questions:` at the top, "
            f"got {type(data).__name__}."
        )
    problems = _id_problems(data, locate, unit, taken)
    try:
        qset = QuestionSet.model_validate(data)
    except PydanticError as exc:
        problems += _problems_from(exc, data, locate, unit, skip_duplicates=bool(problems))
        qset = None
    if problems:
        texts = [text for _, text in sorted(problems, key=lambda p: p[0])]
        raise ValidationError(f"{filename}: {len(texts)} problem(s) found; nothing was saved.", texts)
    return qset
