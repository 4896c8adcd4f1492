"""Commands for the knowledge: build and search the index, add and remove your own guides."""

from __future__ import annotations

from pathlib import Path

import click

from interviewbot.cli.common import _index, _ingest, _progress_bar, cli, emit_json, handle_errors


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
    for name, r in (("Guides", g), ("Questions", q)):
        packed = f" ({r.from_pack} of them from the shipped vectors)" if r.from_pack else ""
        click.echo(
            f"{name}: {r.total}; {r.embedded} added{packed}, {r.unchanged} unchanged, {r.deleted} removed"
        )
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


# --- user guides ---------------------------------------------------------------------------


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
