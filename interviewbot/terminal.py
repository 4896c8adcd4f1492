"""The terminal interview: the same engine, answers read from stdin (so it can be scripted).

Text answers end with an empty line; code ends with a line `END`. Commands on a line of their
own: `:hint`, `:skip`, `:end` (grade what was answered, then a summary), `:quit` (leave; resume
later), `:retry` (send again an answer the database did not take; it is also kept in a recovery file).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel

from interviewbot.errors import InterviewbotError, NotSavedError
from interviewbot.interview import InterviewSession, Message

COMMANDS = (":hint", ":skip", ":end", ":quit", ":retry")
_STYLE = {
    "question": "cyan",
    "follow_up": "cyan",
    "hint": "yellow",
    "feedback": "green",
    "verdict": "magenta",
    "summary": "bold green",
    "text": "white",
}


class TerminalInterview:
    """Drive an InterviewSession from a line stream and print with rich."""

    def __init__(self, stdin: IO[str], console: Console | None = None):
        self.session: InterviewSession | None = None
        self.lines: Iterator[str] = iter(stdin)
        self.console = console or Console()
        self._live = None
        self.unsaved: tuple[str, bool] | None = None  # an answer the database did not take

    def attach(self, session: InterviewSession) -> TerminalInterview:
        """Drive this session (LLM replies stream into the terminal)."""
        self.session = session
        session.on_token = self.stream
        return self

    def stream(self, text: str) -> None:
        """Show an LLM reply as it arrives (replaced by the final panel when it is done)."""
        from rich.live import Live

        if self._live is None:
            self._live = Live(console=self.console, transient=True, auto_refresh=False)
            self._live.start()
        self._live.update(Panel(text, title="interviewer", border_style="cyan"), refresh=True)

    def _stop_stream(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def show(self, messages: list[Message]) -> None:
        self._stop_stream()
        for m in messages:
            if m.role == "candidate":
                continue
            title = m.kind.replace("_", " ")
            if m.kind == "question":
                track = m.meta.get("track", "").replace("_", " ")
                title = f"Question {m.meta.get('number')}/{m.meta.get('of')} - {track}"
            self.console.print(
                Panel(Markdown(m.content), title=title, border_style=_STYLE.get(m.kind, "white"))
            )
            if m.kind == "question" and m.meta.get("starter_code"):
                self.console.print(
                    Panel(m.meta["starter_code"], title="starter code (end your code with a line END)")
                )

    def _read(self, until: str) -> str | None:
        """Read lines until the terminator ('' or 'END'); None at end of input."""
        collected = []
        for raw in self.lines:
            line = raw.rstrip("\n")
            if not collected and line.strip() in COMMANDS:
                return line.strip()
            if (until == "" and not line.strip() and collected) or (until and line.strip() == until):
                return "\n".join(collected)
            if line.strip() or collected:
                collected.append(line)
        return "\n".join(collected) if collected else None

    def run(self) -> str:
        """Run until the interview ends or input runs out; returns the session id."""
        self.console.print(f"[dim]Session {self.session.id}. Commands: {', '.join(COMMANDS)}[/dim]")
        turn = self.session.turn
        if turn is not None and turn.awaiting == "code" and turn.code:  # resumed: the code written so far
            self.console.print(Panel(turn.code, title="your latest code (saved draft)"))
        while not self.session.finished and self.session.turn is not None:
            coding = self.session.turn.awaiting == "code"
            self.console.print(
                "[bold]>[/bold] "
                + ("your code, then a line END" if coding else "your answer, then an empty line")
            )
            entry = self._read("END" if coding else "")
            if entry is None or entry == ":quit":
                break
            if entry == ":retry":
                entry, coding = self.unsaved or (None, coding)
                if entry is None:
                    self.console.print("Nothing to retry: everything you sent was saved.")
                    continue
            self._handle(entry, coding)
        self._farewell()
        return self.session.id

    def _farewell(self) -> None:
        resume = f"interviewbot interview --resume {self.session.id}"
        if self.unsaved:
            self.console.print(
                f"[red]Your last answer was NOT saved; it is kept in {self._recovery_file()}. "
                f"Resume with: {resume}[/red]"
            )
        elif not self.session.finished:
            self.console.print(f"[yellow]Saved. Resume with: {resume}[/yellow]")

    def _recovery_file(self) -> Path:
        return self.session.services.settings.home / "recovery" / f"{self.session.id}.txt"

    def _keep(self, entry: str, coding: bool) -> None:
        """An answer the database did not take: kept in memory and in a recovery file."""
        self.unsaved = (entry, coding)
        path = self._recovery_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')}\n{entry}\n")
            where = f"it is kept in {path}"
        except OSError:
            where = "copy it from above"
        self.console.print(f"Your answer was not saved; {where}. Type :retry to send it again.")

    def _handle(self, entry: str, coding: bool) -> None:
        s = self.session
        try:
            if entry == ":hint":
                self.show(s.hint())
            elif entry == ":skip":
                self.show(s.skip())
            elif entry == ":end":
                self.show(s.end())
            elif coding:
                self.show(s.submit_code(entry))
            else:
                self.show(s.answer(entry))
        except NotSavedError as exc:
            self.console.print(f"[red]{exc}[/red]")
            if entry not in COMMANDS:
                self._keep(entry, coding)
            return
        except InterviewbotError as exc:
            self.console.print(f"[red]{exc}[/red]")
            return
        if entry not in (":hint",):
            self.unsaved = None  # what was pending is sent (or replaced by a new answer)
