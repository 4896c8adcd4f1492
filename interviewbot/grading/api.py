"""Grading from the command line: one answer file (`grade`), a CSV of human-scored answers (`eval`).

Both go through the one grading door (`Grader`) with the configured backend: the offline rubric
grade always runs, the LLM grader (when a backend is configured and `offline` is not forced)
refines it or falls back to it, and the result says which grader ran and why a fallback happened.
"""

from __future__ import annotations

from pathlib import Path

from interviewbot.answers import clean_answer, read_text_file
from interviewbot.errors import NotFoundError
from interviewbot.grading.evaluation import Baselines, check_graded_csv, evaluate_grader, iter_graded_csv
from interviewbot.grading.grader import GradedTurn, Grader
from interviewbot.questions import QuestionBank, load_question_set


def build_grader(settings, *, offline: bool = False, with_index: bool = True) -> Grader:
    """The configured grader (offline when forced or when no LLM is set), with the index if asked."""
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.llm_grader import LLMGrader
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex
    from interviewbot.llm import get_backend

    index = None
    if with_index:
        index = KnowledgeIndex(settings, embedder=get_embedder())
        if not index.is_built():
            index.ingest(QuestionBank(settings).all_sets())
    backend = None if offline else get_backend(settings)
    reason = "--offline was given" if offline else "no LLM is configured (INTERVIEWBOT_BACKEND=offline)"
    llm = LLMGrader(backend) if backend is not None else None
    return Grader(OfflineGrader(get_embedder(), index, k=settings.retrieval_k), llm, reason)


def grade_answer_file(
    settings, set_file: str, question_id: str, answer_file: str, *, offline: bool = False
) -> GradedTurn:
    """Grade one answer to one question of a set file with the configured grader."""
    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        ids = ", ".join(q.id for q in qset.questions[:10])
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; it has: {ids}"
            + (" ..." if len(qset.questions) > 10 else "")
            + "."
        )
    answer = clean_answer(read_text_file(answer_file))
    return build_grader(settings, offline=offline).grade_turn(question, answer)


def grading_line(meta: dict) -> str:
    """One line saying which grader ran and why a fallback happened (for terminal output)."""
    if meta.get("grader") == "llm":
        usage = meta.get("usage") or {}
        tokens = f", {usage.get('total_tokens', 0)} tokens" + (
            " (estimated)" if usage.get("estimated") else ""
        )
        return (
            f"Graded by the LLM ({meta['backend']}, {meta['model']}, {meta.get('method') or 'default'} "
            f"output) in {meta['latency_ms'] / 1000:.1f} s{tokens if usage else ''}."
        )
    if meta.get("fallback_reason"):
        return f"Graded offline: the {meta['backend']} grader fell back ({meta['fallback_reason']})."
    return f"Graded offline: {meta.get('offline_reason', 'no LLM is configured')}."


class _RecordingGrader:
    """Wraps a Grader for `evaluate_grader`, counting which grader scored each row."""

    def __init__(self, grader: Grader):
        self.grader, self.graders, self.fallbacks = grader, {}, []

    def grade(self, question, answer: str) -> GradedTurn:
        outcome = self.grader.grade_turn(question, answer)
        name = outcome.feedback.grader
        self.graders[name] = self.graders.get(name, 0) + 1
        if outcome.meta.get("fallback_reason"):
            self.fallbacks.append({"question": question.id, "reason": outcome.meta["fallback_reason"]})
        return outcome


def evaluate_file(
    settings,
    csv_file: str,
    *,
    by: str | None = None,
    baselines: bool = True,
    offline: bool = False,
    progress=None,
) -> dict:
    """Agreement of the configured grader (and the baselines) with the human scores in a CSV of any size."""
    check_graded_csv(csv_file)  # every bad row reported before any grading starts
    recorder = _RecordingGrader(build_grader(settings, offline=offline, with_index=False))
    extra = Baselines(recorder.grader.offline.scorer.embedder) if baselines else None
    report = evaluate_grader(recorder, iter_graded_csv(csv_file), by=by, baselines=extra, progress=progress)
    report["graders"] = recorder.graders
    report["fallbacks"] = recorder.fallbacks
    if recorder.grader.llm is None:
        report["offline_reason"] = recorder.grader.offline_reason
    return report


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
