"""The coding round in a real browser: the Ace editor's keys, readable verdicts, drafts that survive
a refresh, double sends, and no request leaving 127.0.0.1 (headless Debian Chromium, Playwright).

Sessions are started through the engine on the app's own database and opened by URL (as after a
refresh), so each test knows its question.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest

from interviewbot.config import load_settings
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.services import Services
from interviewbot.transcripts import TranscriptStore
from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, Shots, _wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "alg-two-sum"  # visible tests: ([2, 7, 11, 15], 9) -> [0, 1]; ([1, 2, 3], 7) -> []; ...
LOCAL_SCHEMES = ("data", "blob", "about", "chrome-extension")


@pytest.fixture
def browser_context():
    """A Chromium context that records every request and websocket, and blocks any off-host one."""
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is missing: run `bash scripts/ensure_chromium.sh` as root "
            "(Debian packages chromium and chromium-driver) or `make test`"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=WAIT_MS)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.requested = []

        def record(route):
            context.requested.append(route.request.url)
            if _off_host(route.request.url):
                return route.abort()  # nothing leaves the machine even if the page tried
            return route.continue_()

        context.route("**/*", record)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def page(browser_context):
    pg = browser_context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.on("websocket", lambda ws: browser_context.requested.append(ws.url))
    return pg


def _off_host(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme not in LOCAL_SCHEMES and parsed.hostname != "127.0.0.1"


def _open_session(app_url: str, page, tracks: list[str], question: str) -> InterviewSession:
    """Start a one-question session on the app's database through the engine and open it by URL."""
    services = Services.build(load_settings())
    config = InterviewConfig(tracks=tracks, question_ids=[question], num_questions=1, seed=1)
    session = InterviewSession.start(services, config)
    page.goto(f"{app_url}/?session={session.id}")
    page.get_by_text(f"Question id: {question}").wait_for()
    _wait_idle(page)
    return session


def _stored(session_id: str) -> dict:
    return TranscriptStore.from_settings(load_settings()).get_session(session_id)


def _kinds(session_id: str, kind: str) -> list[dict]:
    return [m for m in _stored(session_id)["messages"] if m["kind"] == kind]


# --- the editor ----------------------------------------------------------------------------------


class Editor:
    """The Ace editor inside the component's iframe."""

    def __init__(self, page):
        self.page = page
        self.frame = page.frame_locator("iframe[title*='code_editor']")
        self.ace = self.frame.locator(".ace_editor")

    def focus(self) -> None:
        self.ace.wait_for()
        self.frame.locator(".ace_content").click()

    def value(self) -> str:
        return self.ace.evaluate("el => el.env.editor.getValue()")

    def replace(self, lines: list[str]) -> None:
        """Type the code line by line as a user would: Enter auto-indents, so indents are not typed."""
        self.focus()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        for n, line in enumerate(lines):
            if n:
                self.page.keyboard.press("Enter")
            self.page.keyboard.type(line)

    def focused_inside(self) -> bool:
        return self.ace.evaluate("el => el.contains(el.ownerDocument.activeElement)")


def _run_with_ctrl_enter(page, editor: Editor, headline: str) -> None:
    editor.focus()
    page.keyboard.press("Control+Enter")
    page.get_by_text("Visible tests only").wait_for()
    page.get_by_text(re.compile(rf"^{headline}: \d+/\d+ tests passed")).first.wait_for()
    _wait_idle(page)


def test_browser_editor_keys_verdicts_drafts_and_no_offhost_request(page, app_url, browser_context, tmp_path):
    shot = Shots(page, tmp_path)
    session = _open_session(app_url, page, ["coding"], QUESTION)
    editor = Editor(page)
    editor.ace.wait_for()
    assert editor.frame.locator(".ace_gutter-cell").first.inner_text() == "1"  # line numbers
    assert editor.frame.locator(".ace_keyword").count() > 0  # Python highlighting

    # Enter auto-indents after a colon; Tab indents and stays in the editor; Shift+Tab outdents
    editor.replace(["def two_sum(nums, target):", "print('checking', nums)", "return [0, 2]"])
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert editor.focused_inside()
    assert editor.value().splitlines()[2] == "        return [0, 2]"
    page.keyboard.press("Shift+Tab")
    assert editor.value() == "def two_sum(nums, target):\n    print('checking', nums)\n    return [0, 2]"

    # a wrong answer: the compact case with its first difference, and what the code printed
    _run_with_ctrl_enter(page, editor, "Wrong answer")
    page.get_by_text("two_sum([2, 7, 11, 15], 9) -> expected [0, 1] / got [0, 2]").wait_for()
    page.get_by_text("first difference at [1]: expected 1, got 2").wait_for()
    page.get_by_text("It printed:").first.wait_for()
    page.get_by_text("checking [2, 7, 11, 15]").first.wait_for()
    shot("wrong-answer-with-print")

    # a syntax error: its line, and a caret under the column
    editor.replace(["def two_sum(nums, target)", "return []"])
    _run_with_ctrl_enter(page, editor, "Syntax error")
    error_block = page.get_by_test_id("stCode").filter(has_text='File "solution.py", line 1')
    lines = error_block.inner_text().splitlines()
    assert "    def two_sum(nums, target)" in lines and any(line.strip() == "^" for line in lines)
    shot("syntax-error")

    # unsubmitted code survives a refresh: the editor reports edits, the turn keeps them
    editor.replace(["def two_sum(nums, target):", "return []  # half-done, never run"])
    deadline = time.monotonic() + WAIT_MS / 1000
    while "never run" not in (_stored(session.id)["turns"][0]["code"] or ""):
        assert time.monotonic() < deadline, "the edit was never saved"
        page.wait_for_timeout(200)
    page.reload()
    Editor(page).ace.wait_for()
    assert Editor(page).value() == "def two_sum(nums, target):\n    return []  # half-done, never run"
    assert not _kinds(session.id, "code")  # nothing was submitted
    shot("draft-after-refresh")

    requested = browser_context.requested
    assert any("/component/" in url for url in requested)  # the editor's own files were loaded...
    assert [url for url in requested if _off_host(url)] == []  # ...and nothing came from elsewhere


def _send_twice(page, session_id: str, answer: str) -> None:
    """Send the same answer twice, 100 ms apart, then check one answer and one reply were stored."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(answer)
    box.press("Enter")
    page.wait_for_timeout(100)
    box.fill(answer)  # the same answer again while the first is being processed
    box.press("Enter")
    page.get_by_test_id("stChatMessage").nth(2).wait_for()
    _wait_idle(page)
    page.wait_for_timeout(1500)  # a duplicate, had it been taken, would be stored by now
    _wait_idle(page)
    stored = _stored(session_id)
    assert [m["content"] for m in _kinds(session_id, "answer")] == [answer]
    assert len(_kinds(session_id, "follow_up") + _kinds(session_id, "feedback")) == 1
    assert page.get_by_test_id("stChatMessage").count() == len(stored["messages"])  # the page is current


def test_browser_double_send_stores_one_answer_and_one_reply(page, app_url, browser_context, tmp_path):
    session = _open_session(app_url, page, ["ml_theory"], "mlt-bias-variance")
    _send_twice(page, session.id, "Bias is error from wrong assumptions.")  # misses points: a follow-up
    Shots(page, tmp_path)("double-send")
    assert [url for url in browser_context.requested if _off_host(url)] == []


def test_browser_double_send_while_the_llm_streams_its_follow_up(page, llm_app_url, fake_openai):
    """The second send stops the first script run while the model's follow-up is on its way: the
    engine step still completes (streaming stops, the follow-up is stored) and the page shows it."""
    from tests.fake_openai import Delay
    from tests.test_llm_interview import responder

    fake_openai.enqueue(Delay(2.0, responder), *[responder] * 6)
    session = _open_session(llm_app_url, page, ["ml_theory"], "mlt-bias-variance")
    _send_twice(page, session.id, "Bias is error from wrong assumptions.")
    [follow_up] = _kinds(session.id, "follow_up")
    assert follow_up["content"] == "What would you change in training to reduce it?"  # the model's
    page.get_by_text(follow_up["content"]).wait_for()


def test_browser_double_submit_judges_once(page, app_url, tmp_path):
    session = _open_session(app_url, page, ["coding"], QUESTION)
    editor = Editor(page)
    editor.replace(["def two_sum(nums, target):", "return [0, 2]"])
    submit = page.get_by_role("button", name="Submit")  # clicked at once: the editor reports on blur
    submit.click()
    page.wait_for_timeout(100)
    submit.click(timeout=5_000, no_wait_after=True)  # the second click, while the first is judged
    page.get_by_text(re.compile(r"not accepted yet|tries? left", re.I)).first.wait_for()
    _wait_idle(page)
    page.wait_for_timeout(1500)
    _wait_idle(page)
    [code] = _kinds(session.id, "code")
    assert code["content"] == "def two_sum(nums, target):\n    return [0, 2]"  # the typed code, not older
    assert len(_kinds(session.id, "verdict")) == 1
    assert _stored(session.id)["turns"][0]["verdict"]["submissions"] == 1
