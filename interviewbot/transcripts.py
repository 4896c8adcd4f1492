"""Transcript store: every session, turn and message, committed as it happens.

SQLAlchemy Core over SQLite in INTERVIEWBOT_HOME by default (WAL mode, so several sessions can
write at once), or any SQLAlchemy URL via INTERVIEWBOT_DATABASE_URL. The schema is built by
numbered migrations that are never edited once released; applying them twice is a no-op.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from interviewbot.config import redact_url
from interviewbot.errors import NotFoundError, NotSavedError, StorageError, ValidationError

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


def _v1_session_fk() -> sa.ForeignKey:
    return sa.ForeignKey("sessions.id", ondelete="CASCADE")


def _v1_tables(md: sa.MetaData) -> None:
    """The three tables exactly as migration 1 released them (frozen: never edit; add a migration)."""
    sa.Table(
        "sessions",
        md,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("ended_at", sa.String(40)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("backend", sa.String(40)),
        sa.Column("model", sa.String(200)),
        sa.Column("summary", sa.JSON),
    )
    sa.Table(
        "turns",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), _v1_session_fk(), nullable=False, index=True),
        sa.Column("question_id", sa.String(80), nullable=False, index=True),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("difficulty", sa.String(10)),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("code", sa.Text),
        sa.Column("hints_used", sa.Integer, nullable=False),
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
    sa.Table(
        "messages",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), _v1_session_fk(), nullable=False, index=True),
        sa.Column("turn_id", sa.Integer),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("meta", sa.JSON),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def _migration_1(conn) -> None:
    md = sa.MetaData()
    _v1_tables(md)
    md.create_all(conn)


# Numbered migrations: append new ones, never edit a released one. Each carries its own frozen DDL
# (not the live tables above, which grow: migration 1 must create on a new database exactly what it
# created on the first one, or a later ADD COLUMN would fail there).
MIGRATIONS = [
    (1, "create sessions, turns and messages", _migration_1),
]
TURN_FIELDS = {c.name for c in turns.columns} - {"id", "session_id"}
MIGRATION_LOCK_KEY = 0x1B7E_C0DE  # the Postgres advisory lock that serialises migrations of this app
READ_RETRY_PAUSE_S = 0.5  # before the one retry of a read whose connection dropped
SQLITE_BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for another one to finish


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The driver must not open transactions itself: `_sqlite_begin` does, so DDL is transactional
    # and migrations and writes can take the write lock up front (BEGIN IMMEDIATE).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    _use_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _use_wal(cur) -> None:
    """Switch a new database file to WAL (it stays so); processes creating it together take turns."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            # the switch needs the file to itself and does not wait on busy_timeout: retry here
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def _first_line(exc: BaseException) -> str:
    """The driver's own reason for a database error, on one line."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return (lines[0] if lines else type(orig).__name__)[:300]


class TranscriptStore:
    """Sessions, turns and messages in a SQL database.

    Reads retry once after a dropped connection. Every write either commits or raises
    NotSavedError (a StorageError): a caller is never left believing something was saved.
    Methods taking a session id accept a unique prefix, resolved once per store.
    """

    def __init__(self, url: str):
        self.url = url
        self.shown_url = redact_url(url)
        self._resolved: dict[str, str] = {}
        self.engine = self._create_engine(url)
        self.migrate()

    def _create_engine(self, url: str) -> sa.Engine:
        try:
            dialect = sa.engine.make_url(url).get_backend_name()
            # pre-ping: a pooled connection that a database restart dropped is replaced, not used
            options = {} if dialect == "sqlite" else {"pool_pre_ping": True}
            if dialect == "postgresql":
                options["connect_args"] = {"connect_timeout": 10}
            engine = sa.create_engine(url, **options)
        except ModuleNotFoundError as exc:
            raise StorageError(
                f"cannot open the transcript database {self.shown_url}: its driver {exc.name!r} is not "
                "installed. For PostgreSQL: pip install 'interviewbot[postgres]'."
            ) from exc
        except Exception as exc:  # a malformed URL or unknown dialect
            raise StorageError(
                f"cannot open the transcript database {self.shown_url}: {self._scrub(_first_line(exc))}. "
                "Check INTERVIEWBOT_DATABASE_URL."
            ) from exc
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            sa.event.listen(engine, "begin", _sqlite_begin)
        return engine

    @classmethod
    def from_settings(cls, settings) -> TranscriptStore:
        from interviewbot.config import ensure_home

        if not settings.database_url:
            ensure_home(settings)
        return cls(settings.db_url)

    # --- errors ------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """Text with the database password (should a driver echo it) replaced by ***."""
        password = sa.engine.make_url(self.url).password if "://" in self.url else None
        return text.replace(password, "***") if password else text

    def _error(self, exc: BaseException, write: bool) -> StorageError:
        """One clear line for a failed read or write (the password never shown)."""
        reason = self._scrub(_first_line(exc))
        if self.engine.dialect.name == "sqlite":
            message = self._sqlite_problem(reason)
        else:
            message = (
                f"the transcript database {self.shown_url} failed ({reason}). Check that the database "
                "server is running and INTERVIEWBOT_DATABASE_URL is right."
            )
        if write:
            return NotSavedError(f"Not saved: {message}")
        return StorageError(message)

    def _sqlite_problem(self, reason: str) -> str:
        path = self.engine.url.database
        low = reason.lower()
        if "malformed" in low or "not a database" in low:
            return (
                f"the transcript database {path} is damaged ({reason}). Move it aside to start a fresh "
                f"one: mv {path} {path}.damaged (`sqlite3 {path}.damaged .recover | sqlite3 {path}` "
                "may rescue its sessions)."
            )
        if "readonly" in low or "unable to open" in low:
            return (
                f"cannot write the transcript database {path} ({reason}). Make it and its directory "
                "writable, or set INTERVIEWBOT_HOME to a directory you can write to."
            )
        return (
            f"the transcript database {path} failed ({reason}). Try again; if it persists, check that file."
        )

    def _transient(self, exc: sa.exc.DBAPIError) -> bool:
        """A dropped or refused server connection (SQLite has none to drop)."""
        if self.engine.dialect.name == "sqlite":
            return False
        return exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError)

    # --- schema ------------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the migrations not applied yet; returns their numbers (empty: up to date).

        Safe when many processes start on a fresh database at once: they queue on a lock
        (a Postgres advisory lock; SQLite's write lock) and re-read the version once they hold it.
        """
        latest = MIGRATIONS[-1][0]
        if self._read(self._version) >= latest:
            return []
        try:
            with self._write_transaction() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                schema_migrations.create(conn, checkfirst=True)
                done = set(conn.scalars(sa.select(schema_migrations.c.version)))
                applied = [self._apply(conn, m) for m in MIGRATIONS if m[0] not in done]
        except sa.exc.SQLAlchemyError as exc:
            raise self._error(exc, write=False) from exc
        return applied

    @staticmethod
    def _apply(conn, migration) -> int:
        version, name, apply = migration
        apply(conn)
        conn.execute(schema_migrations.insert().values(version=version, name=name, applied_at=_now()))
        return version

    @staticmethod
    def _version(conn) -> int:
        if not sa.inspect(conn).has_table(schema_migrations.name):
            return 0
        return conn.scalar(sa.select(sa.func.max(schema_migrations.c.version))) or 0

    def schema_version(self) -> int:
        return self._read(self._version)

    # --- transactions ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write_transaction(self):
        """A transaction that holds the write lock from its start (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def _read(self, query):
        """Run `query(conn)`; a read is safe to repeat, so one dropped connection is retried."""
        for attempt in (1, 2):
            try:
                with self.engine.connect() as conn:
                    return query(conn)
            except sa.exc.DBAPIError as exc:
                if attempt == 1 and self._transient(exc):
                    time.sleep(READ_RETRY_PAUSE_S)
                    continue
                raise self._error(exc, write=False) from exc
            except sa.exc.SQLAlchemyError as exc:
                raise self._error(exc, write=False) from exc

    def _write(self, *stmts) -> sa.CursorResult:
        """Run statements in one committed transaction (its last result), or raise NotSavedError."""
        try:
            with self._write_transaction() as conn:
                for stmt in stmts:
                    result = conn.execute(stmt)
            return result
        except sa.exc.SQLAlchemyError as exc:
            raise self._error(exc, write=True) from exc

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
