"""Commands for stored sessions (list, show, export) and `serve`, the app."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from interviewbot.cli.common import (
    _ingest,
    _print_markdown,
    _progress_bar,
    cli,
    emit_json,
    handle_errors,
)
from interviewbot.config import load_settings
from interviewbot.vocabulary import TRACKS


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


# --- the app ---------------------------------------------------------------------------------


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
            f"({report.added_line()}).",
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
