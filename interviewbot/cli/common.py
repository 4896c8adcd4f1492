"""The command group and what every command shares: one-line errors, JSON output, progress bars."""

from __future__ import annotations

import functools
import json
import sys

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


def _print_markdown(text: str) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(text))
