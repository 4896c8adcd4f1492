"""Commands for question sets: validate, add, list, remove, export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from interviewbot.cli.common import _index, cli, emit_json, handle_errors
from interviewbot.config import load_settings


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
        from interviewbot.judge.files import check_references

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
