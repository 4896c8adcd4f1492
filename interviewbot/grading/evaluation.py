"""Agreement of a grader with human scores: Pearson (with a bootstrap interval), Spearman, RMSE,
beside two baselines measured in the same run, overall and per group (track, split or question)."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interviewbot.errors import ValidationError
from interviewbot.questions import TRACKS, KeyPoint, Question

REQUIRED = ("question", "reference_answer", "answer", "human_score")
OPTIONAL = ("key_points", "track", "split", "qid")
GROUPS = ("track", "split", "qid")
MAX_PROBLEMS_SHOWN = 20
BOOTSTRAP_SAMPLES = 1000
MIN_GROUP_ROWS = 3  # fewer scored answers than this say nothing about agreement


@dataclass
class GradedRow:
    """One human-scored answer."""

    line: int
    question: Question
    answer: str
    human_score: float
    track: str
    split: str = ""
    qid: str = ""


def _key_points(row: dict) -> list[str]:
    """Explicit key points (| separated), else reference sentences of 4+ words, else the whole reference."""
    from interviewbot.grading.text import sentences

    raw = (row.get("key_points") or "").strip()
    if raw:
        return [p.strip() for p in raw.split("|") if p.strip()]
    reference = (row.get("reference_answer") or "").strip()
    points = [s for s in sentences(reference) if len(s.split()) >= 4][:8]
    return points or ([reference] if reference else [])


def _open(path: Path):
    if not path.is_file():
        raise ValidationError(f"{path}: no such file.")
    return path.open(newline="", encoding="utf-8-sig")


def _reader(fh, path: Path) -> csv.DictReader:
    reader = csv.DictReader(fh)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            f"{path.name}: missing column(s) {', '.join(missing)}; "
            f"the header must include {', '.join(REQUIRED)} [, {', '.join(OPTIONAL)}]."
        )
    return reader


def check_graded_csv(path: str | Path) -> int:
    """Validate every row (streaming); the number of rows, or one error listing the bad lines."""
    path = Path(path)
    problems, count = [], 0
    try:
        with _open(path) as fh:
            for n, row in enumerate(_reader(fh, path), start=2):
                count += 1
                try:
                    _fields(row)
                except (ValueError, TypeError) as exc:
                    problems.append(f"line {n}: {exc}")
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name}: not UTF-8 text; re-save the CSV as UTF-8.") from None
    except csv.Error as exc:
        raise ValidationError(f"{path.name}: not a readable CSV ({exc}).") from None
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise ValidationError(
            f"{path.name}: {len(problems)} bad row(s); fix them and run again.",
            shown + ([f"... and {more} more"] if more else []),
        )
    if count < MIN_GROUP_ROWS:
        raise ValidationError(
            f"{path.name}: needs at least {MIN_GROUP_ROWS} scored answers to compute agreement."
        )
    return count


def iter_graded_csv(path: str | Path) -> Iterator[GradedRow]:
    """The rows of a checked CSV, one at a time (files of any size)."""
    path = Path(path)
    with _open(path) as fh:
        for n, row in enumerate(_reader(fh, path), start=2):
            yield _row(n, row)


def load_graded_csv(path: str | Path) -> list[GradedRow]:
    """Check a CSV of human-scored answers and read all of it."""
    check_graded_csv(path)
    return list(iter_graded_csv(path))


def _fields(row: dict) -> tuple[float, str, str]:
    """The checked human score, question and track of a row (ValueError says what is wrong)."""
    try:
        human = float(row["human_score"])
    except (TypeError, ValueError):
        raise ValueError(f"human_score {row['human_score']!r} is not a number (use 0-10)") from None
    if not 0 <= human <= 10:
        raise ValueError(f"human_score {human} is outside 0-10")
    prompt = (row.get("question") or "").strip()
    if not prompt:
        raise ValueError("question is empty")
    track = (row.get("track") or "").strip() or "ml_theory"
    if track not in TRACKS:
        raise ValueError(f"track {track!r} is unknown; use one of {', '.join(TRACKS)}")
    return human, prompt, track


def _row(n: int, row: dict) -> GradedRow:
    human, prompt, track = _fields(row)
    # Eval rows are not question-set input: "Why?" is a real question, so no schema minimums apply.
    question = Question.model_construct(
        id=f"eval-row-{n}",
        track="ml_theory" if track == "coding" else track,
        prompt=prompt,
        reference_answer=row.get("reference_answer") or "",
        key_points=[KeyPoint.model_construct(text=p, phase=None) for p in _key_points(row)],
        topics=[],
    )
    split, qid = (row.get("split") or "").strip(), (row.get("qid") or "").strip()
    return GradedRow(n, question, row.get("answer") or "", human, track, split, qid)


# --- agreement --------------------------------------------------------------------------------


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return sums[inverse] / counts[inverse]  # average ranks for ties


def pearson(p: np.ndarray, h: np.ndarray) -> float:
    """Pearson correlation (nan when either side is constant)."""
    return float(np.corrcoef(p, h)[0, 1]) if p.std() and h.std() else float("nan")


def pearson_interval(p: np.ndarray, h: np.ndarray, samples: int = BOOTSTRAP_SAMPLES) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval for Pearson, resampling answers (seeded: reproducible)."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(p), size=(samples, len(p)))
    ps, hs = p[idx], h[idx]
    ps, hs = ps - ps.mean(axis=1, keepdims=True), hs - hs.mean(axis=1, keepdims=True)
    denom = np.sqrt((ps**2).sum(axis=1) * (hs**2).sum(axis=1))
    r = np.divide((ps * hs).sum(axis=1), denom, out=np.full(samples, np.nan), where=denom > 0)
    r = r[~np.isnan(r)]
    if not len(r):
        return float("nan"), float("nan")
    return float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))


def agreement(predicted, human, interval: bool = False) -> dict:
    """n, Pearson, Spearman and RMSE after fitting human ~ a * predicted + b."""
    p, h = np.asarray(predicted, float), np.asarray(human, float)
    a, b = np.polyfit(p, h, 1) if p.std() else (0.0, h.mean())
    report = {
        "n": len(p),
        "pearson": round(pearson(p, h), 3),
        "spearman": round(pearson(_ranks(p), _ranks(h)), 3),
        "rmse": round(float(math.sqrt(np.mean((a * p + b - h) ** 2))), 3),
        "rmse_raw": round(float(math.sqrt(np.mean((p - h) ** 2))), 3),
    }
    if interval:
        low, high = pearson_interval(p, h)
        report["pearson_ci95"] = [round(low, 3), round(high, 3)]
    return report


# --- baselines: what a grader must beat -------------------------------------------------------


def token_recall(reference: str, answer: str) -> float:
    """Share of the reference's content words that the answer uses."""
    from interviewbot.grading.text import content_terms

    ref = set(content_terms(reference))
    return len(ref & set(content_terms(answer))) / len(ref) if ref else 0.0


class Baselines:
    """MiniLM cosine(answer, reference) and token recall of the reference, for the same rows."""

    names = ("cosine", "token_recall")

    def __init__(self, embedder):
        self.embedder = embedder
        self._references: dict[str, np.ndarray] = {}

    def scores(self, row: GradedRow) -> tuple[float, float]:
        reference = row.question.reference_answer
        if reference not in self._references:
            self._references[reference] = self.embedder.embed([reference])[0]
        cosine = float(self.embedder.embed([row.answer])[0] @ self._references[reference])
        return cosine, token_recall(reference, row.answer)


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class Scored:
    """One graded row: the grader's score, the baselines' scores and the human's."""

    grader: float
    baselines: tuple[float, ...]
    human: float
    groups: dict[str, str]


def score_rows(grader, rows: Iterable[GradedRow], baselines: Baselines | None) -> Iterator[Scored]:
    """Grade each row (and score it with the baselines), one at a time."""
    for r in rows:
        score = grader.grade(r.question, r.answer).feedback.score
        extra = baselines.scores(r) if baselines else ()
        yield Scored(score, extra, r.human_score, {"track": r.track, "split": r.split, "qid": r.qid})


def summarise(scored: list[Scored], names: tuple[str, ...], interval: bool = True) -> dict:
    """Agreement of the grader and of each baseline with the humans over these rows."""
    human = [s.human for s in scored]
    report = agreement([s.grader for s in scored], human, interval)
    if names:
        report["baselines"] = {
            name: agreement([s.baselines[i] for s in scored], human, interval) for i, name in enumerate(names)
        }
    return report


def evaluate_grader(
    grader,
    rows: Iterable[GradedRow],
    by: str | None = None,
    baselines: Baselines | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Grade every row and report agreement overall, per track, and per `by` group when asked."""
    if by is not None and by not in GROUPS:
        raise ValidationError(f"cannot group by {by!r}; use one of {', '.join(GROUPS)}.")
    scored = []
    for s in score_rows(grader, rows, baselines):
        scored.append(s)
        if progress and len(scored) % 500 == 0:
            progress(len(scored))
    names = baselines.names if baselines else ()
    report = summarise(scored, names)
    report["per_track"] = _grouped(scored, "track", names, interval=False)
    if by is not None:
        report["by"] = by
        report["groups"] = _grouped(scored, by, names, interval=True)
    return report


def _grouped(scored: list[Scored], key: str, names: tuple[str, ...], interval: bool) -> dict:
    groups: dict[str, list[Scored]] = {}
    for s in scored:
        groups.setdefault(s.groups[key] or "(none)", []).append(s)
    return {
        name: summarise(rows, names, interval)
        for name, rows in sorted(groups.items())
        if len(rows) >= MIN_GROUP_ROWS
    }
