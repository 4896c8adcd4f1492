"""Migrations under a start-up race: 8 processes open the same fresh database at the same moment.

Eight worker interpreters stay up for all trials (so each trial costs a database, not eight
Python start-ups); for every trial they get a fresh database URL and a start time a fraction of a
second ahead, and all open the store at that instant. 20 trials, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from interviewbot.db_schema import MIGRATIONS
from interviewbot.transcripts import TranscriptStore

pytestmark = pytest.mark.slow
WORKERS = 8
TRIALS = 20

WORKER = """
import json, sys, time
from interviewbot.transcripts import TranscriptStore
for line in sys.stdin:
    url, start_at = json.loads(line)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        TranscriptStore(url).engine.dispose()
        print(json.dumps("ok"), flush=True)
    except BaseException as exc:
        print(json.dumps(f"{type(exc).__name__}: {exc}"), flush=True)
"""


class Racers:
    """WORKERS interpreters that open a store together whenever they are given a URL."""

    def __init__(self):
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]

    def race(self, url: str) -> list[str]:
        start_at = time.time() + 0.3  # every worker has read its line by then
        for p in self.procs:
            p.stdin.write(json.dumps([url, start_at]) + "\n")
            p.stdin.flush()
        return [json.loads(p.stdout.readline() or '"worker died"') for p in self.procs]

    def close(self):
        for p in self.procs:
            p.stdin.close()
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def racers():
    pool = Racers()
    yield pool
    pool.close()


def _run_trials(racers, new_url, drop=lambda url: None) -> None:
    failures = []
    for trial in range(TRIALS):
        url = new_url(trial)
        outcomes = racers.race(url)
        failures += [f"trial {trial}: {o}" for o in outcomes if o != "ok"]
        store = TranscriptStore(url)
        with store.engine.connect() as conn:  # each migration applied exactly once
            assert conn.scalar(sa.text("select count(*) from schema_migrations")) == len(MIGRATIONS)
        store.engine.dispose()
        drop(url)
    assert failures == [], f"{len(failures)} of {WORKERS * TRIALS} starts failed:\n" + "\n".join(
        failures[:10]
    )


def test_migration_race_sqlite_8_processes_20_trials(racers, tmp_path):
    _run_trials(racers, lambda n: f"sqlite:///{tmp_path / f'race{n}.db'}")


def test_migration_race_postgres_8_processes_20_trials(racers, postgres):
    _run_trials(racers, lambda n: postgres.create_database(), postgres.drop_database)
