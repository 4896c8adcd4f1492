"""Judge benchmark: latency of the local sandboxed judge against the cost of a bare interpreter start,
and throughput over the built-in coding bank (sequential and with a 2-thread pool).

The judge's fork server starts on the first judging (a warm-up round); after that a judging forks
an initialised sandbox process instead of starting an interpreter, which is how it can come in
near the bare-interpreter floor.

Every figure is measured in this run; the floor (a bare `python -c pass`) is sampled interleaved
with the judge runs so both see the same machine load. Prints figures and ratios; asserts nothing
about time. Run: .venv/bin/python bench/bench_judge.py [--runs 40] [--passes 2] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_P50_MS = 150.0
TARGET_FLOOR_RATIO = 3.0  # judge p50 over `python -I -S -c pass` p50, both measured in this run
TRIVIAL_CODE = "def add(a, b):\n    return a + b\n"


def pct(values, q: float) -> float:
    return float(np.percentile(values, q))


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def trivial_question():
    from interviewbot.questions import Question

    cases = [(1, 2), (0, 0), (-5, 5), (10**12, 1), (2.5, 0.25), (-7, -8)]
    return Question(
        id="bench-add",
        track="coding",
        prompt="Return the sum of a and b.",
        entry_point="add",
        tests=[
            {"args": [a, b], "expected": a + b, "hidden": i >= 3, "name": f"case {i}"}
            for i, (a, b) in enumerate(cases)
        ],
    )


def _spawn(argv: list[str]) -> None:
    subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )


FLOORS = {
    "python -I -S -c pass": [sys.executable, "-I", "-S", "-c", "pass"],
    "python -I -c pass (with site)": [sys.executable, "-I", "-c", "pass"],
    # What a sandbox process would import if it were started afresh (the fork server pays it once):
    # attribution only, not a floor.
    "python -I -S -B + sandbox imports": [
        sys.executable,
        "-I",
        "-S",
        "-B",
        "-c",
        "import _signal, ctypes, marshal, math, os, resource, sys, _json",
    ],
}


def bench_cold_start(judge, runs: int = 3):
    """The first judging in a process also starts the fork server (and its NumPy import)."""
    from interviewbot.judge import launcher

    cold = []
    for _ in range(runs):
        launcher.SERVER._shut_down()
        t = time.perf_counter()
        verdict = judge.run(trivial_question(), TRIVIAL_CODE)
        cold.append((time.perf_counter() - t) * 1e3)
    print(
        f"\nfirst judging in a process (starts the fork server, which imports NumPy once): "
        f"median {statistics.median(cold):.0f} ms of {runs}"
    )
    return verdict


def bench_latency(judge, runs: int) -> dict[str, list[float]]:
    """Judge the trivial question `runs` times, interleaved with the floor process starts."""
    question = trivial_question()
    jobs = {"judge": lambda: judge.run(question, TRIVIAL_CODE)}
    jobs |= {name: (lambda argv=argv: _spawn(argv)) for name, argv in FLOORS.items()}
    names = list(jobs)
    times: dict[str, list[float]] = {name: [] for name in names}
    internal: list[float] = []
    rejected = 0
    for i in range(3 + runs):  # 3 warm-up rounds (page cache, first mkdtemp, pyc of the parent)
        order = names[i % len(names) :] + names[: i % len(names)]  # rotate so no job always runs first
        for name in order:
            t = time.perf_counter()
            result = jobs[name]()
            elapsed = (time.perf_counter() - t) * 1e3
            if i < 3:
                continue
            times[name].append(elapsed)
            if name == "judge":
                internal.append(result.wall_ms)
                rejected += not result.accepted
    if rejected:
        print(f"  WARNING: {rejected} of {runs} runs of the trivial solution were not accepted")
    times["judge (verdict.wall_ms)"] = internal
    return times


def print_latency(times: dict[str, list[float]], runs: int, isolation: str) -> None:
    judge = times["judge"]
    print(
        f"\nlatency of judging an accepted trivial solution (add(a, b), 6 tests, 3 hidden), "
        f"{runs} runs, isolation: {isolation}"
    )
    width = max(len(n) for n in times) + 2
    for name, values in times.items():
        label = "LocalJudge.run (end to end)" if name == "judge" else name
        print(
            f"  {label:<{max(width, 32)}} p50 {pct(values, 50):7.1f} ms   p95 {pct(values, 95):7.1f} ms   "
            f"min {min(values):6.1f} ms"
        )
    floor_s = times["python -I -S -c pass"]
    floor_site = times["python -I -c pass (with site)"]
    print(
        f"  ratio judge p50 / floor p50: {pct(judge, 50) / pct(floor_s, 50):.2f}x vs `-I -S -c pass`, "
        f"{pct(judge, 50) / pct(floor_site, 50):.2f}x vs `-I -c pass`"
    )
    print(f"  judge overhead above the -I -S floor: p50 {pct(judge, 50) - pct(floor_s, 50):.1f} ms")
    p50 = pct(judge, 50)
    verdict = "met" if p50 < TARGET_P50_MS else "NOT met"
    print(f"  target p50 < {TARGET_P50_MS:.0f} ms: {verdict} (p50 {p50:.1f} ms)")
    ratio = p50 / pct(floor_s, 50)
    verdict = "met" if ratio < TARGET_FLOOR_RATIO else "NOT met"
    print(f"  target p50 < {TARGET_FLOOR_RATIO:g}x the bare-interpreter floor: {verdict} ({ratio:.2f}x)")


class _Phases:
    """Time stamps around the judge's private steps (wrappers installed for the breakdown only)."""

    def __init__(self):
        self.events: list[tuple[str, float]] = []
        self.saved: list[tuple[object, str, object]] = []

    def mark(self, name: str) -> None:
        self.events.append((name, time.perf_counter()))

    def wrap(self, owner, attr: str, before: str | None, after: str | None) -> None:
        original = getattr(owner, attr)
        self.saved.append((owner, attr, original))
        phases = self

        def wrapper(*args, **kwargs):
            if before:
                phases.mark(before)
            try:
                return original(*args, **kwargs)
            finally:
                if after:
                    phases.mark(after)

        setattr(owner, attr, wrapper)

    def restore(self) -> None:
        for owner, attr, original in reversed(self.saved):
            setattr(owner, attr, original)
        self.saved.clear()


def bench_breakdown(judge, runs: int, where: str = "") -> None:
    """Where the time of one judge run goes (median over `runs` separate runs)."""
    from interviewbot.judge import channel, launcher, local

    phases = _Phases()
    try:
        phases.wrap(local.LocalJudge, "run", "start", "end")
        phases.wrap(local._Judging, "_finish", None, "verdict")
        phases.wrap(launcher.SandboxRun, "__init__", "spawn0", "spawn1")
        phases.wrap(channel.Channel, "receive", None, "read")
        phases.wrap(launcher.SandboxRun, "kill", "kill0", "kill1")
        phases.wrap(launcher, "_kill_uid", "uid0", "uid1")
    except AttributeError as exc:
        phases.restore()
        print(f"\nphase breakdown unavailable (the judge's internals changed: {exc})")
        return
    question = trivial_question()
    rows: dict[str, list[float]] = {}
    try:
        judge.run(question, TRIVIAL_CODE)
        for _ in range(runs):
            phases.events.clear()
            judge.run(question, TRIVIAL_CODE)
            ev = phases.events
            first = {}
            for name, t in ev:
                first.setdefault(name, t)
            reads = [t for name, t in ev if name == "read"]
            kill_uid = sum(t1 - t0 for (n0, t0), (n1, t1) in zip(ev, ev[1:]) if n0 == "uid0" and n1 == "uid1")
            if len(reads) < 2:
                continue
            steps = {
                "setup (mkdtemp, chown, job)": first["spawn0"] - first["start"],
                "fork-server request + reader threads": first["spawn1"] - first["spawn0"],
                "payload -> hello (fork, isolate, limits)": reads[0] - first["spawn1"],
                "load the code": reads[1] - reads[0],
                f"{len(reads) - 2} test round trips": reads[-1] - reads[1],
                "kill + reap": first["kill1"] - first["kill0"],
                "tails, verdict": first["verdict"] - first["kill1"],
                "_kill_uid (fork as root, clean-up thread)": kill_uid,
                "rmtree(workdir) + rest": first["end"] - first["verdict"] - kill_uid,
            }
            for k, v in steps.items():
                rows.setdefault(k, []).append(v * 1e3)
    finally:
        phases.restore()
    if not rows:
        print("\nphase breakdown: no complete run recorded")
        return
    total = sum(statistics.median(v) for v in rows.values())
    print(f"\nphase breakdown of one judge run{where} (median of {runs} runs, sum of medians {total:.1f} ms)")
    for k, v in rows.items():
        med = statistics.median(v)
        print(f"  {k:<42} {med:7.1f} ms  {100 * med / total:5.1f}%")


def bench_bank(judge, passes: int, quick: bool) -> None:
    from interviewbot.config import load_settings
    from interviewbot.questions import QuestionBank

    questions = [q for q in QuestionBank(load_settings()).questions("coding") if q.reference_solution]
    if quick:
        questions = questions[::2]
    label = "every other coding question" if quick else "every coding question"
    tests = sum(len(q.tests) + (1 if q.check else 0) for q in questions)
    print(
        f"\nthroughput: reference solutions of {label} in the built-in bank "
        f"({len(questions)} questions, {tests} tests), {passes} pass(es) per mode"
    )
    per_question: dict[str, list[float]] = {}  # sequential runs only: no other judging at the same time

    def one(q, record=False):
        t = time.perf_counter()
        v = judge.run(q, q.reference_solution)
        if record:
            per_question.setdefault(q.id, []).append((time.perf_counter() - t) * 1e3)
        return v

    rates = {}
    for mode, workers in (("sequential", 1), ("2-thread pool", 2)):
        elapsed, n_tests, bad = 0.0, 0, []
        for _ in range(passes):
            t = time.perf_counter()
            if workers == 1:
                verdicts = [one(q, record=True) for q in questions]
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    verdicts = list(pool.map(one, questions))
            elapsed += time.perf_counter() - t
            n_tests += sum(v.total for v in verdicts)
            bad += [f"{q.id}: {v.verdict}" for q, v in zip(questions, verdicts) if not v.accepted]
        qps, tps = passes * len(questions) / elapsed, n_tests / elapsed
        rates[mode] = qps
        print(
            f"  {mode:<14} {qps:6.2f} questions/s   {tps:7.1f} tests/s   "
            f"({elapsed:.1f} s for {passes * len(questions)} judgings)"
        )
        if bad:
            print(f"    not accepted ({len(bad)}): {', '.join(sorted(set(bad))[:6])}")
    print(f"  ratio 2-thread pool / sequential: {rates['2-thread pool'] / rates['sequential']:.2f}x")
    uses_numpy = {q.id: "numpy" in (q.reference_solution or "") for q in questions}
    for flag, name in ((False, "pure-Python solutions"), (True, "NumPy solutions")):
        vals = [statistics.median(v) for k, v in per_question.items() if uses_numpy[k] == flag]
        if vals:
            print(
                f"  per-question latency (sequential), {name} ({len(vals)}): median {statistics.median(vals):.1f} ms, "
                f"max {max(vals):.1f} ms"
            )
    slowest = sorted(per_question.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    print("  slowest: " + ", ".join(f"{k} {statistics.median(v):.0f} ms" for k, v in slowest))


def bench_app_parent(judge, runs: int) -> None:
    """The same latency with the embedder loaded in this process, as in the app (Streamlit process).

    Sandboxed processes (and the root-only uid sweep) are forked by the small fork server, not by
    this process, so the parent's memory should not matter; this checks that, again next to the
    bare `-I -S` floor."""
    import resource

    from interviewbot.embeddings import get_embedder

    get_embedder().embed(["warm the embedder up", "so the process looks like the running app"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    question = trivial_question()
    judge_ms, floor_ms = [], []
    for i in range(2 + runs):
        for name in ("judge", "floor") if i % 2 == 0 else ("floor", "judge"):
            t = time.perf_counter()
            if name == "judge":
                judge.run(question, TRIVIAL_CODE)
            else:
                _spawn(FLOORS["python -I -S -c pass"])
            if i >= 2:
                (judge_ms if name == "judge" else floor_ms).append((time.perf_counter() - t) * 1e3)
    print(
        f"\nsame trivial judging in an app-like parent (embedder loaded, max RSS {rss:.0f} MB), {runs} runs"
    )
    print(
        f"  LocalJudge.run p50 {pct(judge_ms, 50):.1f} ms, p95 {pct(judge_ms, 95):.1f} ms; "
        f"python -I -S -c pass p50 {pct(floor_ms, 50):.1f} ms; ratio {pct(judge_ms, 50) / pct(floor_ms, 50):.2f}x"
    )
    bench_breakdown(judge, max(6, runs // 2), " in the app-like parent")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="timed judge runs for the latency (default 40)"
    )
    parser.add_argument(
        "--passes", type=int, default=None, help="passes over the coding bank per mode (default 2)"
    )
    parser.add_argument(
        "--breakdown-runs", type=int, default=None, help="runs for the phase breakdown (default 20)"
    )
    parser.add_argument(
        "--no-app-parent",
        action="store_true",
        help="skip re-measuring with the embedder loaded in this process",
    )
    parser.add_argument("--quick", action="store_true", help="~20 s: 12 runs, half the bank, 1 pass")
    args = parser.parse_args()
    runs = args.runs or (12 if args.quick else 40)
    passes = args.passes or (1 if args.quick else 2)
    breakdown_runs = args.breakdown_runs or (6 if args.quick else 20)

    # Only the built-in sets: a user's own sets in ~/.interviewbot must not change the figures.
    home = tempfile.mkdtemp(prefix="ibbench-home-")
    os.environ["INTERVIEWBOT_HOME"] = home
    try:
        run(args, runs, passes, breakdown_runs)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run(args, runs: int, passes: int, breakdown_runs: int) -> None:
    from interviewbot.judge.local import LocalJudge

    judge = LocalJudge()
    started = time.perf_counter()
    print(
        f"interviewbot judge benchmark ({'quick' if args.quick else 'full'} run), "
        f"Python {sys.version.split()[0]}, euid {os.geteuid()}; at start: {load_text()}"
    )
    probe = bench_cold_start(judge)
    times = bench_latency(judge, runs)
    print_latency(times, runs, probe.isolation)
    bench_breakdown(judge, breakdown_runs)
    bench_bank(judge, passes, args.quick)
    if not args.no_app_parent:
        bench_app_parent(judge, max(6, runs // 2))
    print(f"\ndone in {time.perf_counter() - started:.1f} s; at end: {load_text()}")


if __name__ == "__main__":
    main()
