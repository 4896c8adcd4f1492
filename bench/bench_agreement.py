"""Agreement benchmark: the offline grader against human scores on answers none of us wrote, beside two
baselines (MiniLM cosine(answer, reference) and token recall of the reference) measured in the same run.

Data: every unseen split of three public short-answer sets (the training splits are for calibration
only: bench/calibrate_grader.py), our dev set (tests/data/graded_answers.csv), the strong/weak answer
pairs (tests/data/answer_pairs.yaml) and the bad-answer cases of tests/test_grading.py.
  SAF English: Filighera, Parihar, Steuer, Meuser, Ochs (ACL 2022), repo SebOchs/SAF, MIT License.
  SemEval-2013 Task 7 SciEntsBank and Beetle 2-way: Dzikovska et al., distributed by the task
  organisers under Creative Commons attribution terms.
The CSVs are not shipped with interviewbot; point --data at a directory holding them.
Labels in the 2-way sets are binary (Pearson there is point-biserial): compare methods within a file.
Prints figures; asserts nothing.
Run: .venv/bin/python bench/bench_agreement.py [--data DIR] [--limit N] [--all-rows]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_text  # noqa: E402

SETS = (
    ("SAF English", "saf_english.csv", 0.75),
    ("SemEval-2013 SciEntsBank 2-way", "sra_scientsbank_2way.csv", 0.47),
    ("SemEval-2013 Beetle 2-way", "sra_beetle_2way.csv", 0.48),
)
TRAIN_SPLITS = {"train", "training"}
DEV_TARGET = 0.80
BAD_ANSWER_CAP = 3.0
DATA_CANDIDATES = (ROOT.parent / "shared/data/asag", ROOT.parent.parent / "shared/data/asag")


def data_dir(given: str | None) -> Path | None:
    """--data, else $INTERVIEWBOT_ASAG_DIR, else ../shared/data/asag beside the checkout."""
    given = given or os.environ.get("INTERVIEWBOT_ASAG_DIR")
    if given:
        return Path(given)
    return next((p for p in DATA_CANDIDATES if p.is_dir()), None)


def evenly(rows: list, limit: int | None) -> list:
    """At most `limit` rows, spread evenly over the list (deterministic)."""
    if not limit or len(rows) <= limit:
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def select_rows(path: Path, all_rows: bool, limit: int | None) -> dict[str, list]:
    """The rows to report, by split (the training splits only with --all-rows)."""
    from interviewbot.grading.evaluation import check_graded_csv, iter_graded_csv

    check_graded_csv(path)
    splits: dict[str, list] = {}
    for row in iter_graded_csv(path):
        if all_rows or row.split not in TRAIN_SPLITS:
            splits.setdefault(row.split, []).append(row)
    return {name: evenly(rows, limit) for name, rows in splits.items()}


def _cell(report: dict) -> str:
    low, high = report["pearson_ci95"]
    return f"{report['pearson']:6.3f} [{low:.3f}, {high:.3f}]"


def print_row(label: str, report: dict, target: float | None = None) -> bool:
    """One table line; True when the grader beats both baselines."""
    base = report["baselines"]
    beats = all(report["pearson"] > b["pearson"] for b in base.values())
    goal = (
        ""
        if target is None
        else f"  target {target:.2f}: {'met' if report['pearson'] >= target else 'NOT met'}"
    )
    print(
        f"  {label:<24}{report['n']:>6}  {_cell(report)}  {base['cosine']['pearson']:6.3f}  "
        f"{base['token_recall']['pearson']:6.3f}  {'yes' if beats else 'NO'}{goal}"
    )
    return beats


def header() -> None:
    print(f"  {'split':<24}{'n':>6}  {'grader r [95% CI]':<24}  {'cosine':>6}  {'recall':>6}  beats both")


def agreement_on_sets(grader, baselines, directory: Path, all_rows: bool, limit: int | None) -> list[str]:
    """Grade every reported split of the three sets; returns the files where the grader lost."""
    from interviewbot.grading.evaluation import score_rows, summarise

    lost = []
    for title, name, target in SETS:
        path = directory / name
        if not path.is_file():
            print(f"\n{title}: {path} not found, skipped")
            continue
        splits = select_rows(path, all_rows, limit)
        print(f"\n{title} ({name})")
        header()
        pooled = []
        for split, rows in sorted(splits.items()):
            scored = list(score_rows(grader, rows, baselines))
            print_row(split, summarise(scored, baselines.names))
            pooled += [s for s, r in zip(scored, rows) if r.split not in TRAIN_SPLITS]
        if pooled:
            if not print_row("all unseen splits", summarise(pooled, baselines.names), target):
                lost.append(name)
    return lost


def agreement_on_dev(grader, baselines) -> None:
    from interviewbot.grading.evaluation import load_graded_csv, score_rows, summarise

    rows = load_graded_csv(ROOT / "tests/data/graded_answers.csv")
    print("\nour dev set (tests/data/graded_answers.csv, written for this project)")
    header()
    print_row("all", summarise(list(score_rows(grader, rows, baselines)), baselines.names), DEV_TARGET)


def pairs_and_bad_answers(grader, baselines) -> None:
    """Strong > weak on every pair, for the grader and each baseline; the bad-answer cases' worst score."""
    import yaml

    from interviewbot.config import load_settings
    from interviewbot.grading.evaluation import GradedRow
    from interviewbot.questions import QuestionBank

    bank = QuestionBank(load_settings())
    pairs = yaml.safe_load((ROOT / "tests/data/answer_pairs.yaml").read_text())
    wins = [0, 0, 0]
    for pair in pairs:
        q = bank.get(pair["question_id"])
        strong, weak = (GradedRow(0, q, pair[k], 0, q.track) for k in ("strong", "weak"))
        scores = [(grader.grade(q, r.answer).feedback.score, *baselines.scores(r)) for r in (strong, weak)]
        wins = [w + (s > t) for w, s, t in zip(wins, *scores)]
    print(
        f"\nanswer pairs (tests/data/answer_pairs.yaml): strong > weak in grader {wins[0]}/{len(pairs)}, "
        f"cosine {wins[1]}/{len(pairs)}, token recall {wins[2]}/{len(pairs)}"
    )
    sys.path.insert(0, str(ROOT / "tests"))
    from test_grading import BAD_ANSWERS, QUESTION_IDS

    worst = max(
        (grader.grade(bank.get(qid), make(bank.get(qid))).feedback.score, kind, qid)
        for kind, make in BAD_ANSWERS.items()
        for qid in QUESTION_IDS
    )
    verdict = "met" if worst[0] <= BAD_ANSWER_CAP else "NOT met"
    print(
        f"bad answers ({', '.join(BAD_ANSWERS)}) x {len(QUESTION_IDS)} questions: highest score {worst[0]:.1f} "
        f"({worst[1]}, {worst[2]}); target <= {BAD_ANSWER_CAP:.0f}: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", help="directory with the three CSVs (default: ../shared/data/asag)")
    parser.add_argument("--limit", type=int, help="at most N rows per split, evenly spread (a quick look)")
    parser.add_argument("--all-rows", action="store_true", help="also report the training splits")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ibbench-home-"))
    os.environ["INTERVIEWBOT_HOME"] = str(home)
    try:
        run(data_dir(args.data), args.all_rows, args.limit)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(directory: Path | None, all_rows: bool, limit: int | None) -> None:
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.evaluation import Baselines
    from interviewbot.grading.offline import OfflineGrader

    started = time.perf_counter()
    print(f"interviewbot grading agreement benchmark; at start: {load_text()}")
    grader = OfflineGrader(get_embedder(), None)
    baselines = Baselines(grader.scorer.embedder)
    if directory is None or not directory.is_dir():
        print("public answer-grading data not found (use --data DIR); only our own data is reported")
        lost = []
    else:
        lost = agreement_on_sets(grader, baselines, directory, all_rows, limit)
    agreement_on_dev(grader, baselines)
    pairs_and_bad_answers(grader, baselines)
    print(
        f"\ngrader beats both baselines on every file: {'yes' if not lost else 'NO (' + ', '.join(lost) + ')'}"
    )
    print(f"done in {time.perf_counter() - started:.0f} s; at end: {load_text()}")


if __name__ == "__main__":
    main()
