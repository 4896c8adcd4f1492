"""The database under the transcript store: engine set-up, SQLite pragmas, migrations under a lock,
transactions, and one clear line (never a password) for every failure.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from interviewbot.config import redact_url
from interviewbot.db_schema import MIGRATIONS, schema_migrations
from interviewbot.errors import NotSavedError, StorageError

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


class Database:
    """A SQLAlchemy engine with the schema migrated, reads retried once, and failures as typed errors.

    Reads retry once after a dropped connection. Every write either commits or raises
    NotSavedError (a StorageError): a caller is never left believing something was saved.
    """

    def __init__(self, url: str):
        self.url = url
        self.shown_url = redact_url(url)
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
    def from_settings(cls, settings):
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
