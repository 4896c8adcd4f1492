"""Question-set files: reading (size, encoding), format detection, parsing with located errors, export."""

from __future__ import annotations

import json
from pathlib import Path

from interviewbot.errors import ValidationError
from interviewbot.questions import importers
from interviewbot.questions.jsonl import parse_jsonl
from interviewbot.questions.schema import QuestionSet
from interviewbot.questions.validation import validate_set_data

MAX_FILE_BYTES = 5 * 1024 * 1024
SET_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv", ".md", ".markdown")


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ValidationError(f"{path}: no such file. Check the path.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"{path.name}: the file is {size / 2**20:.2f} MB; question sets are limited to "
            f"{MAX_FILE_BYTES // 2**20} MB. Split it into several sets."
        )
    if size == 0:
        raise ValidationError(f"{path.name}: the file is empty. Add `name:` and a `questions:` list.")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValidationError(f"{path.name}: this is a binary file, not YAML/JSON/CSV/Markdown text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path.name}: not valid UTF-8 at byte {exc.start}; re-save it as UTF-8."
        ) from None


try:  # libyaml's C parser is ~10x faster on the large built-in banks
    from yaml import CSafeLoader as _LOADER
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _LOADER


def _yaml_locator(text: str):
    """Map a pydantic error location to a 1-based line using the YAML node tree."""
    import yaml

    tree: list = []

    def locate(loc) -> int | None:
        if not tree:  # composed only when there is an error to locate
            try:
                tree.append(yaml.compose(text, Loader=_LOADER))
            except yaml.YAMLError:
                tree.append(None)
        node, line = tree[0], None
        for part in loc:
            if node is None:
                break
            line = node.start_mark.line + 1
            node = _child(node, part)
        return node.start_mark.line + 1 if node is not None else line

    return locate


def _child(node, part):
    import yaml

    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == part), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None


def parse_question_set(text: str, filename: str, fmt: str, taken: dict | None = None) -> QuestionSet:
    """Parse and validate a set from text; every problem is reported at once, with its line."""
    import yaml

    if fmt in ("csv", "md"):
        return importers.parse(text, filename, fmt, taken)
    if fmt == "jsonl":  # HumanEval/MBPP-style problem files
        return parse_jsonl(text, filename, taken)
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_LOADER)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{filename}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{filename}: {_yaml_problem(exc)}. Check indentation and quoting.") from None
    return validate_set_data(data, filename, _yaml_locator(text) if fmt == "yaml" else None, taken=taken)


def _yaml_problem(exc) -> str:
    """Where YAML broke: where the unclosed thing opened when the parser only noticed at the end."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context", None)
    opened = getattr(exc, "context_mark", None)
    if opened is not None and context and "end of stream" in problem:
        return (
            f"invalid YAML at line {opened.line + 1}, column {opened.column + 1}: {context} that is never "
            f"closed ({problem})"
        )
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {problem}"


def detect_format(path: Path) -> str:
    """yaml | json | jsonl | csv | md from the file suffix."""
    suffix = path.suffix.lower()
    if suffix not in SET_SUFFIXES:
        raise ValidationError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use .yaml, .json, .jsonl, .csv or .md."
        )
    return {".yml": "yaml", ".markdown": "md"}.get(suffix, suffix[1:])


def load_question_set(path: str | Path, taken: dict | None = None) -> QuestionSet:
    """Parse and validate a question-set file (YAML, JSON, CSV or Markdown); `taken`: see validation."""
    path = Path(path)
    fmt = detect_format(path)
    qset = parse_question_set(_read_text(path), path.name, fmt, taken)
    qset.source = str(path)
    return qset


def dump_question_set(qset: QuestionSet) -> str:
    """The set as YAML (the canonical export format)."""
    import yaml

    data = qset.model_dump(mode="json", exclude_defaults=False)
    for q in data["questions"]:
        q["key_points"] = [kp["text"] if kp["phase"] is None else kp for kp in q["key_points"]]
        for key in [k for k, v in q.items() if v in (None, [], "") or (k == "needs_rubric" and v is False)]:
            del q[key]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
