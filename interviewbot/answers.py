"""Candidate input: cleaning answers and code, and reading them from files or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

from interviewbot.errors import ValidationError

MAX_ANSWER_CHARS = 50_000
MAX_CODE_CHARS = 100_000


def clean_answer(text: str) -> str:
    """A text answer without NUL bytes or surrounding space; empty or huge answers are rejected."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError("the answer is empty: type an answer, or use skip / hint.")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValidationError(
            f"the answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}. Shorten it "
            "to the essentials (nothing was submitted)."
        )
    return text


def clean_code(code: str) -> str:
    """Submitted code without NUL bytes; empty or huge code is rejected."""
    code = (code or "").replace("\x00", "")
    if not code.strip():
        raise ValidationError("the code is empty: write the function, then submit.")
    if len(code) > MAX_CODE_CHARS:
        raise ValidationError(f"the code is {len(code):,} characters; the limit is {MAX_CODE_CHARS:,}.")
    return code


def read_text_file(name: str, what: str = "answer") -> str:
    """A UTF-8 text file ('-' reads stdin), with one-line errors for a missing or binary file."""
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not path.is_file():
        raise ValidationError(f"{name}: no such {what} file.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{name}: not UTF-8 text; save the {what} as plain text.") from None
