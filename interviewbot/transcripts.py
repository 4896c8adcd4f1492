"""Transcript store: every session, turn and message, committed as it happens.

SQLAlchemy Core over SQLite in INTERVIEWBOT_HOME by default (WAL mode, so several sessions can
write at once), or any SQLAlchemy URL via INTERVIEWBOT_DATABASE_URL (PostgreSQL for many users).
The engine, migrations and error handling are in `database`; the tables in `db_schema`.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from interviewbot.database import Database, _now
from interviewbot.db_schema import TURN_FIELDS, messages, sessions, turns
from interviewbot.errors import NotFoundError, ValidationError


class TranscriptStore(Database):
    """Sessions, turns and messages. Methods taking a session id accept a unique prefix, resolved once."""

    def __init__(self, url: str):
        self._resolved: dict[str, str] = {}
        super().__init__(url)

    # --- writes (each one its own committed transaction) ---------------------------------------

    def create_session(self, config: dict, backend: str = "offline", model: str | None = None) -> str:
        """A new active session; returns its id."""
        sid = uuid.uuid4().hex
        self._write(
            sessions.insert().values(
                id=sid, started_at=_now(), status="active", config=config, backend=backend, model=model
            )
        )
        self._resolved[sid] = sid
        return sid

    def start_turn(
        self,
        session_id: str,
        *,
        question_id: str,
        track: str,
        topics: list[str],
        difficulty: str | None,
        prompt: str,
    ) -> int:
        """Record a question being asked; returns the turn id."""
        res = self._write(
            turns.insert().values(
                session_id=self._session_id(session_id),
                question_id=question_id,
                track=track,
                topics=list(topics),
                difficulty=difficulty,
                prompt=prompt,
                status="asked",
                hints_used=0,
                asked_at=_now(),
            )
        )
        return int(res.inserted_primary_key[0])

    def update_turn(self, turn_id: int, **fields) -> None:
        """Update a turn's columns (answer, verdict, feedback, score, ...)."""
        unknown = set(fields) - TURN_FIELDS
        if unknown:
            raise ValueError(f"unknown turn field(s): {', '.join(sorted(unknown))}")
        res = self._write(turns.update().where(turns.c.id == turn_id).values(**fields))
        if res.rowcount == 0:
            raise NotFoundError(f"no turn {turn_id} in the transcript database; nothing was saved.")

    def add_message(
        self,
        session_id: str,
        *,
        role: str,
        content: str,
        kind: str = "text",
        turn_id: int | None = None,
        meta: dict | None = None,
    ) -> None:
        """Append a chat message to the session."""
        self._write(
            messages.insert().values(
                session_id=self._session_id(session_id),
                turn_id=turn_id,
                role=role,
                kind=kind,
                content=content,
                meta=meta or {},
                created_at=_now(),
            )
        )

    def end_session(self, session_id: str, summary: dict | None = None) -> None:
        """Mark the session finished, with its summary."""
        self._write(
            sessions.update()
            .where(sessions.c.id == self._session_id(session_id))
            .values(status="finished", ended_at=_now(), summary=summary)
        )

    def delete_session(self, session_id: str) -> None:
        """Delete a session with its turns and messages."""
        sid = self._session_id(session_id)
        self._write(
            messages.delete().where(messages.c.session_id == sid),
            turns.delete().where(turns.c.session_id == sid),
            sessions.delete().where(sessions.c.id == sid),
        )
        self._resolved = {k: v for k, v in self._resolved.items() if v != sid}

    # --- reads -------------------------------------------------------------------------------

    def _session_id(self, given: str) -> str:
        """The full id behind an id or unique prefix, looked up once per store (ids never change)."""
        if given not in self._resolved:
            self._resolved[given] = self.resolve_id(given)
        return self._resolved[given]

    def resolve_id(self, prefix: str) -> str:
        """A full session id from an id or a unique prefix (as shown in lists)."""
        prefix = (prefix or "").strip().lower()
        if not prefix:
            raise ValidationError("give a session id (see `interviewbot sessions list`).")
        if not re.fullmatch(r"[0-9a-f]{1,32}", prefix):
            raise NotFoundError(
                f"no session {prefix[:40]!r}: session ids are hexadecimal. "
                "List sessions with `interviewbot sessions list`."
            )
        match = (
            sessions.c.id == prefix
            if len(prefix) == 32
            else sessions.c.id.startswith(prefix, autoescape=True)
        )
        ids = self._read(lambda conn: list(conn.scalars(sa.select(sessions.c.id).where(match).limit(3))))
        if not ids:
            raise NotFoundError(f"no session {prefix!r}. List sessions with `interviewbot sessions list`.")
        if len(ids) > 1 and prefix not in ids:
            raise ValidationError(f"session id {prefix!r} is ambiguous; give more characters.")
        return prefix if prefix in ids else ids[0]

    def get_session(self, session_id: str) -> dict:
        """The session with its turns and messages, in order."""
        sid = self._session_id(session_id)
        data = self._read(lambda conn: self._session_rows(conn, sid))
        data["tracks"] = list((data.get("config") or {}).get("tracks") or [])
        return data

    @staticmethod
    def _session_rows(conn, sid: str) -> dict:
        row = conn.execute(sa.select(sessions).where(sessions.c.id == sid)).mappings().one_or_none()
        if row is None:  # deleted by another process since its id was resolved
            raise NotFoundError(f"no session {sid!r}. List sessions with `interviewbot sessions list`.")
        turn_rows = conn.execute(sa.select(turns).where(turns.c.session_id == sid).order_by(turns.c.id))
        msg_rows = conn.execute(
            sa.select(messages).where(messages.c.session_id == sid).order_by(messages.c.id)
        )
        data = dict(row)
        data["turns"] = [dict(t) for t in turn_rows.mappings()]
        data["messages"] = [dict(m) for m in msg_rows.mappings()]
        return data

    def list_sessions(
        self,
        track: str | None = None,
        since: datetime | None = None,
        min_score: float | None = None,
        limit: int = 500,
    ) -> list[dict]:
        """Sessions newest first, with graded-turn counts and mean score."""
        graded = (
            sa.select(
                turns.c.session_id,
                sa.func.count(turns.c.score).label("n_graded"),
                sa.func.avg(turns.c.score).label("avg_score"),
            )
            .group_by(turns.c.session_id)
            .subquery()
        )
        stmt = (
            sa.select(sessions, graded.c.n_graded, graded.c.avg_score)
            .outerjoin(graded, graded.c.session_id == sessions.c.id)
            .order_by(sessions.c.started_at.desc())
        )
        if since is not None:
            stmt = stmt.where(sessions.c.started_at >= since.astimezone(UTC).isoformat())
        if min_score is not None:
            stmt = stmt.where(graded.c.avg_score >= min_score)
        rows = self._read(lambda conn: [dict(r) for r in conn.execute(stmt).mappings()])
        for r in rows:
            r["tracks"] = list((r.get("config") or {}).get("tracks") or [])
            r["n_graded"] = r["n_graded"] or 0
        # tracks live in the JSON config: filtered here, before the limit, on every dialect alike
        return [r for r in rows if track is None or track in r["tracks"]][:limit]

    def progress(self) -> list[dict]:
        """Every graded turn (time order): track, topics, question and score."""
        stmt = (
            sa.select(turns.c.track, turns.c.topics, turns.c.question_id, turns.c.score, turns.c.graded_at)
            .where(turns.c.score.is_not(None))
            .order_by(turns.c.graded_at)
        )
        return self._read(lambda conn: [dict(r) for r in conn.execute(stmt).mappings()])
