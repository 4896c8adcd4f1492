"""Time N concurrent browser users on one app: page load and time to feedback, N = 1, 4, 8.

One `interviewbot serve` (what `make run` starts) over a warm index in a temporary data dir;
Debian's Chromium driven by Playwright, one browser context per user. Each user opens the app
(page load: navigation to the setup form rendered and the script idle), starts a one-question
ML-theory interview and answers it with the question's reference answer (time to feedback:
from pressing Enter to the feedback's score rendered). The N users of a round open the page
together and press Enter together (barriers), so their work really overlaps.

Baseline, in the same run and the same browser: N users of a minimal Streamlit app (a button and
a chat box that shows a metric on Enter) through the same steps: what Streamlit, the browsers and
the machine cost at that N with no work of ours. The server's CPU seconds per answer show whether
our work per user stays constant as N grows (nothing repeated, nothing spinning).
Rounds are repeated (N interleaved) until each N has --samples answers; figures are p50/p95 per
N and the ratio to the smallest N. The browsers share the cores with the server. Never asserts
on time. `STREAMLIT_RUNNER_POST_SCRIPT_GC=true` in the environment restores Streamlit's
collection after every script run, which .streamlit/config.toml turns off (to compare).

    python bench/bench_load.py [--users 1 4 8] [--samples 8] [--home DIR_WITH_A_BUILT_INDEX]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
from _common import load_text, pct  # noqa: E402
from bench_app import CHROMIUM, CHROMIUM_ARGS, build_index, start_server, stop, wait_healthy  # noqa: E402

WAIT_MS = 300_000  # generous: 8 users on 2 cores shared with other work
POLL_MS = 25  # how often a page is checked for the awaited state (the figures' resolution)
IDLE_JS = "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
# What an answer produced: the feedback's score metric, or a follow-up question (the script idle
# with 2 more messages and the chat box back, no score).
OUTCOME_JS = f"""n => {{
    const score = [...document.querySelectorAll('[data-testid="stMetricLabel"]')]
        .some(e => e.innerText.includes('Score'));
    if (score) return 'feedback';
    const count = document.querySelectorAll('[data-testid="stChatMessage"]').length;
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    return count >= n && box && {IDLE_JS} ? 'follow_up' : false;
}}"""
BASELINE_APP = """import streamlit as st

st.title("Mock interview")
st.button("Start interview")
if text := st.chat_input("Your answer..."):
    st.metric("Score", f"{len(text.split())} words")
"""
BASELINE_ANSWER = "Bias is error from wrong assumptions; variance is sensitivity to the training sample. " * 6


@dataclass
class Sample:
    """One user's figures in one round."""

    page_load_s: float
    feedback_s: float
    follow_ups: int = 0


@dataclass
class Round:
    """A round's samples and CPU seconds: the whole visit, and the answers' phase alone."""

    samples: list[Sample]
    visit_server_cpu_s: float
    answer_cpu_s: tuple[float, float]  # server, browser side: from Enter until every feedback was idle
    answer_wall_s: float


class CpuMeter:
    """Server and browser-side CPU seconds and wall time between start() (the first call) and stop()."""

    def __init__(self, server_pid: int):
        self.server_pid, self.began, self.spent, self.wall = server_pid, None, (0.0, 0.0), 0.0

    def _now(self) -> tuple[float, float, float]:
        table = _proc_table()
        server = tree_cpu(table, self.server_pid)
        # the rest of this process's tree: Playwright's driver, Chromium, this script (both servers
        # are children too: only the measured one runs meanwhile, the other idles)
        return server, tree_cpu(table, os.getpid()) - server, time.perf_counter()

    def start(self) -> None:
        if self.began is None:
            self.began = self._now()

    def stop(self) -> None:
        now = self._now()
        self.spent = (now[0] - self.began[0], now[1] - self.began[1])
        self.wall = now[2] - self.began[2]


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds including reaped children), from Linux /proc (empty elsewhere)."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        table[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)
    return table


def tree_cpu(table: dict[int, tuple[int, float]], root: int) -> float:
    """CPU seconds of a process and its descendants (ended ones that were reaped included)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += table.get(pid, (0, 0.0))[1]
        todo += children.get(pid, [])
    return total


@dataclass
class Gates:
    """What lines up a round's users: opening the page together, answering together."""

    open: asyncio.Barrier
    answer: asyncio.Barrier
    meter: CpuMeter

    async def answer_together(self) -> None:
        await self.answer.wait()
        self.meter.start()


async def wait_idle(page) -> None:
    await page.wait_for_function(f"() => {IDLE_JS}", polling=POLL_MS, timeout=WAIT_MS)


async def open_app(page, url: str) -> float:
    """Seconds from navigation to the setup form rendered with the script idle."""
    started = time.perf_counter()
    await page.goto(url, timeout=WAIT_MS)
    await page.get_by_role("button", name="Start interview").wait_for()
    await wait_idle(page)
    return time.perf_counter() - started


async def start_one_question_interview(page) -> str:
    """ML theory is the default track: set one question, start, return the question id."""
    slider = page.get_by_role("slider")
    await slider.focus()
    await slider.press("Home")
    await page.get_by_test_id("stSliderThumbValue").filter(has_text=re.compile(r"^1$")).wait_for()
    await wait_idle(page)
    await page.get_by_role("button", name="Start interview").click()
    await page.get_by_text("Question 1/1").wait_for()
    await wait_idle(page)
    text = await page.get_by_text("Question id:").inner_text()
    return re.search(r"Question id:\s*([a-z0-9-]+)", text).group(1)


async def send_and_wait(page, text: str) -> tuple[str, float]:
    """Press Enter on `text`; ('feedback' | 'follow_up', seconds until it was rendered)."""
    before = await page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    await box.fill(text)
    started = time.perf_counter()
    await box.press("Enter")
    outcome = await page.wait_for_function(OUTCOME_JS, arg=before + 2, polling=POLL_MS, timeout=WAIT_MS)
    return await outcome.json_value(), time.perf_counter() - started


async def interview(page, bank, gates: Gates) -> tuple[float, int]:
    """Start, wait for the others, answer with the reference answer (a follow-up with the rubric)."""
    qid = await start_one_question_interview(page)
    question = bank.get(qid)
    await gates.answer_together()
    outcome, seconds = await send_and_wait(page, question.reference_answer)
    follow_ups = 0
    while outcome == "follow_up" and follow_ups < 3:  # time to feedback is then the last wait
        follow_ups += 1
        outcome, seconds = await send_and_wait(page, ". ".join(kp.text for kp in question.key_points))
    if outcome != "feedback":
        raise RuntimeError(f"no feedback for {qid} after {follow_ups} follow-ups")
    return seconds, follow_ups


async def one_user(browser, url: str, bank, gates: Gates) -> Sample:
    """A user's whole visit (bank None: the baseline app)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    try:
        await gates.open.wait()
        page_load = await open_app(page, url)
        if bank is None:
            await gates.answer_together()
            _, seconds = await send_and_wait(page, BASELINE_ANSWER)
            follow_ups = 0
        else:
            seconds, follow_ups = await interview(page, bank, gates)
        await wait_idle(page)
        return Sample(page_load, seconds, follow_ups)
    except Exception:
        if shots := os.environ.get("BENCH_LOAD_SHOTS"):  # a directory for a failing page's screenshot
            await page.screenshot(path=f"{shots}/failed-{id(page)}.png", full_page=True)
        raise
    finally:
        await context.close()


async def one_round(browser, server, bank, users: int) -> Round:
    """N users at once; barriers line up their page opening and their answers."""
    proc, url = server
    visit, answers = CpuMeter(proc.pid), CpuMeter(proc.pid)
    gates = Gates(asyncio.Barrier(users), asyncio.Barrier(users), answers)
    visit.start()
    samples = await asyncio.gather(*(one_user(browser, url, bank, gates) for _ in range(users)))
    answers.stop()
    visit.stop()
    return Round(list(samples), visit.spent[0], answers.spent, answers.wall)


def _line(label: str, n: int, got: Round) -> str:
    feedback = " ".join(f"{s.feedback_s:.2f}" for s in got.samples)
    loads = " ".join(f"{s.page_load_s:.2f}" for s in got.samples)
    return (
        f"{label} N={n}: feedback {feedback} s | page load {loads} s | server CPU "
        f"{got.visit_server_cpu_s / n:.2f} s/user | {load_text()}"
    )


async def run_all(app, baseline, bank, user_counts: list[int], samples: int) -> dict:
    from playwright.async_api import async_playwright

    results = {kind: {n: [] for n in user_counts} for kind in ("app", "baseline")}
    kinds = (("app", app, bank), ("baseline", baseline, None))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for label, server, questions in kinds:
            warm = (await one_round(browser, server, questions, 1)).samples[0]  # first loads: not counted
            print(f"{label} warm-up: page load {warm.page_load_s:.2f} s, feedback {warm.feedback_s:.2f} s")
        # Interleaved round by round, so a change in the machine's load hits every N alike.
        while any(sum(len(r.samples) for r in results["app"][n]) < samples for n in user_counts):
            for n in user_counts:
                if sum(len(r.samples) for r in results["app"][n]) >= samples:
                    continue
                for label, server, questions in kinds:
                    got = await one_round(browser, server, questions, n)
                    results[label][n].append(got)
                    print(_line(label, n, got), flush=True)
        await browser.close()
    return results


def _figures(rounds: list[Round]) -> dict[str, float]:
    samples = [s for r in rounds for s in r.samples]
    feedback, loads = [s.feedback_s for s in samples], [s.page_load_s for s in samples]
    answer_cpu = [sum(r.answer_cpu_s[i] for r in rounds) / len(samples) for i in (0, 1)]
    return {
        "n": len(samples),
        "fb50": pct(feedback, 50),
        "fb95": pct(feedback, 95),
        "pl50": pct(loads, 50),
        "pl95": pct(loads, 95),
        "visit_cpu": sum(r.visit_server_cpu_s for r in rounds) / len(samples),
        "answer_server_cpu": answer_cpu[0],
        "answer_browser_cpu": answer_cpu[1],
        # cores our work kept busy while the answers were graded (2 at most here)
        "cores": sum(sum(r.answer_cpu_s) for r in rounds) / sum(r.answer_wall_s for r in rounds),
        "follow_ups": sum(s.follow_ups for s in samples),
    }


def report(results: dict) -> None:
    print(f"\nseconds; ratio = figure / the same figure at the smallest N in this run; {load_text()}")
    print(
        f"{'':>9}{'N':>3}{'n':>4} | {'feedback p50':>12}{'p95':>7}{'ratio p50/p95':>15} | "
        f"{'page load p50':>13}{'p95':>7}{'ratio p50/p95':>15} | CPU per answer: server, browsers; "
        "cores busy | server CPU per visit"
    )
    for label, by_n in results.items():
        figures = {n: _figures(rounds) for n, rounds in by_n.items()}
        base = figures[min(figures)]
        for n, f in figures.items():
            print(
                f"{label:>9}{n:>3}{f['n']:>4} | {f['fb50']:>12.2f}{f['fb95']:>7.2f}"
                f"{f['fb50'] / base['fb50']:>9.2f}/{f['fb95'] / base['fb95']:<5.2f} | "
                f"{f['pl50']:>13.2f}{f['pl95']:>7.2f}{f['pl50'] / base['pl50']:>9.2f}/{f['pl95'] / base['pl95']:<5.2f} | "
                f"{f['answer_server_cpu']:>15.2f}, {f['answer_browser_cpu']:.2f}; {f['cores']:.2f} | "
                f"{f['visit_cpu']:.2f}"
            )
    follow = sum(_figures(rounds)["follow_ups"] for rounds in results["app"].values())
    print(f"({follow} app answers drew a follow-up, answered before the feedback)")


def serve_baseline(tmp: Path, home: Path):
    script = tmp / "baseline_app.py"
    script.write_text(BASELINE_APP)
    proc, url, _ = start_server(script, home, tmp / "baseline.log")
    wait_healthy(url, proc)
    return proc, url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--samples", type=int, default=8, help="answers per N (rounds repeat until reached)")
    parser.add_argument("--home", type=Path, help="an INTERVIEWBOT_HOME with a built index (copied)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh` as root. Skipping.")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "ibhome"
        if args.home:
            shutil.copytree(args.home, home)
        else:
            print(f"warm index: built in {build_index(home):.1f} s (once, not timed)")
        os.environ["INTERVIEWBOT_HOME"] = str(home)
        from interviewbot.config import load_settings
        from interviewbot.questions import QuestionBank

        bank = QuestionBank(load_settings())
        proc, url, _ = start_server(None, home, tmp / "app.log")
        baseline = None
        try:
            wait_healthy(url, proc)
            baseline = serve_baseline(tmp, home)
            print(f"server: `interviewbot serve` pid {proc.pid} at {url}; {load_text()}", flush=True)
            results = asyncio.run(run_all((proc, url), baseline, bank, sorted(set(args.users)), args.samples))
        finally:
            stop(proc)
            if baseline:
                stop(baseline[0])
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
