"""Time the Streamlit app: `streamlit run` -> healthy server -> first question in headless Chromium.

Each run starts a fresh server over a warm index (built once before timing) and drives Debian's
Chromium with Playwright: open the app, press "Start interview", wait for the first question.
Baseline, measured in the same run: a one-line Streamlit script, to a healthy server and to its
first render in the same browser.
First run: `interviewbot serve` (what `make run` starts) from an empty data dir, to the first
question, beside the same command over the data dir it left (a warm start).
Prints medians of --runs runs and the ratios; never asserts on time (targets: first question < 5 s
with a warm index, < 10 s on a first run).

    python bench/bench_app.py [--runs 3] [--home DIR_WITH_A_BUILT_INDEX]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
TARGET_FIRST_QUESTION_S = 5.0
TARGET_FIRST_RUN_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: Path | None, home: Path, log: Path) -> tuple[subprocess.Popen, str, float]:
    """Start `streamlit run SCRIPT` (None: `interviewbot serve`); returns the process, URL and start time."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    if script is None:
        cmd = [sys.executable, "-m", "interviewbot", "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = os.environ | {
        "INTERVIEWBOT_HOME": str(home),
        "ANONYMIZED_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1",
    }
    started = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc, f"http://127.0.0.1:{port}", started


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"{url} not healthy after {timeout_s} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def time_baseline(browser, tmp: Path, home: Path) -> dict[str, float]:
    """The same path for a one-line script: healthy server, then its text rendered in Chromium."""
    script = tmp / "trivial_app.py"
    script.write_text('import streamlit as st\nst.write("hello from a trivial app")\n')
    proc, url, started = start_server(script, home, tmp / "baseline.log")
    page = browser.new_page()
    try:
        wait_healthy(url, proc)
        healthy = time.perf_counter() - started
        opened = time.perf_counter()
        page.goto(url)
        page.get_by_text("hello from a trivial app").wait_for(timeout=120_000)
        return {"healthy": healthy, "first_render_from_page_open": time.perf_counter() - opened}
    finally:
        page.close()
        stop(proc)


def time_app(browser, tmp: Path, home: Path, script: Path | None = ROOT / "app.py") -> dict[str, float]:
    """Seconds from `streamlit run` (or `interviewbot serve`) to: healthy, setup form, first question."""
    proc, url, started = start_server(script, home, tmp / "app.log")
    page = browser.new_page()
    try:
        wait_healthy(url, proc)
        healthy = time.perf_counter() - started
        opened = time.perf_counter()
        page.goto(url)
        start_button = page.get_by_role("button", name="Start interview")
        start_button.wait_for(timeout=120_000)
        setup = time.perf_counter() - started
        start_button.click()
        page.get_by_test_id("stChatMessage").first.wait_for(timeout=120_000)
        first = time.perf_counter()
        return {
            "healthy": healthy,
            "setup_form": setup,
            "first_question": first - started,
            "first_question_from_page_open": first - opened,
        }
    finally:
        page.close()
        stop(proc)


def build_index(home: Path) -> float:
    """The warm index the runs share (not timed in the figures)."""
    os.environ["INTERVIEWBOT_HOME"] = str(home)
    from interviewbot.config import load_settings
    from interviewbot.index import KnowledgeIndex
    from interviewbot.questions import QuestionBank

    started = time.perf_counter()
    settings = load_settings()
    KnowledgeIndex(settings).ingest(QuestionBank(settings).all_sets())
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--home", type=Path, help="an INTERVIEWBOT_HOME with a built index (copied, not changed)"
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh` as root. Skipping.")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "ibhome"
        if args.home:
            shutil.copytree(args.home, home)
            print(f"warm index: copied from {args.home}")
        else:
            print(f"warm index: built in {build_index(home):.1f} s (once, not timed below)")
        baseline, app = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for run in range(1, args.runs + 1):
                baseline.append(time_baseline(browser, tmp, home))
                app.append(time_app(browser, tmp, home))
                print(f"run {run}: baseline {_fmt(baseline[-1])} | app {_fmt(app[-1])}")
            first_runs = [time_first_run(browser, tmp / f"first-{run}") for run in range(args.runs)]
            browser.close()
    report(baseline, app)
    report_first_run(first_runs)
    return 0


def time_first_run(browser, tmp: Path) -> dict[str, float]:
    """`interviewbot serve` on an empty data dir (cold), then again on the one it left (warm)."""
    tmp.mkdir()
    cold = time_app(browser, tmp, tmp / "ibhome", script=None)
    warm = time_app(browser, tmp, tmp / "ibhome", script=None)
    print(f"first run: cold {_fmt(cold)} | warm {_fmt(warm)}")
    return {"cold": cold["first_question"], "warm": warm["first_question"]}


def report_first_run(runs: list[dict[str, float]]) -> None:
    cold, warm = (statistics.median(r[k] for r in runs) for k in ("cold", "warm"))
    met = "met" if cold < TARGET_FIRST_RUN_S else "NOT met"
    print(f"\nmedian of {len(runs)} runs, seconds (`interviewbot serve`, as `make run` starts it):")
    print(
        f"  {'empty data dir (first run) -> first question rendered':<56}{cold:6.2f}   "
        f"target < {TARGET_FIRST_RUN_S:g} s: {met}"
    )
    print(
        f"  {'same data dir again (warm start) -> first question':<56}{warm:6.2f}   "
        f"first run / warm start {cold / warm:.2f}"
    )


def _fmt(figures: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.2f}s" for k, v in figures.items())


def report(baseline: list[dict[str, float]], app: list[dict[str, float]]) -> None:
    med = {k: statistics.median(r[k] for r in app) for k in app[0]}
    base = {k: statistics.median(r[k] for r in baseline) for k in baseline[0]}
    met = "met" if med["first_question"] < TARGET_FIRST_QUESTION_S else "NOT met"
    rows = [
        ("baseline (one-line script): `streamlit run` -> healthy", base["healthy"], ""),
        ("baseline (one-line script): page open -> first render", base["first_render_from_page_open"], ""),
        (
            "app: `streamlit run` -> healthy",
            med["healthy"],
            f"ratio to baseline {med['healthy'] / base['healthy']:.2f}",
        ),
        ("app: `streamlit run` -> setup form rendered", med["setup_form"], ""),
        (
            "app: `streamlit run` -> first question rendered",
            med["first_question"],
            f"ratio to baseline healthy {med['first_question'] / base['healthy']:.2f}; "
            f"target < {TARGET_FIRST_QUESTION_S:g} s: {met}",
        ),
        (
            "app: page open -> first question rendered",
            med["first_question_from_page_open"],
            f"ratio to baseline first render "
            f"{med['first_question_from_page_open'] / base['first_render_from_page_open']:.2f}",
        ),
    ]
    print(f"\nmedian of {len(app)} runs, seconds (warm index, fresh server each run):")
    for label, value, note in rows:
        print(f"  {label:<56}{value:6.2f}   {note}")


if __name__ == "__main__":
    sys.exit(main())
