"""Question-set schema, loading and validation (YAML/JSON; CSV and Markdown importers map onto it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic import (
    ValidationError as PydanticError,
)

from interviewbot.errors import ValidationError

TRACKS = ("coding", "ml_theory", "system_design", "behavioral")
DIFFICULTIES = ("easy", "medium", "hard")
# System-design key points are walked in this order; behavioral ones follow STAR.
DESIGN_PHASES = (
    "requirements",
    "data",
    "features",
    "model",
    "evaluation",
    "serving",
    "monitoring",
    "scaling",
)
STAR_PHASES = ("situation", "task", "action", "result")
PHASES = DESIGN_PHASES + STAR_PHASES
ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SET_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_FILE_BYTES = 5 * 1024 * 1024

Track = Literal["coding", "ml_theory", "system_design", "behavioral"]
Difficulty = Literal["easy", "medium", "hard"]


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


class KeyPoint(BaseModel):
    """One rubric item: what a strong answer covers, optionally tagged with its phase."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=3)
    phase: str | None = None

    @field_validator("phase")
    @classmethod
    def _known_phase(cls, v):
        if v is not None and v not in PHASES:
            raise ValueError(f"unknown phase {v!r}; use one of: {', '.join(PHASES)}")
        return v


class TestCase(BaseModel):
    """A judge case: call entry_point(*args, **kwargs) and compare with expected."""

    model_config = ConfigDict(extra="forbid")
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None
    hidden: bool = False
    name: str | None = None

    @model_validator(mode="after")
    def _serialisable(self):
        for label, value in (("args", self.args), ("kwargs", self.kwargs), ("expected", self.expected)):
            if not _json_safe(value):
                raise ValueError(f"test {label} must be JSON-serialisable (no NaN, sets, objects)")
        return self


class Question(BaseModel):
    """One interview question with its rubric (and, for coding, its tests)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN, max_length=80)
    track: Track
    topics: list[str] = Field(default_factory=list)
    difficulty: Difficulty = "medium"
    prompt: str = Field(min_length=5, max_length=20_000)
    key_points: list[KeyPoint] = Field(default_factory=list)
    reference_answer: str = ""
    hints: list[str] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    entry_point: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    starter_code: str | None = None
    tests: list[TestCase] = Field(default_factory=list)
    check: str | None = None
    reference_solution: str | None = None
    time_limit_s: float = Field(default=2.0, gt=0, le=30)
    memory_limit_mb: int = Field(default=256, ge=32, le=4096)
    # Imported from a plain list of questions: no rubric to grade against.
    needs_rubric: bool = False

    @field_validator("key_points", mode="before")
    @classmethod
    def _key_point_strings(cls, v):
        if isinstance(v, list):
            return [{"text": item} if isinstance(item, str) else item for item in v]
        return v

    @field_validator("topics", mode="after")
    @classmethod
    def _normalise_topics(cls, v):
        return [t.strip().lower().replace(" ", "-") for t in v if t and t.strip()]

    @field_validator("prompt", mode="after")
    @classmethod
    def _prompt_not_blank(cls, v):
        if not v.strip():
            raise ValueError("prompt is blank")
        return v

    @model_validator(mode="after")
    def _coding_requirements(self):
        if self.track == "coding":
            if not self.entry_point:
                raise ValueError("a coding question needs entry_point (the function name to call)")
            if not self.tests and not (self.check and self.check.strip()):
                raise ValueError("a coding question needs tests, check, or both")
        if not self.key_points and not self.needs_rubric and self.track != "coding":
            raise ValueError(
                "key_points is empty: add the rubric (what a strong answer covers), or set needs_rubric: true"
            )
        return self

    @property
    def visible_tests(self) -> list[TestCase]:
        return [t for t in self.tests if not t.hidden]

    @property
    def hidden_tests(self) -> list[TestCase]:
        return [t for t in self.tests if t.hidden]

    def public_dict(self) -> dict:
        """What the candidate may see: no reference answer/solution, no hidden tests."""
        data = self.model_dump(exclude={"reference_answer", "reference_solution", "check", "tests"})
        data["tests"] = [t.model_dump() for t in self.visible_tests]
        data["hidden_test_count"] = len(self.hidden_tests)
        return data


class QuestionSet(BaseModel):
    """A named collection of questions (a file on disk)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=SET_NAME_PATTERN)
    description: str = ""
    questions: list[Question] = Field(min_length=1)
    builtin: bool = Field(default=False, exclude=True)
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_ids(self):
        seen: set[str] = set()
        dups = sorted({q.id for q in self.questions if q.id in seen or seen.add(q.id)})
        if dups:
            raise ValueError(f"duplicate question ids in the set: {', '.join(dups)}")
        return self

    def get(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


# --- loading with located errors ------------------------------------------------------------

SET_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv", ".md", ".markdown")


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ValidationError(f"{path}: no such file. Check the path.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"{path.name}: file is {size / 2**20:.1f} MB; question sets are limited to "
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


def parse_question_set(text: str, filename: str, fmt: str) -> QuestionSet:
    """Parse and validate a set from text; every problem is reported at once, with its line."""
    import yaml

    if fmt in ("csv", "md"):
        from interviewbot import importers

        return importers.parse(text, filename, fmt)
    if fmt == "jsonl":  # HumanEval/MBPP-style problem files
        from interviewbot.jsonl_import import parse_jsonl

        return parse_jsonl(text, filename)
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_LOADER)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{filename}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationError(
            f"{filename}: invalid YAML{where}: {problem}. Check indentation and quoting."
        ) from None
    return validate_set_data(data, filename, _yaml_locator(text) if fmt == "yaml" else None)


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


def detect_format(path: Path) -> str:
    """yaml | json | jsonl | csv | md from the file suffix."""
    suffix = path.suffix.lower()
    if suffix not in SET_SUFFIXES:
        raise ValidationError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use .yaml, .json, .jsonl, .csv or .md."
        )
    return {".yml": "yaml", ".markdown": "md"}.get(suffix, suffix[1:])


_CACHE: dict[tuple[str, int, int], QuestionSet] = {}


def load_question_set(path: str | Path) -> QuestionSet:
    """Load and validate a question-set file (YAML, JSON, CSV or Markdown); cached by mtime and size."""
    path = Path(path)
    fmt = detect_format(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    if key in _CACHE:
        return _CACHE[key].model_copy(deep=True)
    qset = parse_question_set(_read_text(path), path.name, fmt)
    qset.source = str(path)
    if key is not None:
        _CACHE[key] = qset.model_copy(deep=True)
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
