"""README, --help and the code agree: every CLI command is documented and has help."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from interviewbot.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        path = prefix + (name,)
        yield path
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path)


COMMANDS = sorted(_commands(cli))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_has_help_and_is_in_readme(path):
    res = CliRunner().invoke(cli, [*path, "--help"])
    assert res.exit_code == 0 and "Usage:" in res.output
    assert f"interviewbot {' '.join(path)}" in README, f"`interviewbot {' '.join(path)}` is not in the README"


def test_readme_quick_start_is_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make run" in quick and "make test" in quick


def test_readme_documents_every_env_var():
    config = (ROOT / "interviewbot/config.py").read_text(encoding="utf-8")
    import re

    names = set(re.findall(r'"((?:INTERVIEWBOT|OPENAI)_[A-Z0-9_]+)"', config))
    assert names and [n for n in sorted(names) if n not in README] == []
