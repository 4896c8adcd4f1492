"""Agreement of a grader with human scores: Pearson, Spearman, RMSE after linear rescaling."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewbot.errors import ValidationError
from interviewbot.questions import Question

REQUIRED = ("question", "reference_answer", "answer", "human_score")
MAX_ROWS = 10_000


@dataclass
class GradedRow:
    """One human-scored answer."""

    line: int
    question: Question
    answer: str
    human_score: float
    track: str


def _key_points(row: dict) -> list[str]:
    """Explicit key points (| separated), else sentences of the reference answer."""
    from interviewbot.grading.text import sentences

    raw = (row.get("key_points") or "").strip()
    if raw:
        return [p.strip() for p in raw.split("|") if len(p.strip()) >= 3]
    return [s for s in sentences(row["reference_answer"]) if len(s.split()) >= 4][:8]


def load_graded_csv(path: str | Path) -> list[GradedRow]:
    """Read a CSV of human-scored answers; every bad row is reported with its line."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file.")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(
                f"{path.name}: missing column(s) {', '.join(missing)}; "
                f"the header must include {', '.join(REQUIRED)} [, key_points, track]."
            )
        rows, problems = [], []
        for n, row in enumerate(reader, start=2):
            if n > MAX_ROWS:
                raise ValidationError(f"{path.name}: more than {MAX_ROWS} rows; split the file.")
            try:
                rows.append(_row(n, row))
            except (ValueError, TypeError) as exc:
                problems.append(f"line {n}: {exc}")
    if problems:
        raise ValidationError(f"{path.name}: {len(problems)} bad row(s).", problems)
    if len(rows) < 3:
        raise ValidationError(f"{path.name}: needs at least 3 scored answers to compute agreement.")
    return rows


def _row(n: int, row: dict) -> GradedRow:
    try:
        human = float(row["human_score"])
    except (TypeError, ValueError):
        raise ValueError(f"human_score {row['human_score']!r} is not a number (use 0-10)") from None
    if not 0 <= human <= 10:
        raise ValueError(f"human_score {human} is outside 0-10")
    if not (row.get("question") or "").strip():
        raise ValueError("question is empty")
    track = (row.get("track") or "ml_theory").strip() or "ml_theory"
    q = Question(
        id=f"eval-row-{n}",
        track="ml_theory" if track == "coding" else track,
        prompt=row["question"],
        reference_answer=row.get("reference_answer") or "",
        key_points=_key_points(row) or ["(no rubric)"],
        topics=[],
    )
    return GradedRow(n, q, row.get("answer") or "", human, track)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    for value in np.unique(x):  # average ranks for ties
        mask = x == value
        ranks[mask] = ranks[mask].mean()
    return ranks


def agreement(predicted: list[float], human: list[float]) -> dict:
    """n, Pearson, Spearman and RMSE after fitting human ~ a * predicted + b."""
    p, h = np.asarray(predicted, float), np.asarray(human, float)
    pearson = float(np.corrcoef(p, h)[0, 1]) if p.std() and h.std() else float("nan")
    spearman = float(np.corrcoef(_ranks(p), _ranks(h))[0, 1]) if p.std() and h.std() else float("nan")
    a, b = np.polyfit(p, h, 1) if p.std() else (0.0, h.mean())
    rmse = float(math.sqrt(np.mean((a * p + b - h) ** 2)))
    raw_rmse = float(math.sqrt(np.mean((p - h) ** 2)))
    return {
        "n": len(p),
        "pearson": round(pearson, 3),
        "spearman": round(spearman, 3),
        "rmse": round(rmse, 3),
        "rmse_raw": round(raw_rmse, 3),
    }


def evaluate_grader(grader, rows: list[GradedRow]) -> dict:
    """Grade every row and report agreement overall and per track."""
    predicted = [grader.grade(r.question, r.answer).feedback.score for r in rows]
    report = agreement(predicted, [r.human_score for r in rows])
    tracks = sorted({r.track for r in rows})
    report["per_track"] = {
        t: agreement(
            [p for p, r in zip(predicted, rows) if r.track == t],
            [r.human_score for r in rows if r.track == t],
        )
        for t in tracks
        if sum(r.track == t for r in rows) >= 3
    }
    return report
