"""Calibration of the offline grader's constants on the TRAINING splits of three public short-answer sets
(the unseen splits are only ever reported, by bench_agreement.py). Prints each derivation beside the
constant shipped in interviewbot/grading/offline.py; changes nothing.

  LEXICAL_SHARE, EXPECTED_SHARE, LENGTH_EXPONENT: the grid point with the best mean Pearson over
      the three training splits (each file weighs the same, so no one file decides).
  FULL_CREDIT: the least mean raw RMSE on the 0-10 scale (Pearson barely moves with it).
  COVERED: the strength that best separates correct from incorrect answers (balanced accuracy) on
      SemEval training answers whose reference is a single key point.
  PARTLY: the 90th percentile strength of answers to a different question (SAF and SciEntsBank;
      Beetle's questions all ask about the same circuits, so its mismatched pairs are not unrelated).

Data: SAF English (Filighera et al., ACL 2022; repo SebOchs/SAF, MIT License) and SemEval-2013 Task 7
SciEntsBank / Beetle 2-way (Dzikovska et al.; Creative Commons attribution terms).
Run: .venv/bin/python bench/calibrate_grader.py [--data DIR] [--limit N]   (N rows per training split)
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_text
from bench_agreement import SETS, TRAIN_SPLITS, data_dir, evenly

GRID = {
    "LEXICAL_SHARE": (0.0, 0.1, 0.2, 0.3, 0.4),
    "EXPECTED_SHARE": (0.25, 0.5, 1.0),
    "LENGTH_EXPONENT": (0.0, 0.25, 0.5, 1.0),
}
FULL_CREDIT_GRID = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
MISMATCHED_PAIRS = 600


def components(scorer, question, answer) -> dict:
    """What the score is made of: each key point's two signals and the answer-level signals."""
    from interviewbot.grading import offline, signals
    from interviewbot.grading.alignment import question_stems

    qstems = question_stems(question.prompt)
    view = scorer.view(answer, qstems)
    observed = signals.answer_signals(question, answer, 0.0)
    kps = (
        [scorer.evidence(kp.text, view, qstems) for kp in offline.rubric(question)] if view.sentences else []
    )
    return {
        "kps": np.array([(a.recall, lex) for a, lex in kps]).reshape(-1, 2),
        "words": observed.words,
        "expected": signals.expected_words(question),
        "penalty": observed.penalty,  # copy / keyword-list / repetition multipliers
    }


def score(c: dict, lexical: float, full: float, share: float, exponent: float) -> float:
    """The grader's score formula with the given constants (offline.RubricScorer.score)."""
    if not c["words"] or not len(c["kps"]):
        return 0.0
    strengths = (1 - lexical) * c["kps"][:, 0] + lexical * c["kps"][:, 1]
    coverage = float(np.mean(np.minimum(1.0, strengths / full)))
    length = min(1.0, c["words"] / (share * c["expected"])) ** exponent
    raw = 10 * coverage * length * c["penalty"]
    return min(raw, 0.5) if c["words"] < 3 else raw


def training_rows(directory: Path, limit: int | None) -> dict[str, list]:
    from interviewbot.grading.evaluation import check_graded_csv, iter_graded_csv

    rows = {}
    for _, name, _ in SETS:
        check_graded_csv(directory / name)
        rows[name] = evenly([r for r in iter_graded_csv(directory / name) if r.split in TRAIN_SPLITS], limit)
    return rows


def mean_pearson(data: dict, **constants) -> tuple[float, list[float]]:
    per_file = [
        float(np.corrcoef([score(c, **constants) for c, _ in v], [h for _, h in v])[0, 1])
        for v in data.values()
    ]
    return float(np.mean(per_file)), per_file


def fit_shape(data: dict, full: float) -> dict:
    results = []
    for lexical, share, exponent in itertools.product(*GRID.values()):
        mean, per_file = mean_pearson(data, lexical=lexical, full=full, share=share, exponent=exponent)
        results.append((mean, per_file, (lexical, share, exponent)))
    results.sort(key=lambda r: -r[0])
    print(f"\nmean training Pearson over the grid {dict(GRID)} (FULL_CREDIT {full}); best five:")
    for mean, per_file, point in results[:5]:
        print(f"  {dict(zip(GRID, point))}: mean {mean:.3f}  per file {np.round(per_file, 3).tolist()}")
    return dict(zip(("lexical", "share", "exponent"), results[0][2]))


def fit_full_credit(data: dict, shape: dict) -> float:
    rmse = {
        full: np.mean(
            [np.sqrt(np.mean([(score(c, full=full, **shape) - h) ** 2 for c, h in v])) for v in data.values()]
        )
        for full in FULL_CREDIT_GRID
    }
    print("\nmean raw RMSE (0-10) by FULL_CREDIT: " + ", ".join(f"{k}: {v:.3f}" for k, v in rmse.items()))
    return min(rmse, key=rmse.get)


def fit_covered(data: dict, lexical: float) -> float:
    grid = np.arange(0.10, 0.90, 0.01)
    total = np.zeros(len(grid))
    for name in ("sra_scientsbank_2way.csv", "sra_beetle_2way.csv"):
        single = [(c, h) for c, h in data.get(name, []) if len(c["kps"]) == 1]
        s = np.array([(1 - lexical) * c["kps"][0, 0] + lexical * c["kps"][0, 1] for c, _ in single])
        y = np.array([h >= 5 for _, h in single])
        total += [(np.mean(s[y] >= t) + np.mean(s[~y] < t)) / 2 for t in grid]
    return float(grid[int(np.argmax(total))])


def fit_partly(scorer, rows: dict, lexical: float) -> float:
    rng = random.Random(0)
    percentiles = []
    for name in ("saf_english.csv", "sra_scientsbank_2way.csv"):
        pool, strengths = rows[name], []
        for _ in range(MISMATCHED_PAIRS):
            a, b = rng.sample(pool, 2)
            if a.qid != b.qid:
                kps = components(scorer, b.question, a.answer)["kps"]
                strengths += ((1 - lexical) * kps[:, 0] + lexical * kps[:, 1]).tolist()
        percentiles.append(float(np.percentile(strengths, 90)))
        print(
            f"  {name}: answers to another question, key-point strength 90th percentile {percentiles[-1]:.3f}"
        )
    return float(np.mean(percentiles))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", help="directory with the three CSVs (default: ../shared/data/asag)")
    parser.add_argument("--limit", type=int, help="at most N rows per training split (a quick look)")
    args = parser.parse_args()
    directory = data_dir(args.data)
    if directory is None or not directory.is_dir():
        sys.exit("public answer-grading data not found; use --data DIR")
    run(directory, args.limit)


def run(directory: Path, limit: int | None) -> None:
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading import offline, signals

    started = time.perf_counter()
    print(f"offline grader calibration on the training splits; at start: {load_text()}")
    scorer = offline.RubricScorer(get_embedder())
    rows = training_rows(directory, limit)
    data = {
        name: [(components(scorer, r.question, r.answer), r.human_score) for r in v]
        for name, v in rows.items()
    }
    print("training rows: " + ", ".join(f"{name} {len(v)}" for name, v in data.items()))
    shape = fit_shape(data, offline.FULL_CREDIT)
    full = fit_full_credit(data, shape)
    covered = fit_covered(data, shape["lexical"])
    print("\nkey-point strength of unrelated answers:")
    partly = fit_partly(scorer, rows, shape["lexical"])
    shipped = {
        "LEXICAL_SHARE": (shape["lexical"], offline.LEXICAL_SHARE),
        "EXPECTED_SHARE": (shape["share"], signals.EXPECTED_SHARE),
        "LENGTH_EXPONENT": (shape["exponent"], signals.LENGTH_EXPONENT),
        "FULL_CREDIT": (full, offline.FULL_CREDIT),
        "COVERED": (covered, offline.COVERED),
        "PARTLY": (partly, offline.PARTLY),
    }
    print("\nconstant          derived   shipped")
    for name, (derived, current) in shipped.items():
        print(f"  {name:<16}{derived:>8.2f}  {current:>8.2f}")
    print(f"\ndone in {time.perf_counter() - started:.0f} s; at end: {load_text()}")


if __name__ == "__main__":
    main()
