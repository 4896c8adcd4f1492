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


def _problems_from(exc: PydanticError, data, locate, unit: str = "line") -> list[str]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        line = locate(loc) if locate else None
        where = f"{unit} {line}: " if line else ""
        msg = err["msg"].removeprefix("Value error, ")
        fix = _FIXES.get(err["type"])
        problems.append(f"{where}{_describe(loc, data)}: {msg}" + (f" ({fix})" if fix else ""))
    return problems


def validate_set_data(data, filename: str, locate=None, unit: str = "line") -> QuestionSet:
    """Validate already-parsed data (a mapping with name + questions)."""
    if not isinstance(data, dict):
        raise ValidationError(
            f"{filename}: expected a mapping with `name:` and `questions:` at the top, "
            f"got {type(data).__name__}."
        )
    try:
        return QuestionSet.model_validate(data)
    except PydanticError as exc:
        problems = _problems_from(exc, data, locate, unit)
        raise ValidationError(
            f"{filename}: {len(problems)} problem(s) found; nothing was saved.", problems
        ) from None
