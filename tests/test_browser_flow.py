"""The interview flow in Chromium: pick a set, a follow-up that probes what was missed, hostile text in
both exports, and the Settings page checking a base URL."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from interviewbot.config import load_settings
from interviewbot.index import KnowledgeIndex
from interviewbot.questions import QuestionBank
from tests.browser import _messages, _send_chat, _serve, _set_setup, _wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FLOW_SET = """name: flow-set
questions:
  - id: flow-zebra
    track: ml_theory
    topics: [zebra-stripes]
    prompt: Explain how zebra stripes help zebras survive.
    key_points:
      - stripes confuse predators through motion dazzle
      - stripes deter biting flies from landing
    follow_ups:
      - Which experiments showed the effect on biting flies?
      - How would you test the motion dazzle idea?
    reference_answer: Stripes confuse predators through motion dazzle, and they deter biting flies.
"""
HOSTILE = "# Big heading <script>alert(1)</script> [click](javascript:alert(2)) :material/home:"
ANSWER = f"{HOSTILE} Stripes confuse predators through motion dazzle when a herd runs."


@pytest.fixture
def flow_url(request, indexed_home, tmp_path):
    """The app over the built index plus a custom set (added as `interviewbot questions add` does)."""
    path = tmp_path / "flow-set.yaml"
    path.write_text(FLOW_SET, encoding="utf-8")
    settings = load_settings()
    QuestionBank(settings).add_set(path, index=KnowledgeIndex(settings))
    yield from _serve(request, indexed_home, tmp_path)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}


def _download(page, label: str, tmp_path, name: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    target = tmp_path / name
    info.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_set_filter_targeted_follow_up_and_safe_exports(page, flow_url, tmp_path):
    page.goto(flow_url)
    _set_setup(page, "ML theory", 1)
    sets = page.get_by_test_id("stMultiSelect").filter(has_text="Question sets")
    sets.locator("input").click()
    page.keyboard.type("flow-set")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _wait_idle(page)
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Question id: flow-zebra").wait_for()

    _send_chat(page, ANSWER)
    bubbles = _messages(page)
    last = bubbles.nth(bubbles.count() - 1).inner_text()
    assert "biting flies" in last, last  # the follow-up is about the point the answer missed
    assert page.get_by_text("You covered 1 of 2 key points").count() == 1  # a word on the answer first
    _send_chat(page, "Stripes deter biting flies: horses in striped coats had fewer landings.")
    page.get_by_text("Interview complete.").wait_for()

    page.get_by_role("button", name="Review this session").click()
    page.get_by_role("button", name="Download HTML").wait_for()
    html = _download(page, "Download HTML", tmp_path, "s.html")
    markdown = _download(page, "Download Markdown", tmp_path, "s.md")
    parsed = _Tags()
    parsed.feed(html)
    assert not parsed.tags & {"script", "a", "img", "iframe"} and "href" not in parsed.attrs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tokens = MarkdownIt("commonmark").parse(markdown)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "Big heading" not in " ".join(headings)  # the answer's '#' did not become a heading
    assert any(HOSTILE in t.content for t in tokens if t.type == "fence")  # kept verbatim, fenced


def test_settings_checks_a_base_url_in_the_browser(page, app_url, fake_openai):
    page.goto(app_url + "/settings")
    page.get_by_role("heading", name="Settings").wait_for()
    _wait_idle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Backend").click()
    page.get_by_role("option", name="OpenAI-compatible server").click()
    page.get_by_label("Base URL (OpenAI-compatible servers)").fill(fake_openai.url + "/v1")
    page.get_by_label("Model").fill("fake-model")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("serves 1 model(s): fake-model").wait_for()
    page.get_by_text("Applied for this browser session").wait_for()
    page.get_by_label("Base URL (OpenAI-compatible servers)").fill("http://127.0.0.1:9/v1")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("nothing answered at http://127.0.0.1:9/v1/models").wait_for()
