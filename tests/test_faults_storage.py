"""Transcript store under faults: a real PostgreSQL stopped, restarted and SIGKILLed mid-session,
connections dropped mid-query, a corrupt SQLite file, a data dir that cannot be created or written.

Each fault must end in a successful retry or one clear line (no traceback, no password), and
a count of stored turns must show nothing lost that the user was told was saved.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from interviewbot.errors import NotFoundError, NotSavedError, StorageError
from interviewbot.transcripts import TranscriptStore
from tests.faults import assert_one_line, assert_one_line_error
from tests.servers import PG_USER


def _answer(store, sid: str, n: int) -> int:
    """One interview step as the engine writes it: question asked, answer appended, turn graded."""
    tid = store.start_turn(
        sid,
        question_id=f"q{n}",
        track="ml_theory",
        topics=["stats"],
        difficulty="easy",
        prompt=f"question {n}",
    )
    store.add_message(sid, role="candidate", kind="answer", content=f"answer {n}", turn_id=tid)
    store.update_turn(tid, status="graded", answer=f"answer {n}", score=5.0)
    return tid


def _graded(store, sid: str) -> list[str]:
    return [t["answer"] for t in store.get_session(sid)["turns"] if t["status"] == "graded"]


def test_postgres_restart_reads_recover_and_a_failed_write_says_not_saved(
    postgres, postgres_url, fault_output
):
    store = TranscriptStore(postgres_url)
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    for n in range(3):
        _answer(store, sid, n)
    postgres.restart()  # every pooled connection is now dead
    assert store.list_sessions()[0]["n_graded"] == 3  # read: the dead connection was replaced
    _answer(store, sid, 3)  # and so was it for a write
    postgres.stop()
    with pytest.raises(StorageError) as read_failed:
        store.get_session(sid)
    with pytest.raises(NotSavedError) as write_failed:
        _answer(store, sid, 4)
    for failure in (read_failed, write_failed):
        message = fault_output.add(str(failure.value))
        assert_one_line(message, f"{PG_USER}:***@127.0.0.1:{postgres.port}", "is running")
    assert str(write_failed.value).startswith("Not saved:")
    postgres.start()
    _answer(store, sid, 4)  # the answer the user kept, retried
    assert _graded(store, sid) == [f"answer {n}" for n in range(5)]


def _drop_connection_before(store, postgres, table: str, verb: str):
    """Terminate the store's own server connection just before its next `verb ... table` runs."""
    armed = {"on": True}

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def drop(conn, cursor, statement, parameters, context, executemany):
        if armed["on"] and statement.lstrip().upper().startswith(verb) and f" {table}" in statement:
            armed["on"] = False
            postgres.admin(
                f"SELECT pg_terminate_backend({conn.connection.dbapi_connection.info.backend_pid})"
            )

    return armed


def test_postgres_connection_dropped_mid_read_is_retried(postgres, postgres_url, fault_output):
    store = TranscriptStore(postgres_url)
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    _answer(store, sid, 0)
    armed = _drop_connection_before(store, postgres, "turns", "SELECT")
    assert _graded(store, sid) == ["answer 0"]  # failed once, retried on a new connection
    assert not armed["on"], "the connection was never dropped: the test did not test the retry"


def test_postgres_connection_dropped_mid_write_raises_not_saved(postgres, postgres_url, fault_output):
    store = TranscriptStore(postgres_url)
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    _answer(store, sid, 0)
    _drop_connection_before(store, postgres, "messages", "INSERT")
    with pytest.raises(NotSavedError) as failed:
        store.add_message(sid, role="candidate", kind="answer", content="lost?")
    assert_one_line(fault_output.add(str(failed.value)), "Not saved:", "***@")
    assert [m["content"] for m in store.get_session(sid)["messages"]] == ["answer 0"]  # not half-saved


INTERVIEW = """
import sys, time
from interviewbot.errors import NotSavedError
from interviewbot.transcripts import TranscriptStore

def _answer(store, sid, n):
    tid = store.start_turn(sid, question_id=f"q{n}", track="ml_theory", topics=[], difficulty="easy", prompt="p")
    store.add_message(sid, role="candidate", kind="answer", content=f"answer {n}", turn_id=tid)
    store.update_turn(tid, status="graded", answer=f"answer {n}", score=5.0)

store = TranscriptStore(sys.argv[1])
sid = store.create_session(config={"tracks": ["ml_theory"]})
print("session", sid, flush=True)
n = tries = 0
while n < 30 and tries < 400:
    tries += 1
    try:
        _answer(store, sid, n)
    except NotSavedError as exc:  # the engine keeps the answer and retries on the next action
        print("NOT SAVED", exc, flush=True)
        time.sleep(0.1)
        continue
    print("saved", n, flush=True)
    n += 1
    time.sleep(0.05)
store.end_session(sid)
"""


def test_postgres_sigkill_mid_interview_loses_no_saved_answer(postgres, postgres_url, fault_output):
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERVIEW, postgres_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sid = proc.stdout.readline().split()[1]
    for line in iter(proc.stdout.readline, ""):
        if line.strip() == "saved 9":
            break
    postgres.kill()  # the postmaster and its backends, SIGKILL, mid-write
    time.sleep(1.0)
    postgres.start()  # crash recovery, as an operator's restart would do
    out, err = proc.communicate(timeout=180)
    fault_output.extend([out, err])
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    not_saved = [line for line in out.splitlines() if line.startswith("NOT SAVED")]
    assert not_saved, "the server was killed, yet no write failed: the fault did not happen"
    assert all(
        line.startswith(("saved ", "NOT SAVED Not saved: the transcript")) for line in out.splitlines()
    )
    store = TranscriptStore(postgres_url)
    assert sorted(set(_graded(store, sid)), key=lambda a: int(a.split()[1])) == [
        f"answer {n}" for n in range(30)
    ]
    assert store.get_session(sid)["status"] == "finished"


def test_cli_sessions_with_postgres_down_print_one_line(postgres, postgres_url, fault_output):
    store = TranscriptStore(postgres_url)
    sid = store.create_session(config={"tracks": ["coding"]})
    _answer(store, sid, 0)
    env = {"INTERVIEWBOT_DATABASE_URL": postgres_url}
    listed = fault_output.run_cli("sessions", "list", env=env)
    assert listed.returncode == 0 and sid[:12] in listed.stdout
    postgres.stop()
    for args in (["sessions", "list"], ["sessions", "show", sid[:12]], ["sessions", "export", sid[:12]]):
        assert_one_line_error(fault_output.run_cli(*args, env=env), f"{PG_USER}:***@", "is running")
    postgres.start()
    shown = fault_output.run_cli("sessions", "show", sid[:12], env=env)
    assert shown.returncode == 0 and "answer 0" in shown.stdout


def test_cli_wrong_database_password_is_one_line_without_it(postgres, postgres_url, fault_output):
    wrong = postgres.url(postgres_url.rsplit("/", 1)[1], password="wrong-" + PG_USER)
    proc = fault_output.run_cli("sessions", "list", env={"INTERVIEWBOT_DATABASE_URL": wrong})
    line = assert_one_line_error(proc, "password authentication failed", f"{PG_USER}:***@")
    assert "wrong-" not in line


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_with_a_session(home) -> tuple[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "interviewbot.db"
    store = TranscriptStore(f"sqlite:///{path}")
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    for n in range(40):  # enough rows to fill several pages
        _answer(store, sid, n)
    store.engine.dispose()  # checkpoints the WAL into the file
    return str(path), sid


@pytest.mark.parametrize("damage", ["pages", "header"])
def test_corrupt_sqlite_names_the_file_and_the_fix(isolated_home, fault_output, damage):
    path, sid = _sqlite_with_a_session(isolated_home)
    with open(path, "r+b") as f:
        f.seek(0 if damage == "header" else 4096)  # page 1 holds the header and the schema
        f.write(b"\xa5" * (100 if damage == "header" else 4096 * 3))
    before = hashlib.sha256(open(path, "rb").read()).hexdigest()
    for args in (["sessions", "list"], ["sessions", "show", sid[:12]]):
        line = assert_one_line_error(
            fault_output.run_cli(*args), path, "damaged", f"mv {path} {path}.damaged"
        )
    assert "sqlite3" in line and ".recover" in line
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == before  # nothing written to it


MY_SET = "name: mine\nquestions:\n  - id: mine-1\n    track: ml_theory\n    prompt: Why does it work?\n    key_points: [because it does]\n"


def test_data_dir_that_cannot_be_created(tmp_path, fault_output):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    qset = tmp_path / "mine.yaml"
    qset.write_text(MY_SET)
    env = {"INTERVIEWBOT_HOME": str(blocker / "ibhome")}
    for args in (["sessions", "list"], ["questions", "add", str(qset)], ["ingest"]):
        assert_one_line_error(
            fault_output.run_cli(*args, env=env), "cannot create the data directory", "INTERVIEWBOT_HOME"
        )
    assert blocker.read_text() == "not a directory"


def _read_only_mount_works() -> bool:
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp"],
        capture_output=True,
    )
    return probe.returncode == 0


def test_read_only_data_dir_refuses_to_add_and_writes_nothing(isolated_home, tmp_path, fault_output):
    if shutil.which("unshare") is None or not _read_only_mount_works():
        pytest.skip("needs a private mount namespace (unshare -m) to make the data dir read-only for root")
    _sqlite_with_a_session(isolated_home)
    qset = tmp_path / "mine.yaml"
    qset.write_text(MY_SET)
    listing = sorted(p.name for p in isolated_home.rglob("*"))
    home = str(isolated_home)
    cli = f"{sys.executable} -m interviewbot"
    script = (
        f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && exec {cli} questions add {qset}"
    )
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    fault_output.extend([proc.stdout, proc.stderr])
    assert_one_line_error(proc, f"{home}", "not writable", "INTERVIEWBOT_HOME")
    assert sorted(p.name for p in isolated_home.rglob("*")) == listing


def test_unknown_session_prefix_writes_nothing(isolated_home):
    path, sid = _sqlite_with_a_session(isolated_home)
    store = TranscriptStore(f"sqlite:///{path}")
    with pytest.raises(NotFoundError):
        store.add_message(
            "0123456789ab" if not sid.startswith("0123") else "fedcba987654", role="candidate", content="x"
        )
    with pytest.raises(NotFoundError):
        store.update_turn(10**6, status="graded")
    assert len(store.get_session(sid)["messages"]) == 40
