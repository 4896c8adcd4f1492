"""Entry points the CLI uses: judge a solution file; run a set's reference solutions (authoring)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from interviewbot.answers import clean_code, read_text_file
from interviewbot.errors import InterviewbotError, JudgeError, NotFoundError, ValidationError
from interviewbot.judge import get_judge
from interviewbot.judge.explain import verdict_text
from interviewbot.judge.models import Verdict
from interviewbot.questions import Question, QuestionSet, load_question_set


def judge_file(
    settings, solution: str, set_file: str, question_id: str, visible_only: bool = False
) -> tuple[Verdict, Question]:
    """Judge a solution file against one coding question of a set file."""
    qset = load_question_set(set_file)
    question = qset.get(question_id)
    if question is None:
        coding = ", ".join(q.id for q in qset.questions if q.track == "coding")[:400]
        raise NotFoundError(
            f"no question {question_id!r} in {Path(set_file).name}; coding questions: {coding or 'none'}."
        )
    if question.track != "coding":
        raise ValidationError(
            f"{question_id} is a {question.track} question; only coding questions can be judged. "
            f"Use `interviewbot grade` for text answers."
        )
    code = read_text_file(solution, "solution")
    return judge_safely(get_judge(settings), question, clean_code(code), visible_only), question


def judge_safely(judge, question: Question, code: str, visible_only: bool = False) -> Verdict:
    """The verdict; a failure of the judge itself (not of the code) becomes one JudgeError line."""
    try:
        return judge.run(question, code, visible_only=visible_only)
    except InterviewbotError:
        raise
    except Exception as exc:  # e.g. no free file descriptors or temp space for the sandbox
        raise JudgeError(f"the judge could not run ({type(exc).__name__}: {exc}); try again.") from exc


@dataclass
class ReferenceReport:
    """How a set's reference solutions fared: ok when every one was accepted."""

    ok: bool
    text: str


def check_references(settings, qset: QuestionSet, progress=None, workers: int = 2) -> ReferenceReport:
    """Judge every coding question's reference solution; failures are shown in full (check tracebacks)."""
    judge = get_judge(settings)
    coding = [q for q in qset.questions if q.track == "coding"]
    runnable = [q for q in coding if q.reference_solution]
    done = []

    def run(question: Question) -> Verdict:
        verdict = judge_safely(judge, question, question.reference_solution)
        done.append(question.id)
        if progress and (len(done) % 20 == 0 or len(done) == len(runnable)):
            progress(f"judged {len(done)}/{len(runnable)} reference solutions")
        return verdict

    with ThreadPoolExecutor(max_workers=workers) as pool:
        verdicts = list(pool.map(run, runnable))
    failed = [(q, v) for q, v in zip(runnable, verdicts) if not v.accepted]
    lines = [f"Reference solutions: {len(runnable) - len(failed)}/{len(runnable)} accepted."]
    missing = [q.id for q in coding if not q.reference_solution]
    if missing:
        lines.append(f"No reference_solution (not checked): {', '.join(missing)}.")
    for question, verdict in failed:
        detail = verdict_text(verdict, question.entry_point, verbose=True)
        lines += ["", f"{question.id}:", *("  " + line for line in detail.splitlines())]
    return ReferenceReport(ok=not failed, text="\n".join(lines))
