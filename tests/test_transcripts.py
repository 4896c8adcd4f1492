"""Transcript store: migrations, committed turns survive SIGKILL, concurrent writers, exports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from interviewbot.cli import cli
from interviewbot.db_schema import MIGRATIONS
from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.exports import export_session
from interviewbot.practice import question_stats, topic_stats
from interviewbot.transcripts import TranscriptStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path):
    return TranscriptStore(f"sqlite:///{tmp_path / 'ib.db'}")


def _session_with_turn(store, answer="an answer <b>bold</b>"):
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    tid = store.start_turn(
        sid,
        question_id="q1",
        track="ml_theory",
        topics=["statistics"],
        difficulty="easy",
        prompt="What is a p-value?",
    )
    store.add_message(sid, role="interviewer", kind="question", content="What is a p-value?", turn_id=tid)
    store.add_message(sid, role="candidate", kind="answer", content=answer, turn_id=tid)
    store.update_turn(tid, status="graded", answer=answer, score=6.5, citations=[{"chunk_id": "abc"}])
    return sid


def test_migrations_apply_once_and_twice_is_noop(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    first = TranscriptStore(url)
    assert first.schema_version() == MIGRATIONS[-1][0]
    assert first.migrate() == []  # already applied
    assert TranscriptStore(url).migrate() == []  # a second process opening it changes nothing
    with first.engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from schema_migrations")) == len(MIGRATIONS)


def test_sqlite_uses_wal(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"


def test_store_round_trip_and_stats(store):
    sid = _session_with_turn(store)
    data = store.get_session(sid[:8])  # a unique prefix works
    assert data["id"] == sid and data["turns"][0]["score"] == 6.5
    assert [m["kind"] for m in data["messages"]] == ["question", "answer"]
    assert question_stats(store.progress())["q1"]["last_score"] == 6.5
    assert topic_stats(store.progress())["statistics"]["mean_score"] == 6.5
    assert store.list_sessions(track="ml_theory")[0]["n_graded"] == 1
    assert store.list_sessions(track="coding") == []
    assert store.list_sessions(min_score=7) == []


def test_store_unknown_session_and_bad_format(store):
    with pytest.raises(NotFoundError, match="sessions list"):
        store.get_session("deadbeef")
    sid = _session_with_turn(store)
    with pytest.raises(ValidationError, match="md, json or html"):
        export_session(store.get_session(sid), "pdf")
    with pytest.raises(ValueError, match="unknown turn field"):
        store.update_turn(1, not_a_column=1)


def test_exports_escape_user_text(store):
    sid = _session_with_turn(store, answer="<script>alert('x')</script> & more")
    page = export_session(store.get_session(sid), "html")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert page.startswith("<!doctype html>") and "<link" not in page  # self-contained
    md = export_session(store.get_session(sid), "md")
    assert "What is a p-value?" in md and "<script>alert('x')</script>" in md
    assert json.loads(export_session(store.get_session(sid), "json"))["turns"][0]["score"] == 6.5


WRITER = """
import sys
from interviewbot.practice import question_stats, topic_stats
from interviewbot.transcripts import TranscriptStore
url, worker = sys.argv[1], int(sys.argv[2])
store = TranscriptStore(url)
sid = store.create_session(config={"tracks": ["coding"], "worker": worker})
for n in range(50):
    tid = store.start_turn(sid, question_id=f"q{n}", track="coding", topics=["arrays"], difficulty="easy",
                           prompt=f"question {n}")
    store.add_message(sid, role="candidate", kind="answer", content=f"answer {worker}-{n}", turn_id=tid)
    store.update_turn(tid, status="graded", score=float(n % 10))
print(sid)
"""


def test_eight_concurrent_sessions_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    TranscriptStore(url).engine.dispose()  # migrate once up front
    # Eight separate interpreters, as eight app or CLI processes would be (a forked child must not
    # inherit this process's open SQLite handles).
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(w)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(8)
    ]
    outputs = [w.communicate(timeout=240) for w in writers]
    assert [w.returncode for w in writers] == [0] * 8, [err[-500:] for _, err in outputs]
    store = TranscriptStore(url)
    for sid in (out.strip() for out, _ in outputs):
        data = store.get_session(sid)
        assert len(data["turns"]) == 50 and len(data["messages"]) == 50
        assert all(t["status"] == "graded" for t in data["turns"])


SCRIPT = """
import sys, time
from interviewbot.practice import question_stats, topic_stats
from interviewbot.transcripts import TranscriptStore
store = TranscriptStore(sys.argv[1])
sid = store.create_session(config={"tracks": ["ml_theory"]})
print(sid, flush=True)
for n in range(1000):
    tid = store.start_turn(sid, question_id=f"q{n}", track="ml_theory", topics=[], difficulty="easy", prompt="p")
    store.update_turn(tid, status="graded", answer=f"answer {n}", score=5.0)
    print(n, flush=True)
    time.sleep(0.01)
"""


def test_sigkill_loses_no_committed_turn(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, url], stdout=subprocess.PIPE, text=True)
    sid = proc.stdout.readline().strip()
    committed = -1
    while committed < 20:
        committed = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    turns = TranscriptStore(url).get_session(sid)["turns"]
    graded = [t for t in turns if t["status"] == "graded"]
    assert len(graded) >= committed + 1  # every turn reported as committed is there
    assert [t["answer"] for t in graded[: committed + 1]] == [f"answer {n}" for n in range(committed + 1)]


def test_cli_sessions_list_show_export(store, tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEWBOT_DATABASE_URL", store.url)
    sid = _session_with_turn(store)
    runner = CliRunner()
    listed = runner.invoke(cli, ["sessions", "list", "--json"])
    assert json.loads(listed.output)[0]["id"] == sid
    assert "p-value" in runner.invoke(cli, ["sessions", "show", sid[:10]]).output
    out = tmp_path / "s.html"
    res = runner.invoke(cli, ["sessions", "export", sid, "--format", "html", "-o", str(out)])
    assert res.exit_code == 0 and "&lt;b&gt;bold" in out.read_text()
    bad = runner.invoke(cli, ["sessions", "show", "ffffffff"])
    assert bad.exit_code == 1 and "no session" in bad.output


def test_session_ids_are_matched_literally(store):
    _session_with_turn(store)
    for pattern in ("%", "_", "a%", "../x"):
        with pytest.raises(NotFoundError):
            store.get_session(pattern)


def test_markdown_export_fences_code_containing_backticks(store):
    sid = _session_with_turn(store)
    code = "s = '''\n```\nnot the end\n```\n'''"
    store.add_message(sid, role="candidate", kind="code", content=code)
    assert "````python\n" + code + "\n````" in export_session(store.get_session(sid), "md")


def test_track_filter_applies_before_the_limit(store):
    theory = store.create_session(config={"tracks": ["ml_theory"]})
    for _ in range(3):
        store.create_session(config={"tracks": ["coding"]})
    assert [r["id"] for r in store.list_sessions(track="ml_theory", limit=2)] == [theory]


# --- migrations: frozen DDL -------------------------------------------------------------------


def _columns(url: str) -> dict[str, list[str]]:
    inspector = sa.inspect(TranscriptStore(url).engine)
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in ("sessions", "turns", "messages")}


def test_migrated_schema_matches_the_live_tables(tmp_path):
    """A change to the live tables without a migration that makes it fails here."""
    from interviewbot.db_schema import messages, sessions, turns

    live = {t.name: [c.name for c in t.columns] for t in (sessions, turns, messages)}
    assert _columns(f"sqlite:///{tmp_path / 'drift.db'}") == live


NEXT_MIGRATION = """
import sys
import sqlalchemy as sa
from interviewbot import db_schema, transcripts
# what a developer adding a column does: the live table gains it, and a migration adds it
db_schema.turns.append_column(sa.Column("rating", sa.Integer))
add = lambda conn: conn.execute(sa.text("ALTER TABLE turns ADD COLUMN rating INTEGER"))
db_schema.MIGRATIONS.append((2, "turn rating", add))
for url in sys.argv[1:]:
    store = transcripts.TranscriptStore(url)
    cols = [c["name"] for c in sa.inspect(store.engine).get_columns("turns")]
    print(store.schema_version(), cols.count("rating"))
"""


def test_a_later_add_column_migration_works_on_new_and_old_databases(tmp_path):
    old = f"sqlite:///{tmp_path / 'old.db'}"
    TranscriptStore(old).engine.dispose()  # a database made by the released migrations
    new = f"sqlite:///{tmp_path / 'new.db'}"
    run = subprocess.run([sys.executable, "-c", NEXT_MIGRATION, old, new], capture_output=True, text=True)
    # migration 1 is frozen: on the new database it does not create `rating`, so migration 2 can
    assert run.returncode == 0, run.stderr[-1500:]
    assert run.stdout.split("\n")[:2] == ["2 1", "2 1"]


# --- session ids: a unique prefix works for every method, writes included --------------------


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ids.db'}"
    return request.getfixturevalue("postgres_url")


def test_resume_with_a_12_character_prefix_writes_to_the_session(any_db_url):
    store = TranscriptStore(any_db_url)
    sid = _session_with_turn(store)
    prefix = sid[:12]  # what `sessions list` prints
    resumed = TranscriptStore(any_db_url)  # a new process resuming it
    tid = resumed.start_turn(
        prefix, question_id="q2", track="ml_theory", topics=[], difficulty="easy", prompt="Next?"
    )
    resumed.add_message(prefix, role="candidate", kind="answer", content="resumed answer", turn_id=tid)
    resumed.update_turn(tid, status="graded", answer="resumed answer", score=7.0)
    resumed.end_session(prefix, summary={"n": 2})
    data = store.get_session(sid)
    assert data["status"] == "finished" and [t["question_id"] for t in data["turns"]] == ["q1", "q2"]
    assert data["messages"][-1]["content"] == "resumed answer"
    assert export_session(resumed.get_session(prefix), "json") and resumed.get_session(prefix)["id"] == sid


def test_an_ambiguous_prefix_writes_nothing(store):
    ids = {store.create_session(config={}) for _ in range(40)}
    shared = next(a[:1] for a in ids for b in ids if a != b and a[:1] == b[:1])
    with pytest.raises(ValidationError, match="ambiguous"):
        store.add_message(shared, role="candidate", content="where does this go?")
    assert all(store.get_session(sid)["messages"] == [] for sid in ids)


def test_deleting_by_prefix_removes_everything_of_that_session(store):
    sid = _session_with_turn(store)
    store.delete_session(sid[:12])
    with pytest.raises(NotFoundError):
        store.get_session(sid)
    with pytest.raises(NotFoundError):
        store.add_message(sid, role="candidate", content="after delete")
