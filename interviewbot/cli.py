"""Command-line interface: each command is one call into the library."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from interviewbot import __version__
from interviewbot.config import load_settings
from interviewbot.errors import InterviewbotError


def handle_errors(fn):
    """Turn InterviewbotError into a clear message on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InterviewbotError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def emit_json(data) -> None:
    """Print one JSON document on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="interviewbot")
def cli():
    """interviewbot: practise ML-engineer interviews offline, with grounded feedback."""


# --- knowledge index ------------------------------------------------------------------------


def _progress_bar():
    """A tqdm bar on stderr, driven by the index's (done, total, stage) callback."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(done: int, total: int, stage: str) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"Embedding {stage}", unit="chunk", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _index(settings=None):
    from interviewbot.index import KnowledgeIndex

    return KnowledgeIndex(settings or load_settings())


@cli.command()
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
@click.option("--json", "as_json", is_flag=True, help="Print the ingest report as JSON.")
@handle_errors
def ingest(rebuild, as_json):
    """Build or refresh the index (incremental: only new or changed text is embedded)."""
    report = _index().ingest(rebuild=rebuild, progress=None if as_json else _progress_bar())
    if as_json:
        return emit_json(report.to_dict())
    g, q = report.guides, report.questions
    click.echo(
        f"Guides: {g.total} chunks ({g.embedded} embedded, {g.unchanged} unchanged, {g.deleted} removed)"
    )
    click.echo(f"Questions: {q.total} ({q.embedded} embedded, {q.unchanged} unchanged, {q.deleted} removed)")
    click.echo(f"Done in {report.seconds:.2f} s.")


@cli.command()
@click.argument("query")
@click.option("-k", "k", default=4, show_default=True, type=click.IntRange(1, 50), help="How many chunks.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON list of {id, source, heading, text, score}."
)
@handle_errors
def search(query, k, as_json):
    """Show the guide chunks most relevant to QUERY, best first."""
    index = _index()
    if not index.is_built():
        index.ingest(progress=None if as_json else _progress_bar())
    hits = index.search(query, k=k)
    if as_json:
        return emit_json([h.to_dict() for h in hits])
    if not hits:
        click.echo("No results: the query is empty or the index has no guides.")
    for rank, hit in enumerate(hits, 1):
        click.echo(
            click.style(f"{rank}. {hit.heading}", bold=True) + f"  [{hit.source}]  score {hit.score:.3f}"
        )
        click.echo("   " + " ".join(hit.text.split())[:300] + "\n")


# --- question sets --------------------------------------------------------------------------


@cli.group()
def questions():
    """Validate, add, list, remove and export question sets."""


@questions.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@handle_errors
def questions_validate(file):
    """Check a question set (YAML, JSON, CSV or Markdown) without storing it."""
    from interviewbot.bank import QuestionBank
    from interviewbot.questions import load_question_set

    qset = load_question_set(file)
    QuestionBank(load_settings()).check_addable(qset, click.format_filename(file))
    flagged = sum(q.needs_rubric for q in qset.questions)
    note = f" ({flagged} without a rubric: graded on general quality only)" if flagged else ""
    click.echo(f"OK: set {qset.name!r} with {len(qset.questions)} question(s){note}.")


@questions.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@handle_errors
def questions_add(file):
    """Validate, index and store a custom question set (all or nothing)."""
    from interviewbot.bank import QuestionBank

    settings = load_settings()
    qset = QuestionBank(settings).add_set(file, index=_index(settings))
    click.echo(f"Added set {qset.name!r}: {len(qset.questions)} question(s) stored and indexed.")


@questions.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def questions_list(as_json):
    """List every question set and its questions per track."""
    from interviewbot.bank import QuestionBank

    rows = [
        {
            "name": s.name,
            "builtin": s.builtin,
            "questions": len(s.questions),
            "tracks": {
                t: sum(q.track == t for q in s.questions) for t in sorted({q.track for q in s.questions})
            },
            "ids": [q.id for q in s.questions],
        }
        for s in QuestionBank(load_settings()).all_sets()
    ]
    if as_json:
        return emit_json(rows)
    for r in rows:
        kind = "built-in" if r["builtin"] else "custom"
        tracks = ", ".join(f"{t}: {n}" for t, n in r["tracks"].items())
        click.echo(f"{r['name']:<28} {kind:<9} {r['questions']:>4} questions  ({tracks})")


@questions.command("remove")
@click.argument("name")
@handle_errors
def questions_remove(name):
    """Remove a custom set and its vectors."""
    from interviewbot.bank import QuestionBank

    settings = load_settings()
    qset = QuestionBank(settings).remove_set(name, index=_index(settings))
    click.echo(f"Removed set {qset.name!r} ({len(qset.questions)} question(s)).")


@questions.command("export")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@handle_errors
def questions_export(name, output):
    """Export a set as YAML (stdout or a file)."""
    from interviewbot.bank import QuestionBank

    text = QuestionBank(load_settings()).export_set(name)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


# --- interviews and grading -------------------------------------------------------------------


def _services(settings=None):
    from interviewbot.interview import Services

    settings = settings or load_settings()
    services = Services.build(settings)
    if not services.index.is_built():
        services.index.ingest(progress=_progress_bar())
    return services


@cli.command()
@click.option(
    "--track",
    "tracks",
    multiple=True,
    type=click.Choice(["coding", "ml_theory", "system_design", "behavioral"]),
    help="Track(s); repeat for a mixed interview (default ml_theory).",
)
@click.option("--topic", "topics", multiple=True, help="Restrict to topic(s), e.g. --topic regularization.")
@click.option(
    "--difficulty",
    type=click.Choice(["easy", "medium", "hard"]),
    help="Fix the difficulty (default adaptive).",
)
@click.option("-n", "--questions", "num", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--seed", type=int, help="Make question choice reproducible.")
@click.option("--resume", "resume_id", help="Continue a stored session.")
@handle_errors
def interview(tracks, topics, difficulty, num, seed, resume_id):
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
            difficulty=difficulty,
            num_questions=num,
            seed=seed,
        )
        session = InterviewSession.start(services, config, on_token=runner.stream)
        opening = None
    runner.attach(session)
    runner.show(opening if opening is not None else _last_question(session))
    runner.run()


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
@click.option("--json", "as_json", is_flag=True, help="Print the Feedback as JSON.")
@handle_errors
def grade(set_file, question_id, answer_file, as_json):
    """Grade one answer offline (rubric + cited guide sections)."""
    from interviewbot.grading.api import grade_answer_file

    feedback = grade_answer_file(load_settings(), set_file, question_id, answer_file)
    if as_json:
        return emit_json(feedback.model_dump(mode="json"))
    from interviewbot.interview import feedback_markdown

    _print_markdown(feedback_markdown(feedback))


def _print_markdown(text: str) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(text))


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
@handle_errors
def eval_grading(file, by, no_baselines, as_json):
    """Agreement of the grader with human scores, beside two baselines.

    CSV columns: question, reference_answer, answer, human_score (0-10) [, key_points, track, split, qid].
    """
    from interviewbot.grading.api import evaluate_file, report_lines

    def progress(n: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"graded {n} answers ...", err=True)

    report = evaluate_file(load_settings(), file, by=by, baselines=not no_baselines, progress=progress)
    if as_json:
        return emit_json(report)
    for line in report_lines(report):
        click.echo(line)


# --- the code judge ---------------------------------------------------------------------------


@cli.command()
@click.argument("solution", type=click.Path(dir_okay=False))
@click.option("--set", "set_file", required=True, type=click.Path(dir_okay=False), help="Question-set file.")
@click.option("--question", "question_id", required=True, help="Coding question id in that set.")
@click.option("--visible-only", is_flag=True, help="Run only the visible tests (a dry run).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@handle_errors
def judge(solution, set_file, question_id, visible_only, as_json):
    """Run SOLUTION.py against a coding question's visible and hidden tests in the sandbox."""
    from interviewbot.judge.api import judge_file

    verdict = judge_file(load_settings(), solution, set_file, question_id, visible_only=visible_only)
    if as_json:
        emit_json(verdict.model_dump(mode="json"))
    else:
        from interviewbot.interview import verdict_markdown

        _print_markdown(verdict_markdown(verdict))
    sys.exit(0 if verdict.accepted else 3)


# --- transcripts ------------------------------------------------------------------------------


@cli.group()
def sessions():
    """List, show and export stored interview sessions."""


def _store():
    from interviewbot.transcripts import TranscriptStore

    return TranscriptStore.from_settings(load_settings())


@sessions.command("list")
@click.option("--track", type=click.Choice(["coding", "ml_theory", "system_design", "behavioral"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def sessions_list(track, as_json):
    """Sessions, newest first, with their mean score."""
    rows = _store().list_sessions(track=track)
    if as_json:
        return emit_json(rows)
    if not rows:
        click.echo("No sessions yet. Start one with `interviewbot interview` or `make run`.")
    for r in rows:
        avg = "-" if r["avg_score"] is None else f"{r['avg_score']:.1f}"
        click.echo(
            f"{r['id'][:12]}  {r['started_at'][:16].replace('T', ' ')}  {r['status']:<8}  "
            f"graded {r['n_graded']:>2}  mean {avg:>4}  {', '.join(r['tracks'])}"
        )


@sessions.command("show")
@click.argument("session_id")
@handle_errors
def sessions_show(session_id):
    """Print a session's transcript (an id or a unique prefix)."""
    _print_markdown(_store().export(session_id, "md"))


@sessions.command("export")
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@handle_errors
def sessions_export(session_id, fmt, output):
    """Export a session as Markdown, JSON or self-contained HTML."""
    text = _store().export(session_id, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text)


# --- the app ----------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8501, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-ingest", is_flag=True, help="Start without checking the index first.")
@handle_errors
def serve(host, port, no_ingest):
    """Start the Streamlit app (building the index first if needed)."""
    import os

    from interviewbot.config import PROJECT_ROOT

    if not no_ingest:
        report = _index().ingest(progress=_progress_bar())
        click.echo(
            f"Index ready: {report.guides.total} guide chunks, {report.questions.total} questions "
            f"({report.embedded} embedded now).",
            err=True,
        )
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)", err=True)
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    os.execv(sys.executable, args)


def main():
    cli(prog_name="interviewbot")
