"""Offline in a real browser: a whole interview sends no request beyond 127.0.0.1, and typed text stays text."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from interviewbot.config import load_settings
from interviewbot.questions import QuestionBank
from tests.browser import _messages, _send_chat, _set_setup, _wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LOCAL = {"127.0.0.1", "localhost"}
HOSTILE = "My answer :material/home: see https://evil.example/x and **not bold** <b>raw</b>"


def _record_requests(page) -> list[str]:
    """Every request the page makes; any to another host is refused (and remembered)."""
    off_host = []

    def route(route, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")) or host in LOCAL:
            return route.continue_()
        off_host.append(request.url)
        return route.abort()

    page.context.route("**/*", route)
    return off_host


def test_offline_interview_makes_no_off_host_request_and_shows_typed_text(page, app_url):
    off_host = _record_requests(page)
    bank = QuestionBank(load_settings())
    page.goto(app_url)
    _set_setup(page, "ML theory", 1)
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Question 1/1").wait_for()
    _send_chat(page, HOSTILE)
    mine = _messages(page).filter(has=page.get_by_test_id("stChatMessageAvatarUser")).first
    mine = mine.get_by_test_id("stChatMessageContent")
    assert mine.inner_text().strip() == HOSTILE  # exactly what was typed
    assert mine.locator("a").count() == 0 and mine.locator("strong, b").count() == 0
    assert mine.locator("[data-testid=stIconMaterial]").count() == 0
    for _ in range(4):  # the follow-up (if any), then the summary
        if page.get_by_text("Interview complete.").count():
            break
        qid = page.get_by_text("Question id:").inner_text().split(":")[-1].strip()
        _send_chat(page, bank.get(qid).reference_answer)
    page.get_by_text("Interview complete.").wait_for()
    for name in ("Review", "Question sets", "Settings"):
        page.get_by_role("link", name=name).click()
        page.get_by_role("heading", level=1).first.wait_for()
        _wait_idle(page)
    assert off_host == [], off_host
