"""Commands for practising and grading: the terminal interview, grade, eval grading, judge, transcribe."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from interviewbot.cli.common import _print_markdown, _progress_bar, cli, emit_json, handle_errors
from interviewbot.config import load_settings
from interviewbot.vocabulary import DIFFICULTIES, TRACKS


def _services(settings=None):
    from interviewbot.services import Services

    services = Services.build(settings or load_settings())
    if not services.index.is_built():
        services.ingest(progress=_progress_bar())
    return services


@cli.command()
@click.option(
    "--track",
    "tracks",
    multiple=True,
    type=click.Choice(TRACKS),
    help="Track(s); repeat for a mixed interview (default ml_theory).",
)
@click.option("--topic", "topics", multiple=True, help="Restrict to topic(s), e.g. --topic regularization.")
@click.option("--set", "sets", multiple=True, help="Only questions from these set(s), e.g. --set my-set.")
@click.option(
    "--difficulty",
    type=click.Choice(DIFFICULTIES),
    help="Fix the difficulty (default adaptive).",
)
@click.option("-n", "--questions", "num", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--seed", type=int, help="Make question choice reproducible.")
@click.option("--resume", "resume_id", help="Continue a stored session.")
@handle_errors
def interview(tracks, topics, sets, difficulty, num, seed, resume_id):
    """Run a mock interview in the terminal (answers from stdin, so it can be scripted)."""
    from interviewbot.interview import InterviewConfig, InterviewSession
    from interviewbot.terminal import TerminalInterview

    services = _services()
    runner = TerminalInterview(sys.stdin)
    if resume_id:
        session = InterviewSession.resume(services, resume_id)
        opening = [] if session.finished else None
    else:
        config = InterviewConfig(
            tracks=list(tracks) or ["ml_theory"],
            topics=list(topics),
            sets=list(sets),
            difficulty=difficulty,
            num_questions=num,
            seed=seed,
        )
        session = InterviewSession.start(services, config, on_token=runner.stream)
        opening = None
    runner.attach(session)
    runner.show(opening if opening is not None else _last_question(session))
    runner.run()
    if runner.unsaved:
        sys.exit(1)


def _last_question(session):
    from interviewbot.interview import Message

    msgs = [
        m for m in session.messages if m["role"] == "interviewer" and m["kind"] in ("question", "follow_up")
    ]
    return [Message(m["role"], m["kind"], m["content"], m.get("meta") or {}) for m in msgs[-1:]]


@cli.command()
@click.option("--set", "set_file", required=True, type=click.Path(dir_okay=False), help="Question-set file.")
@click.option("--question", "question_id", required=True, help="Question id in that set.")
@click.option(
    "--answer-file",
    required=True,
    type=click.Path(dir_okay=False),
    help="File with the answer ('-' for stdin).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the Feedback (and how it was graded) as JSON.")
@click.option("--offline", is_flag=True, help="Use the offline rubric grader whatever backend is configured.")
@handle_errors
def grade(set_file, question_id, answer_file, as_json, offline):
    """Grade one answer with the configured grader (the LLM when one is set, else the rubric)."""
    from interviewbot.grading.api import grade_answer_file, grading_line

    outcome = grade_answer_file(load_settings(), set_file, question_id, answer_file, offline=offline)
    if as_json:
        return emit_json(outcome.to_dict())
    from interviewbot.render import feedback_markdown

    _print_markdown(feedback_markdown(outcome.feedback))
    click.echo(grading_line(outcome.meta))


@cli.group("eval")
def eval_group():
    """Measure grading quality."""


@eval_group.command("grading")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--by", type=click.Choice(["split", "qid", "track"]), help="Also report each split, question or track."
)
@click.option("--no-baselines", is_flag=True, help="Skip the MiniLM-cosine and token-recall baselines.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--offline", is_flag=True, help="Use the offline rubric grader whatever backend is configured.")
@handle_errors
def eval_grading(file, by, no_baselines, as_json, offline):
    """Agreement of the configured grader with human scores, beside two baselines.

    CSV columns: question, reference_answer, answer, human_score (0-10) [, key_points, track, split, qid].
    """
    from interviewbot.grading.api import evaluate_file, report_lines

    def progress(n: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"graded {n} answers ...", err=True)

    report = evaluate_file(
        load_settings(), file, by=by, baselines=not no_baselines, offline=offline, progress=progress
    )
    if as_json:
        return emit_json(report)
    for line in report_lines(report):
        click.echo(line)
    _echo_graders(report)


def _echo_graders(report: dict) -> None:
    graders = ", ".join(f"{name} x{n}" for name, n in report["graders"].items())
    reason = f" ({report['offline_reason']})" if report.get("offline_reason") else ""
    click.echo(f"Graded by: {graders}{reason}")
    for fb in report["fallbacks"][:5]:
        click.echo(f"  fell back on {fb['question']}: {fb['reason']}")


@cli.command()
@click.argument("solution", type=click.Path(dir_okay=False))
@click.option("--set", "set_file", required=True, type=click.Path(dir_okay=False), help="Question-set file.")
@click.option("--question", "question_id", required=True, help="Coding question id in that set.")
@click.option("--visible-only", is_flag=True, help="Run only the visible tests (a dry run).")
@click.option("--verbose", is_flag=True, help="For question authors: the hidden check's traceback, stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@handle_errors
def judge(solution, set_file, question_id, visible_only, verbose, as_json):
    """Run SOLUTION.py against a coding question's visible and hidden tests in the sandbox."""
    from interviewbot.judge.explain import verdict_text
    from interviewbot.judge.files import judge_file

    verdict, question = judge_file(
        load_settings(), solution, set_file, question_id, visible_only=visible_only
    )
    if as_json:
        extra = {"author_detail": verdict.author_detail} if verbose else {}
        emit_json(verdict.model_dump(mode="json") | extra)
    else:
        click.echo(verdict_text(verdict, question.entry_point, verbose=verbose))
    sys.exit(0 if verdict.accepted else 3)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--question", "question_id", help="Bias towards this question's terms (changes are listed).")
@click.option("--terms", help="Bias towards these words, e.g. 'bias-variance, regularisation'.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print text, what was heard, changes and timings as JSON."
)
@handle_errors
def transcribe(file, question_id, terms, as_json):
    """Transcribe a spoken answer (WAV, FLAC, OGG or MP3) offline."""
    from interviewbot.speech import question_terms, transcribe_file

    if question_id:
        from interviewbot.questions import QuestionBank

        terms = ", ".join(
            filter(None, [terms, question_terms(QuestionBank(load_settings()).get(question_id))])
        )
    result = transcribe_file(file, terms=terms)
    if as_json:
        return emit_json({"file": str(file), **result.to_dict()})
    click.echo(result.text)
    for change in result.changes:
        click.echo(f"check: heard {change.heard!r}, written {change.written!r}", err=True)
