"""Transcript store: every session, turn and message, committed as it happens.

SQLAlchemy Core over SQLite in INTERVIEWBOT_HOME by default (WAL mode, so several sessions can
write at once), or any SQLAlchemy URL via INTERVIEWBOT_DATABASE_URL. The schema is built by
numbered migrations that are never edited once released; applying them twice is a no-op.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from interviewbot.errors import NotFoundError, StorageError, ValidationError

metadata = sa.MetaData()

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=False),
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40)),
    sa.Column("status", sa.String(16), nullable=False),  # active | finished
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("backend", sa.String(40)),
    sa.Column("model", sa.String(200)),
    sa.Column("summary", sa.JSON),
)
turns = sa.Table(
    "turns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.String(32),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("question_id", sa.String(80), nullable=False, index=True),
    sa.Column("track", sa.String(20), nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("difficulty", sa.String(10)),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # asked | answered | graded | skipped
    sa.Column("answer", sa.Text),
    sa.Column("code", sa.Text),
    sa.Column("hints_used", sa.Integer, nullable=False, default=0),
    sa.Column("follow_ups", sa.JSON),
    sa.Column("verdict", sa.JSON),
    sa.Column("feedback", sa.JSON),
    sa.Column("score", sa.Float),
    sa.Column("citations", sa.JSON),
    sa.Column("asked_at", sa.String(40), nullable=False),
    sa.Column("graded_at", sa.String(40)),
    sa.Column("elapsed_s", sa.Float),
    sa.Column("backend", sa.String(40)),
    sa.Column("model", sa.String(200)),
    sa.Column("usage", sa.JSON),
)
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.String(32),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("turn_id", sa.Integer),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("meta", sa.JSON),
    sa.Column("created_at", sa.String(40), nullable=False),
)


def _create(*tables):
    return lambda conn: metadata.create_all(conn, tables=list(tables))


# Numbered migrations: append new ones, never edit a released one.
MIGRATIONS = [
    (1, "create sessions, turns and messages", _create(sessions, turns, messages)),
]
TURN_FIELDS = {c.name for c in turns.columns} - {"id", "session_id"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class TranscriptStore:
    """Sessions, turns and messages in a SQL database."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = sa.create_engine(url, future=True)
        except Exception as exc:  # bad URL, missing driver
            raise StorageError(
                f"cannot open the transcript database {url!r}: {exc}. Check INTERVIEWBOT_DATABASE_URL."
            ) from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    @classmethod
    def from_settings(cls, settings) -> TranscriptStore:
        from interviewbot.config import ensure_home

        if not settings.database_url:
            ensure_home(settings)
        return cls(settings.db_url)

    # --- schema ------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; returns their numbers (empty: up to date)."""
        applied = []
        try:
            with self.engine.begin() as conn:
                metadata.create_all(conn, tables=[schema_migrations])
                done = set(conn.scalars(sa.select(schema_migrations.c.version)))
                for version, name, apply in MIGRATIONS:
                    if version in done:
                        continue
                    apply(conn)
                    conn.execute(
                        schema_migrations.insert().values(version=version, name=name, applied_at=_now())
                    )
                    applied.append(version)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot prepare the transcript database {self.url}: {exc}") from exc
        return applied

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.max(schema_migrations.c.version))) or 0

    # --- writes (each one its own committed transaction) ---------------------------------------

    def _write(self, stmt):
        try:
            with self.engine.begin() as conn:
                return conn.execute(stmt)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"could not save to the transcript database: {exc}") from exc

    def create_session(self, config: dict, backend: str = "offline", model: str | None = None) -> str:
        """A new active session; returns its id."""
        sid = uuid.uuid4().hex
        self._write(
            sessions.insert().values(
                id=sid, started_at=_now(), status="active", config=config, backend=backend, model=model
            )
        )
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
                session_id=session_id,
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
        self._write(turns.update().where(turns.c.id == turn_id).values(**fields))

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
                session_id=session_id,
                turn_id=turn_id,
                role=role,
                kind=kind,
                content=content,
                meta=meta or {},
                created_at=_now(),
            )
        )

    def end_session(self, session_id: str, summary: dict | None = None) -> None:
        self._write(
            sessions.update()
            .where(sessions.c.id == session_id)
            .values(status="finished", ended_at=_now(), summary=summary)
        )

    def delete_session(self, session_id: str) -> None:
        self.get_session(session_id)
        with self.engine.begin() as conn:
            conn.execute(messages.delete().where(messages.c.session_id == session_id))
            conn.execute(turns.delete().where(turns.c.session_id == session_id))
            conn.execute(sessions.delete().where(sessions.c.id == session_id))

    # --- reads -------------------------------------------------------------------------------

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
        with self.engine.connect() as conn:
            ids = list(
                conn.scalars(
                    sa.select(sessions.c.id).where(sessions.c.id.startswith(prefix, autoescape=True)).limit(3)
                )
            )
        if not ids:
            raise NotFoundError(f"no session {prefix!r}. List sessions with `interviewbot sessions list`.")
        if len(ids) > 1 and prefix not in ids:
            raise ValidationError(f"session id {prefix!r} is ambiguous; give more characters.")
        return prefix if prefix in ids else ids[0]

    def get_session(self, session_id: str) -> dict:
        """The session with its turns and messages, in order."""
        sid = self.resolve_id(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.id == sid)).mappings().one()
            turn_rows = conn.execute(
                sa.select(turns).where(turns.c.session_id == sid).order_by(turns.c.id)
            ).mappings()
            msg_rows = conn.execute(
                sa.select(messages).where(messages.c.session_id == sid).order_by(messages.c.id)
            ).mappings()
            data = dict(row)
            data["turns"] = [dict(t) for t in turn_rows]
            data["messages"] = [dict(m) for m in msg_rows]
        data["tracks"] = list((data.get("config") or {}).get("tracks") or [])
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
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(stmt).mappings()]
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
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def question_stats(self, progress: list[dict] | None = None) -> dict[str, dict]:
        """Per question: attempts, last score and mean score (for spaced repetition).

        Pass rows already read with `progress()` to avoid reading them again.
        """
        stats: dict[str, dict] = {}
        for row in self.progress() if progress is None else progress:
            s = stats.setdefault(row["question_id"], {"attempts": 0, "last_score": None, "scores": []})
            s["attempts"] += 1
            s["last_score"] = row["score"]
            s["scores"].append(row["score"])
        for s in stats.values():
            s["mean_score"] = round(sum(s.pop("scores")) / s["attempts"], 2)
        return stats

    def topic_stats(self, progress: list[dict] | None = None) -> dict[str, dict]:
        """Per topic: number of graded answers and mean score (from `progress` rows if given)."""
        acc: dict[str, list[float]] = {}
        for row in self.progress() if progress is None else progress:
            for topic in row["topics"] or []:
                acc.setdefault(topic, []).append(row["score"])
        return {t: {"n": len(v), "mean_score": round(sum(v) / len(v), 2)} for t, v in acc.items()}
