"""The transcript database's tables as they are now, and the numbered migrations that built them.

Migrations are never edited once released: each carries its own frozen DDL, and a schema change is
a new numbered migration appended to MIGRATIONS (with the live tables below updated to match).
"""

from __future__ import annotations

import sqlalchemy as sa

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
