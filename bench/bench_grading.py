"""Offline grading benchmark: index build time, then the latency of grading one answer with citations
(OfflineGrader + KnowledgeIndex), next to the embedder's own latency for the same answer.

Answers are real: the reference answers of built-in ml_theory questions and truncated / weak variants
of them. Every figure is measured in this run (grade and embed_one alternate, so both see the same
machine load). Prints figures and ratios; asserts nothing about time.
Run: .venv/bin/python bench/bench_grading.py [--questions 12] [--budget 100] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import QUICK_GUIDES, QUICK_SETS, load_text, pct, subset_knowledge  # noqa: E402

TARGET_P95_MS = 100.0
# --quick ingests this subset of the shipped knowledge instead of all of it (ingest is the slow part).


def variants(question) -> list[tuple[str, str]]:
    """The reference answer, its first half, and a weak one-sentence answer."""
    from interviewbot.grading.text import sentences

    ref = question.reference_answer.strip()
    words = ref.split()
    half = " ".join(words[: max(8, len(words) // 2)])
    first = (sentences(ref) or [ref])[0]
    weak = " ".join(first.split()[:30])
    out = {}
    for name, text in (("reference", ref), ("first half", half), ("one sentence", weak)):
        # Distinct texts only: the scorer memoises the last (question, answer) it assessed.
        if text not in out.values():
            out[name] = text
    return list(out.items())


class _Timer:
    """Wraps a bound method on one object (this benchmark's own grader/index) to time its calls.

    If the method is gone (the code under test changed), the timer stays off and reports nan."""

    def __init__(self, obj, attr: str):
        self.calls: list[float] = []
        original = getattr(obj, attr, None)
        self.active = callable(original)
        if not self.active:
            return

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.calls.append((time.perf_counter() - t) * 1e3)

        setattr(obj, attr, timed)

    def take(self) -> float:
        if not self.active:
            return float("nan")
        total = sum(self.calls)
        self.calls.clear()
        return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--questions", type=int, default=None, help="ml_theory questions to grade (default 12)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds for the timed grading loop; it stops early past this (default 100)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"~20 s: ingest only {', '.join(QUICK_GUIDES + QUICK_SETS)}; 4 questions, 12 s budget",
    )
    args = parser.parse_args()
    n_questions = args.questions or (4 if args.quick else 12)
    budget = args.budget or (12.0 if args.quick else 100.0)

    home = Path(tempfile.mkdtemp(prefix="ibbench-home-"))
    os.environ["INTERVIEWBOT_HOME"] = str(home)
    try:
        if args.quick:
            os.environ["INTERVIEWBOT_KNOWLEDGE"] = str(subset_knowledge(home / "knowledge"))
        run(args.quick, n_questions, budget)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(quick: bool, n_questions: int, budget: float) -> None:
    started = time.perf_counter()
    print(
        f"interviewbot offline grading benchmark ({'quick' if quick else 'full'} run); at start: {load_text()}"
    )
    from interviewbot.config import load_settings
    from interviewbot.embeddings import get_embedder
    from interviewbot.grading.offline import OfflineGrader
    from interviewbot.index import KnowledgeIndex
    from interviewbot.questions import QuestionBank

    settings = load_settings()
    t = time.perf_counter()
    embedder = get_embedder()
    model_s = time.perf_counter() - t
    index = KnowledgeIndex(settings, embedder=embedder)
    t = time.perf_counter()
    report = index.ingest(QuestionBank(settings).all_sets())
    ingest_s = time.perf_counter() - t
    what = "subset of the shipped knowledge (--quick)" if quick else "shipped knowledge"
    print(
        f"\nindex build (ingest, {what}): {report.guides.total} guide chunks + {report.questions.total} "
        f"questions in {ingest_s:.2f} s ({report.embedded / ingest_s:.1f} items/s); model load {model_s:.2f} s"
    )

    grader = OfflineGrader(embedder, index, k=settings.retrieval_k)
    bank = [q for q in QuestionBank(settings).questions("ml_theory") if q.reference_answer.strip()]
    step = max(1, len(bank) // n_questions)
    questions = bank[::step][:n_questions]
    assess_t = _Timer(grader.scorer, "assess")
    retrieve_t = _Timer(grader, "_retrieve")
    lookup_t = _Timer(index, "collection")

    # First grade of each question: half of them cold (nothing cached: what `interviewbot grade` pays),
    # half after OfflineGrader.prepare, which the app runs in the background while the candidate answers.
    cold, prepare, prepared = [], [], []
    for n, q in enumerate(questions):
        if n % 2:
            t = time.perf_counter()
            grader.prepare(q)
            prepare.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        grader.grade(q, variants(q)[-1][1])
        (prepared if n % 2 else cold).append((time.perf_counter() - t) * 1e3)
    for timer in (assess_t, retrieve_t, lookup_t):
        timer.take()
    embedder.embed_one("warm-up")

    rows = []  # (variant, words, grade_ms, embed_ms, assess_ms, retrieve_ms, lookup_ms, texts, citations)
    loop_started, stopped_early = time.perf_counter(), False
    answers = [(q, name, text) for q in questions for name, text in variants(q)]
    for i, (q, name, answer) in enumerate(answers):
        if rows and time.perf_counter() - loop_started > budget:
            stopped_early = True
            break
        embedded_before = embedder.texts_embedded
        for turn in (0, 1) if i % 2 == 0 else (1, 0):  # alternate which goes first
            t = time.perf_counter()
            if turn == 0:
                result = grader.grade(q, answer)
                grade_ms = (time.perf_counter() - t) * 1e3
                texts = embedder.texts_embedded - embedded_before
            else:
                embedder.embed_one(answer)
                embed_ms = (time.perf_counter() - t) * 1e3
            embedded_before = embedder.texts_embedded
        rows.append(
            (
                name,
                len(answer.split()),
                grade_ms,
                embed_ms,
                assess_t.take(),
                retrieve_t.take(),
                lookup_t.take(),
                texts,
                len(result.feedback.citations),
            )
        )

    grade = [r[2] for r in rows]
    embed = [r[3] for r in rows]
    print(
        f"\ngrading latency, OfflineGrader.grade with citations (k={settings.retrieval_k}), "
        f"{len(rows)} answers over {len(questions)} ml_theory questions"
        + (
            f" (stopped at the {budget:.0f} s budget; {len(answers) - len(rows)} answers not run)"
            if stopped_early
            else ""
        )
    )
    print(
        f"  grade one answer:             p50 {pct(grade, 50):8.1f} ms   p95 {pct(grade, 95):8.1f} ms   "
        f"max {max(grade):8.1f} ms"
    )
    print(
        f"  embedder.embed_one(answer):   p50 {pct(embed, 50):8.1f} ms   p95 {pct(embed, 95):8.1f} ms   "
        f"max {max(embed):8.1f} ms"
    )
    ratios = [g / e for g, e in zip(grade, embed)]
    print(
        f"  ratio grade / embed_one: p50 {pct(grade, 50) / pct(embed, 50):.1f}x, p95 "
        f"{pct(grade, 95) / pct(embed, 95):.1f}x (per answer: median {statistics.median(ratios):.1f}x)"
    )
    print(
        f"  of which scorer.assess p50 {pct([r[4] for r in rows], 50):.1f} ms, retrieval (_retrieve) p50 "
        f"{pct([r[5] for r in rows], 50):.1f} ms (index.collection() lookups in it p50 "
        f"{pct([r[6] for r in rows], 50):.1f} ms)"
    )
    print(
        f"  texts embedded per grade: median {statistics.median([r[7] for r in rows]):.0f}, max "
        f"{max(r[7] for r in rows)} (embed_one: 1); citations per grade: median "
        f"{statistics.median([r[8] for r in rows]):.0f}"
    )
    for name in dict.fromkeys(r[0] for r in rows):
        sel = [r for r in rows if r[0] == name]
        print(
            f"  {name:<13} ({len(sel):2d} answers, median {statistics.median([r[1] for r in sel]):4.0f} words): "
            f"grade p50 {pct([r[2] for r in sel], 50):8.1f} ms, embed_one p50 {pct([r[3] for r in sel], 50):7.1f} ms"
        )
    print(
        f"  first grade of a question, one-sentence answer: cold (nothing cached) p50 {pct(cold, 50):.1f} ms; "
        f"after prepare p50 {pct(prepared, 50):.1f} ms (prepare itself p50 {pct(prepare, 50):.1f} ms, "
        "run while the candidate answers)"
    )
    _split_vs_one_call(embedder, [a for _, _, a in answers[: len(rows)]])
    p95 = pct(grade, 95)
    print(
        f"  target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'} (p95 {p95:.1f} ms)"
    )
    print(f"\ndone in {time.perf_counter() - started:.1f} s; at end: {load_text()}")


def _split_vs_one_call(embedder, answers: list[str]) -> None:
    """The answer's model pass as the grade runs it (rows split in two halves side by side) against
    the same rows in one call of the whole-thread session (the baseline), alternating."""
    from interviewbot.embeddings import Embedder
    from interviewbot.grading.text import sentences

    if not embedder.split_rows:
        print("  embedder rows: not split (fewer than 2 threads), no comparison")
        return
    whole = Embedder(split_rows=False)
    split_ms, whole_ms = [], []
    for i, answer in enumerate(answers):
        parts = sentences(answer) or [answer]
        for which in (embedder, whole) if i % 2 == 0 else (whole, embedder):
            t = time.perf_counter()
            which.embed_passage(parts)
            (split_ms if which is embedder else whole_ms).append((time.perf_counter() - t) * 1e3)
    print(
        f"  the answer's model pass (embed_passage): rows in two halves side by side p50 "
        f"{pct(split_ms, 50):.1f} / p95 {pct(split_ms, 95):.1f} ms; one call (baseline) p50 "
        f"{pct(whole_ms, 50):.1f} / p95 {pct(whole_ms, 95):.1f} ms"
    )


if __name__ == "__main__":
    main()
