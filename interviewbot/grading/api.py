"""Entry points the CLI uses for one-off grading and grader evaluation."""

from __future__ import annotations

import sys
from pathlib import Path

from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.grading.evaluation import Baselines, check_graded_csv, evaluate_grader, iter_graded_csv
from interviewbot.grading.feedback import Feedback
from interviewbot.questions import load_question_set


def _grader(settings, with_index: bool = True):
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex

    index = None
    if with_index:
        index = KnowledgeIndex(settings, embedder=get_embedder())
        if not index.is_built():
            index.ingest()
    return OfflineGrader(get_embedder(), index, k=settings.retrieval_k)


def read_answer(answer_file: str) -> str:
    """The answer text from a file or stdin ('-'), with clear errors."""
    if answer_file == "-":
        return sys.stdin.read()
    path = Path(answer_file)
    if not path.is_file():
        raise ValidationError(f"{answer_file}: no such answer file.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{answer_file}: not UTF-8 text; save the answer as plain text.") from None


def grade_answer_file(settings, set_file: str, question_id: str, answer_file: str) -> Feedback:
    """Grade one answer to one question of a set file."""
    from interviewbot.interview import clean_answer

    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        ids = ", ".join(q.id for q in qset.questions[:10])
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; it has: {ids}"
            + (" ..." if len(qset.questions) > 10 else "")
            + "."
        )
    answer = clean_answer(read_answer(answer_file))
    return _grader(settings).grade(question, answer).feedback


def evaluate_file(
    settings, csv_file: str, by: str | None = None, baselines: bool = True, progress=None
) -> dict:
    """Agreement of the offline grader (and the baselines) with the human scores in a CSV of any size."""
    check_graded_csv(csv_file)  # every bad row reported before any grading starts
    grader = _grader(settings, with_index=False)
    extra = Baselines(grader.scorer.embedder) if baselines else None
    return evaluate_grader(grader, iter_graded_csv(csv_file), by=by, baselines=extra, progress=progress)


def _figures(r: dict) -> str:
    ci = r.get("pearson_ci95")
    interval = f" [95% CI {ci[0]}, {ci[1]}]" if ci else ""
    return f"pearson={r['pearson']}{interval}  spearman={r['spearman']}  rmse={r['rmse']}"


def report_lines(report: dict) -> list[str]:
    """The agreement report as text: the grader, the baselines beside it, then each group."""
    lines = [
        f"n={report['n']}  grader: {_figures(report)} (rmse after linear rescaling; raw {report['rmse_raw']})"
    ]
    for name, r in report.get("baselines", {}).items():
        lines.append(f"  baseline {name:<13} {_figures(r)}")
    sections = [] if report.get("by") == "track" else [("track", report.get("per_track", {}))]
    sections.append((report.get("by"), report.get("groups", {})))
    for title, groups in sections:
        if not groups or (title == "track" and len(groups) < 2):
            continue  # one track: the same figures as above
        names = list(next(iter(groups.values())).get("baselines", {}))
        lines.append(
            f"by {title}:".ljust(26) + f"{'n':>6}  {'grader':>7}  " + "  ".join(f"{n:>12}" for n in names)
        )
        for group, r in groups.items():
            cells = "  ".join(f"{r['baselines'][n]['pearson']:>12}" for n in names)
            lines.append(f"  {group[:24]:<24}{r['n']:>6}  {r['pearson']:>7}  {cells}")
    return lines
