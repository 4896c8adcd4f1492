"""CSV and Markdown importers: both map onto the question-set schema.

CSV: one row per question; a header with the schema's field names (`id`, `track`, `prompt`, ...);
list fields (`topics`, `key_points`, `hints`, `follow_ups`) separated by `|`; `tests` as a JSON
list. The set name comes from a `set` column or the file name.

Markdown: `# Set name` (optional), then a `##` heading per question; the body up to the first
labelled section is the prompt; optional `Answer:`, `Key points:`, `Hints:`, `Follow-ups:` and
`Track:` / `Difficulty:` / `Topics:` lines. A file that is a plain list of questions (bullets or
numbered lines, like the public ML-interview question lists) imports as questions without
rubrics, flagged `needs_rubric`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from interviewbot.errors import ValidationError
from interviewbot.questions.schema import QuestionSet
from interviewbot.questions.validation import validate_set_data

LIST_FIELDS = ("topics", "key_points", "hints", "follow_ups")
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = 48) -> str:
    """'What is Bias?' -> 'what-is-bias'."""
    return _SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-") or "q"


def _set_name(filename: str) -> str:
    return slugify(Path(filename).stem, 60) or "custom-set"


def parse(text: str, filename: str, fmt: str, taken: dict | None = None) -> QuestionSet:
    """Parse CSV or Markdown text into a validated set (`taken`: ids and names already in use)."""
    if fmt == "csv":
        data, locate = _csv_data(text, filename)
        return validate_set_data(data, filename, locate, unit="row", taken=taken)
    data, locate = _markdown_data(text, filename)
    return validate_set_data(data, filename, locate, taken=taken)


# --- CSV --------------------------------------------------------------------------------------


def _csv_data(text: str, filename: str):
    try:
        reader = csv.DictReader(io.StringIO(text))
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(f"{filename}: malformed CSV ({exc}).") from None
    header = reader.fieldnames or []
    if "prompt" not in header:
        raise ValidationError(
            f"{filename}: the CSV header needs at least a `prompt` column "
            f"(and usually id, track, key_points); found: {', '.join(header) or 'nothing'}."
        )
    problems, questions = [], []
    for n, row in enumerate(rows, start=2):
        q, errs = _csv_question(row, n)
        questions.append(q)
        problems += [f"row {n}: {e}" for e in errs]
    if problems:
        raise ValidationError(f"{filename}: {len(problems)} problem(s) found; nothing was saved.", problems)
    names = {r.get("set", "").strip() for r in rows} - {""}
    data = {"name": names.pop() if len(names) == 1 else _set_name(filename), "questions": questions}
    return data, lambda loc: (loc[1] + 2) if len(loc) > 1 and loc[0] == "questions" else None


def _csv_question(row: dict, n: int) -> tuple[dict, list[str]]:
    q, errs = {}, []
    for key, value in row.items():
        if key is None:  # more cells than header columns
            errs.append("has more cells than the header has columns (quote cells that contain commas)")
            continue
        key, value = key.strip(), (value or "").strip()
        if not value or key == "set":
            continue
        if key in LIST_FIELDS:
            q[key] = [v.strip() for v in value.split("|") if v.strip()]
        elif key == "tests":
            try:
                q[key] = json.loads(value)
            except json.JSONDecodeError as exc:
                errs.append(
                    f"tests is not valid JSON ({exc.msg}); write a JSON list like "
                    '[{"args": [1, 2], "expected": 3}]'
                )
        else:
            q[key] = value
    q.setdefault("id", slugify(q.get("prompt", f"row-{n}")))
    q.setdefault("track", "ml_theory")
    if "prompt" in q and not q.get("key_points") and q.get("track") != "coding":
        q["needs_rubric"] = True
    return q, errs


# --- Markdown ---------------------------------------------------------------------------------

_LABEL = re.compile(
    r"^\s*\**(answer|reference answer|key points|hints|follow[- ]ups?|track|difficulty|topics|id)"
    r"\**\s*:\s*(.*)$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")
_FIELD = {
    "answer": "reference_answer",
    "reference answer": "reference_answer",
    "key points": "key_points",
    "hints": "hints",
    "follow-ups": "follow_ups",
    "follow-up": "follow_ups",
    "follow ups": "follow_ups",
    "follow up": "follow_ups",
    "track": "track",
    "difficulty": "difficulty",
    "topics": "topics",
    "id": "id",
}


def _markdown_data(text: str, filename: str):
    lines = text.splitlines()
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), None)
    name = slugify(title or Path(filename).stem, 60)
    starts = [i for i, ln in enumerate(lines) if re.match(r"^#{2,3}\s+\S", ln)]
    if starts:
        questions = [_md_question(lines[s:e], s + 1) for s, e in zip(starts, starts[1:] + [len(lines)])]
        line_of = [s + 1 for s in starts]
    else:
        items = [(i, m.group(1)) for i, ln in enumerate(lines) if (m := _ITEM.match(ln))]
        if not items:
            raise ValidationError(
                f"{filename}: found no questions. Use a `## heading` per question, "
                "or a bulleted/numbered list of questions."
            )
        questions = [
            {"id": slugify(t), "track": "ml_theory", "prompt": t.strip("* "), "needs_rubric": True}
            for _, t in items
        ]
        line_of = [i + 1 for i, _ in items]
    _dedupe_ids(questions)
    locate = lambda loc: (
        line_of[loc[1]] if len(loc) > 1 and loc[0] == "questions" and loc[1] < len(line_of) else None
    )
    return {"name": name, "questions": questions}, locate


def _md_question(block: list[str], line_no: int) -> dict:
    heading = re.sub(r"^#{2,3}\s+", "", block[0]).strip()
    fields: dict[str, list[str]] = {"prompt": []}
    current = "prompt"
    for ln in block[1:]:
        m = _LABEL.match(ln)
        if m:
            current = _FIELD[m.group(1).lower()]
            fields.setdefault(current, [])
            if m.group(2).strip():
                fields[current].append(m.group(2).strip())
        else:
            fields[current].append(ln)
    q = {"prompt": "\n".join(fields.pop("prompt")).strip() or heading}
    if q["prompt"] != heading and not heading.lower().startswith(("question", "q")):
        q["prompt"] = f"{heading}\n\n{q['prompt']}"
    for key, value in fields.items():
        q[key] = _md_value(key, value)
    q.setdefault("id", slugify(heading))
    q.setdefault("track", "ml_theory")
    if not q.get("key_points") and q["track"] != "coding":
        q["needs_rubric"] = True
    return q


def _md_value(key: str, lines: list[str]):
    if key in ("key_points", "hints", "follow_ups"):
        items = [m.group(1) for ln in lines if (m := _ITEM.match(ln))]
        return items or [ln.strip() for ln in lines if ln.strip()]
    if key == "topics":
        return [t.strip() for t in " ".join(lines).split(",") if t.strip()]
    return "\n".join(lines).strip()


def _dedupe_ids(questions: list[dict]) -> None:
    """Generated ids (from headings) are numbered on collision; explicit ids are left to validation."""
    seen: dict[str, int] = {}
    for q in questions:
        base = q["id"]
        if base in seen:
            seen[base] += 1
            q["id"] = f"{base}-{seen[base]}"
        else:
            seen[base] = 1
