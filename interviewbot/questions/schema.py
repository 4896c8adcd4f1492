"""Question-set schema: the pydantic models and the vocabularies (tracks, difficulties, phases)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from interviewbot.vocabulary import DIFFICULTIES, PHASES, TRACKS

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SET_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Track = Literal[TRACKS]  # the Literal spelled from the one list of tracks
Difficulty = Literal[DIFFICULTIES]


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
