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
from interviewbot.vocabulary import DIFFICULTIES, TRACKS


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
            bar = bars[stage] = tqdm(total=total, desc=f"Indexing {stage}", unit="item", file=sys.stderr)
        bar.update(done - bar.n)  # update(), not n=: tqdm's rate and ETA come from update calls
        if done >= total:
            bar.close()

    return update


def _index(settings=None):
    from interviewbot.index import KnowledgeIndex

    return KnowledgeIndex(settings or load_settings())


def _ingest(rebuild: bool = False, progress=None, settings=None):
    """Bring the index in line with the guides and question sets (the report of what changed)."""
    from interviewbot.questions import QuestionBank

    settings = settings or load_settings()
    return _index(settings).ingest(QuestionBank(settings).all_sets(), rebuild=rebuild, progress=progress)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
@click.option("--json", "as_json", is_flag=True, help="Print the ingest report as JSON.")
@handle_errors
def ingest(rebuild, as_json):
    """Build or refresh the index (incremental: only new or changed text is embedded)."""
    report = _ingest(rebuild, progress=None if as_json else _progress_bar())
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
        _ingest(progress=None if as_json else _progress_bar())
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
@click.option(
    "--run-references",
    is_flag=True,
    help="Also run each coding question's reference solution through the judge (check failures in full).",
)
@handle_errors
def questions_validate(file, run_references):
    """Check a question set (YAML, JSON, JSONL, CSV or Markdown) without storing it."""
    from interviewbot.questions import QuestionBank

    qset = QuestionBank(load_settings()).preview_upload(file)
    flagged = sum(q.needs_rubric for q in qset.questions)
    note = f" ({flagged} without a rubric: graded on general quality only)" if flagged else ""
    click.echo(f"OK: set {qset.name!r} with {len(qset.questions)} question(s){note}.")
    if run_references:
        from interviewbot.judge.api import check_references

        report = check_references(load_settings(), qset, progress=lambda line: click.echo(line, err=True))
        click.echo(report.text)
        sys.exit(0 if report.ok else 3)


@questions.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@handle_errors
def questions_add(file):
    """Validate, index and store a custom question set (all or nothing)."""
    from interviewbot.questions import QuestionBank

    settings = load_settings()
    qset = QuestionBank(settings).add_set(file, index=_index(settings))
    click.echo(f"Added set {qset.name!r}: {len(qset.questions)} question(s) stored and indexed.")


@questions.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def questions_list(as_json):
    """List every question set and its questions per track."""
    from interviewbot.questions import QuestionBank

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
    from interviewbot.questions import QuestionBank

    settings = load_settings()
    qset = QuestionBank(settings).remove_set(name, index=_index(settings))
    click.echo(f"Removed set {qset.name!r} ({len(qset.questions)} question(s)).")


@questions.command("export")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@handle_errors
def questions_export(name, output):
    """Export a set as YAML (stdout or a file)."""
    from interviewbot.questions import QuestionBank

    text = QuestionBank(load_settings()).export_set(name)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)


# --- user guides -----------------------------------------------------------------------------


@cli.group()
def guides():
    """Add, list and remove your own guides (Markdown, text or PDF)."""


@guides.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@handle_errors
def guides_add(file):
    """Validate, chunk, index and store a guide (all or nothing); feedback can then cite it."""
    n = _index().add_guide(file, progress=_progress_bar())
    click.echo(f"Added guide {Path(file).name!r}: {n} chunk(s) stored and indexed.")


@guides.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def guides_list(as_json):
    """Your guides (the shipped ones are in knowledge/guides)."""
    rows = [{"name": p.name, "bytes": p.stat().st_size} for p in _index().user_guides()]
    if as_json:
        return emit_json(rows)
    if not rows:
        click.echo("No guides of your own yet. Add one with `interviewbot guides add FILE`.")
    for r in rows:
        click.echo(f"{r['name']:<40} {r['bytes'] / 1024:8.1f} KB")


@guides.command("remove")
@click.argument("name")
@handle_errors
def guides_remove(name):
    """Remove one of your guides and its chunks from the index."""
    _index().remove_guide(name)
    click.echo(f"Removed guide {name!r}.")


# --- interviews and grading -------------------------------------------------------------------


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
@click.option("--json", "as_json", is_flag=True, help="Print the Feedback as JSON.")
@handle_errors
def grade(set_file, question_id, answer_file, as_json):
    """Grade one answer offline (rubric + cited guide sections)."""
    from interviewbot.grading.api import grade_answer_file

    feedback = grade_answer_file(load_settings(), set_file, question_id, answer_file)
    if as_json:
        return emit_json(feedback.model_dump(mode="json"))
    from interviewbot.render import feedback_markdown

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
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@handle_errors
def eval_grading(file, as_json):
    """Agreement of the grader with human scores.

    CSV columns: question, reference_answer, answer, human_score [, key_points].
    """
    from interviewbot.grading.api import evaluate_file

    report = evaluate_file(load_settings(), file)
    if as_json:
        return emit_json(report)
    click.echo(
        f"n={report['n']}  pearson={report['pearson']}  spearman={report['spearman']}  "
        f"rmse={report['rmse']} (after linear rescaling; raw {report['rmse_raw']})"
    )
    for track, r in report.get("per_track", {}).items():
        click.echo(
            f"  {track:<14} n={r['n']:<3} pearson={r['pearson']}  spearman={r['spearman']}  rmse={r['rmse']}"
        )


# --- the code judge ---------------------------------------------------------------------------


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
    from interviewbot.judge.api import judge_file
    from interviewbot.judge.explain import verdict_text

    verdict, question = judge_file(
        load_settings(), solution, set_file, question_id, visible_only=visible_only
    )
    if as_json:
        extra = {"author_detail": verdict.author_detail} if verbose else {}
        emit_json(verdict.model_dump(mode="json") | extra)
    else:
        click.echo(verdict_text(verdict, question.entry_point, verbose=verbose))
    sys.exit(0 if verdict.accepted else 3)


# --- transcripts ------------------------------------------------------------------------------


@cli.group()
def sessions():
    """List, show and export stored interview sessions."""


def _store():
    from interviewbot.transcripts import TranscriptStore

    return TranscriptStore.from_settings(load_settings())


@sessions.command("list")
@click.option("--track", type=click.Choice(TRACKS))
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
    from interviewbot.exports import export_session

    _print_markdown(export_session(_store().get_session(session_id), "md"))


@sessions.command("export")
@click.argument("session_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@handle_errors
def sessions_export(session_id, fmt, output):
    """Export a session as Markdown, JSON or self-contained HTML."""
    from interviewbot.exports import export_session

    text = export_session(_store().get_session(session_id), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text)


# --- speech -----------------------------------------------------------------------------------


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
        report = _ingest(progress=_progress_bar())
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
