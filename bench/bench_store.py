"""Transcript store benchmark: what the fault handling costs per interview step and per start.

An interview step is what the engine writes for one answer: start_turn + add_message +
update_turn. It is timed through TranscriptStore (pre-ping on PostgreSQL, BEGIN IMMEDIATE on
SQLite, session id resolved once, typed errors) and, alternating in the same run, as the same
three statements on a bare SQLAlchemy engine with the same SQLite durability settings (baseline). Opening an up-to-date store (the
migration check every process does at start) is timed against a bare engine's first query.
SQLite always; PostgreSQL when the server binaries are installed (a throw-away cluster).
Prints figures and ratios; asserts nothing about time.
Run: .venv/bin/python bench/bench_store.py [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from interviewbot.db_schema import messages, sessions, turns  # noqa: E402
from interviewbot.transcripts import TranscriptStore  # noqa: E402


def store_step(store: TranscriptStore, sid: str, n: int) -> None:
    tid = store.start_turn(
        sid, question_id=f"q{n}", track="ml_theory", topics=["t"], difficulty="easy", prompt="p"
    )
    store.add_message(sid, role="candidate", kind="answer", content=f"answer {n}", turn_id=tid)
    store.update_turn(tid, status="graded", answer=f"answer {n}", score=5.0)


def bare_step(engine: sa.Engine, sid: str, n: int) -> None:
    now = "2026-01-01T00:00:00"
    with engine.begin() as conn:
        tid = conn.execute(
            turns.insert().values(
                session_id=sid, question_id=f"b{n}", track="ml_theory", topics=["t"], difficulty="easy",
                prompt="p", status="asked", hints_used=0, asked_at=now,
            )
        ).inserted_primary_key[0]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            messages.insert().values(
                session_id=sid,
                turn_id=tid,
                role="candidate",
                kind="answer",
                content=f"b {n}",
                meta={},
                created_at=now,
            )
        )
    with engine.begin() as conn:
        conn.execute(
            turns.update().where(turns.c.id == tid).values(status="graded", answer=f"b {n}", score=5.0)
        )


def timed(fn, *args) -> float:
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def measure(name: str, url: str, steps: int) -> None:
    store = TranscriptStore(url)
    bare = sa.create_engine(url)
    if name == "sqlite":  # the same durability settings, so only the store's own work differs
        sa.event.listen(bare, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=NORMAL"))
    sid = store.create_session(config={"tracks": ["ml_theory"]})
    ours, base = [], []
    for n in range(steps):  # alternate, so both see the same machine load
        ours.append(timed(store_step, store, sid[:12], n))
        base.append(timed(bare_step, bare, sid, n))
    opens, firsts = [], []
    for _ in range(20):
        opens.append(timed(lambda: TranscriptStore(url).engine.dispose()))
        firsts.append(timed(lambda: _first_query(url)))
    for label, a, b in (
        ("interview step (3 writes)", ours, base),
        ("open an up-to-date store", opens, firsts),
    ):
        print(
            f"{name:<10} {label:<26} p50 {pct(a, 50):7.2f} ms  p95 {pct(a, 95):7.2f} ms   "
            f"baseline p50 {pct(b, 50):7.2f} ms  p95 {pct(b, 95):7.2f} ms   ratio p50 {pct(a, 50) / pct(b, 50):.2f}x"
        )
    store.engine.dispose()
    bare.dispose()


def _first_query(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.steps)
    from tests.servers import PostgresCluster, _pg_bin_dir, _pg_skip_reason

    reason = _pg_skip_reason()
    if reason:
        print(f"postgres   skipped: {reason}")
        return
    cluster = PostgresCluster(_pg_bin_dir())
    try:
        cluster.init()
        measure("postgres", cluster.create_database(), args.steps)
    finally:
        cluster.close()
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
