"""Time N concurrent browser users on one app: page load and time to feedback, N = 1, 4, 8.

One `interviewbot serve` (what `make run` starts) over a warm index in a temporary data dir;
Debian's Chromium driven by Playwright, one browser context per user. Each user opens the app
(page load: navigation until the setup form is rendered and the script idle), starts a
one-question ML-theory interview and answers with the question's reference answer (time to
feedback: from pressing Enter until the score is rendered). A round's N users open the page
together and press Enter together (barriers), so their work really overlaps. Rounds of every N
are interleaved until each N has --samples answers, so a change in the machine's load hits every
N alike; the ratios are to the smallest N in the same run.

Baseline, in the same run and browser: a minimal Streamlit app (a button, and a chat box that shows
a metric on Enter) through the same steps, i.e. what Streamlit, the browsers and the machine cost
at that N with none of our work. CPU seconds per answer (the server, and the rest: browsers and
this script) show whether our work per user stays flat as N grows. `--compare VAR=VALUE` adds a
second app server started with that environment (e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=true, which
undoes .streamlit/config.toml's setting), interleaved with the first. Never asserts on time.

    python bench/bench_load.py [--quick] [--users 1 4 8] [--samples 16] [--compare VAR=VALUE ...]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
from _common import load_text, pct  # noqa: E402
from bench_app import CHROMIUM, CHROMIUM_ARGS, build_index, start_server, stop, wait_healthy  # noqa: E402

WAIT_MS = 300_000  # generous: 8 users on 2 cores shared with other work
START_RETRY_MS = 15_000  # a start not shown by then (and the page idle) is clicked again
POLL_MS = 25  # how often a page is checked for the awaited state (the figures' resolution)
IDLE_JS = "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
# What an answer produced: the feedback's score, or a follow-up (the chat box asks for one, idle).
OUTCOME_JS = f"""n => {{
    if ([...document.querySelectorAll('[data-testid="stMetricLabel"]')].some(e => e.innerText.includes('Score')))
        return 'feedback';
    const count = document.querySelectorAll('[data-testid="stChatMessage"]').length;
    const box = document.querySelector('[data-testid="stChatInputTextArea"]');
    return count >= n && box?.placeholder.includes('follow-up') && {IDLE_JS} ? 'follow_up' : false;
}}"""
BASELINE_APP = """import streamlit as st

st.title("Mock interview")
st.button("Start interview")
if text := st.chat_input("Your answer..."):
    st.metric("Score", f"{len(text.split())} words")
"""
BASELINE_ANSWER = "Bias is error from wrong assumptions; variance is sensitivity to the training sample. " * 6


@dataclass
class Target:
    """One server under test: the app (with its question bank) or the baseline app (bank None)."""

    label: str
    pid: int
    url: str
    bank: object | None
    rounds: dict[int, list] = field(default_factory=dict)  # N -> [(samples, server CPU, other CPU)]
    failed: str = ""  # why its rounds stopped


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds so far of the server's process tree, and of the rest of ours (browsers, us)."""
    table, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # utime, stime and the reaped children's: fields 14-17 of proc(5)
        table[int(stat.parent.name)] = (int(fields[1]), sum(map(int, fields[11:15])) / tick)

    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(root: int) -> float:
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += table.get(pid, (0, 0.0))[1]
            todo += children.get(pid, [])
        return total

    server = tree(server_pid)
    return server, tree(os.getpid()) - server  # the other servers idle meanwhile


async def wait_idle(page) -> None:
    await page.wait_for_function(f"() => {IDLE_JS}", polling=POLL_MS, timeout=WAIT_MS)


async def open_app(page, url: str) -> float:
    """Seconds from navigation to the setup form rendered with the script idle."""
    started = time.perf_counter()
    await page.goto(url, timeout=WAIT_MS)
    await page.get_by_role("button", name="Start interview").wait_for()
    await wait_idle(page)
    return time.perf_counter() - started


async def start_one_question(page) -> str:
    """ML theory is the default track: one question, start, return the question id."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    slider = page.get_by_role("slider")
    await slider.focus()
    await slider.press("Home")
    await page.get_by_test_id("stSliderThumbValue").filter(has_text=re.compile(r"^1$")).wait_for()
    started = page.get_by_text("Question 1/1")
    for _ in range(WAIT_MS // START_RETRY_MS):
        # A click that lands while the slider's rerun is starting can be lost: click again then.
        await wait_idle(page)
        if await started.count():
            break
        await page.get_by_role("button", name="Start interview").click()
        try:
            await started.wait_for(timeout=START_RETRY_MS)
            break
        except PlaywrightTimeout:
            continue
    await wait_idle(page)
    text = await page.get_by_text("Question id:").inner_text()
    return re.search(r"Question id:\s*([a-z0-9-]+)", text).group(1)


async def send(page, text: str) -> tuple[str, float]:
    """Press Enter on `text`: ('feedback' or 'follow_up', seconds until it was rendered)."""
    before = await page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    await box.fill(text)
    started = time.perf_counter()
    await box.press("Enter")
    got = await page.wait_for_function(OUTCOME_JS, arg=before + 2, polling=POLL_MS, timeout=WAIT_MS)
    return await got.json_value(), time.perf_counter() - started


async def one_user(browser, target: Target, gates: list[asyncio.Barrier], meter: dict):
    """A user's visit: (page load, time to feedback, follow-ups answered first)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    try:
        await gates[0].wait()
        page_load = await open_app(page, target.url)
        question = target.bank.get(await start_one_question(page)) if target.bank else None
        await gates[1].wait()
        if "start" not in meter:  # the first user past the gate reads it
            meter["start"] = cpu_seconds(target.pid)
        outcome, seconds = await send(page, question.reference_answer if question else BASELINE_ANSWER)
        follow_ups = 0
        while outcome == "follow_up" and follow_ups < 3:  # time to feedback is then the last wait
            follow_ups += 1
            outcome, seconds = await send(page, ". ".join(kp.text for kp in question.key_points))
        if outcome != "feedback":
            raise RuntimeError(f"no feedback for {question.id} after {follow_ups} follow-ups")
        await wait_idle(page)
        return page_load, seconds, follow_ups
    except Exception:
        if shots := os.environ.get("BENCH_LOAD_SHOTS"):  # a directory for the failing page's picture
            await page.screenshot(path=f"{shots}/failed-{target.label}-{id(page)}.png", full_page=True)
        raise
    finally:
        await context.close()


async def one_round(browser, target: Target, n: int) -> tuple[list, float, float]:
    """N users at once: their samples, and CPU seconds per answer (server, the rest)."""
    gates, meter = [asyncio.Barrier(n), asyncio.Barrier(n)], {}
    samples = await asyncio.gather(*(one_user(browser, target, gates, meter) for _ in range(n)))
    end = cpu_seconds(target.pid)
    return samples, (end[0] - meter["start"][0]) / n, (end[1] - meter["start"][1]) / n


async def run_all(targets: list[Target], user_counts: list[int], samples: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for target in targets:  # first loads (imports, index, model): not counted
            (load, fb, _), *_ = (await one_round(browser, target, 1))[0]
            print(f"{target.label} warm-up: page load {load:.2f} s, feedback {fb:.2f} s", flush=True)
        rounds = max(math.ceil(samples / n) for n in user_counts)
        for i in range(rounds):
            for n in (n for n in user_counts if i < math.ceil(samples / n)):
                for target in (t for t in targets if not t.failed):
                    try:
                        got = await one_round(browser, target, n)
                    except Exception as exc:  # e.g. a timeout: report it, keep measuring the others
                        target.failed = f"N={n}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                        print(f"{target.label} {target.failed} (no more rounds for it)", flush=True)
                        continue
                    target.rounds.setdefault(n, []).append(got)
                    print(
                        f"{target.label} N={n}: feedback {' '.join(f'{s[1]:.2f}' for s in got[0])} s | "
                        f"page load {' '.join(f'{s[0]:.2f}' for s in got[0])} s | {load_text()}",
                        flush=True,
                    )
        await browser.close()


def figures(rounds: list) -> dict[str, float]:
    samples = [s for r in rounds for s in r[0]]
    return {
        "n": len(samples),
        "fb50": pct([s[1] for s in samples], 50),
        "fb95": pct([s[1] for s in samples], 95),
        "pl50": pct([s[0] for s in samples], 50),
        "pl95": pct([s[0] for s in samples], 95),
        "cpu_server": sum(r[1] * len(r[0]) for r in rounds) / len(samples),
        "cpu_other": sum(r[2] * len(r[0]) for r in rounds) / len(samples),
        "follow_ups": sum(s[2] for s in samples),
    }


def report(targets: list[Target]) -> None:
    print(f"\nseconds; ratio = figure / the same figure at the smallest N in this run; {load_text()}")
    print(
        f"{'':>12}{'N':>3}{'n':>4} | {'feedback p50':>12}{'p95':>7}{'ratio p50/p95':>15} | "
        f"{'page load p50':>13}{'p95':>7}{'ratio p50/p95':>15} | CPU s per answer: server, browsers"
    )
    for target in targets:
        if target.failed:
            print(f"{target.label:>12} failed at {target.failed}")
        table = {n: figures(rounds) for n, rounds in sorted(target.rounds.items())}
        if not table:
            continue
        base = table[min(table)]
        for n, f in table.items():
            print(
                f"{target.label:>12}{n:>3}{f['n']:>4} | {f['fb50']:>12.2f}{f['fb95']:>7.2f}"
                f"{f['fb50'] / base['fb50']:>9.2f}/{f['fb95'] / base['fb95']:<5.2f} | "
                f"{f['pl50']:>13.2f}{f['pl95']:>7.2f}{f['pl50'] / base['pl50']:>9.2f}/"
                f"{f['pl95'] / base['pl95']:<5.2f} | {f['cpu_server']:>6.2f}, {f['cpu_other']:.2f}"
            )
        if target.bank and (follow := sum(f["follow_ups"] for f in table.values())):
            print(f"{'':>12}({follow} answers drew a follow-up, answered before the feedback)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--samples", type=int, default=16, help="answers per N (rounds repeat)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: N = 1, 2; 2 answers each")
    parser.add_argument("--compare", nargs="+", default=[], metavar="VAR=VALUE", help="a 2nd app's env")
    parser.add_argument("--no-baseline", action="store_true", help="skip the minimal Streamlit app")
    parser.add_argument("--home", type=Path, help="an INTERVIEWBOT_HOME with a built index (copied)")
    args = parser.parse_args()
    users, samples = ([1, 2], 2) if args.quick else (sorted(set(args.users)), args.samples)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `bash scripts/ensure_chromium.sh` as root. Skipping.")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp, procs, targets = Path(tmp_name), [], []
        home = tmp / "ibhome"
        os.environ["INTERVIEWBOT_HOME"] = str(home)
        if args.home:
            shutil.copytree(args.home, home)
        else:
            print(f"warm index: built in {build_index(home):.1f} s (once, not timed)")
        from interviewbot.config import load_settings
        from interviewbot.questions import QuestionBank

        bank = QuestionBank(load_settings())
        (tmp / "baseline_app.py").write_text(BASELINE_APP)
        servers = [("app", None, {}, bank)]
        if args.compare:
            servers.append(("app+env", None, dict(v.split("=", 1) for v in args.compare), bank))
        if not args.no_baseline:
            servers.append(("baseline", tmp / "baseline_app.py", {}, None))
        try:
            for label, script, env, questions in servers:
                proc, url, _ = start_server(script, home, tmp / f"{label}.log", env)
                procs.append(proc)
                wait_healthy(url, proc)
                targets.append(Target(label, proc.pid, url, questions))
                print(f"{label}: pid {proc.pid} at {url} {env or ''}")
            print(load_text(), flush=True)
            asyncio.run(run_all(targets, users, samples))
        finally:
            for proc in procs:
                stop(proc)
    report(targets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
