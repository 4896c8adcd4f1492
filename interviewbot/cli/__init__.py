"""Command-line interface: each command is one call into the library.

The commands live in the modules of this package by what they act on; importing them here
registers them on the `cli` group.
"""

from interviewbot.cli import knowledge, practice, questions, sessions  # noqa: F401 - registers commands
from interviewbot.cli.common import cli


def main():
    cli(prog_name="interviewbot")
