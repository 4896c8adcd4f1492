"""Voice end to end in headless Chromium: a fake microphone plays a clip, st.audio_input records it,
the app transcribes it offline, and the transcript appears in the chat input; then it is sent.

Chromium's fake media flags stand in for a microphone and the permission prompt (the clip is one
of ours, tests/data/audio/, generated with espeak-ng). speechSynthesis is wrapped by an init
script that records what the page asks it to say, since headless Chromium has no voices.
"""

from __future__ import annotations

import time

import pytest
import yaml

from interviewbot.config import load_settings
from interviewbot.speech import word_error_rate
from interviewbot.transcripts import TranscriptStore
from tests.browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, Shots, _serve, _session_id, _wait_idle
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

CLIP = ROOT / "tests" / "data" / "audio" / "missing-data.wav"
CLIP_TEXT = next(
    c["text"]
    for c in yaml.safe_load((CLIP.parent / "clips.yaml").read_text(encoding="utf-8"))["clips"]
    if c["name"] == "missing-data"
)
RECORD_S = 21.5  # the clip is 19.6 s; the fake device plays it once (%noloop), then silence
# A local English voice, and a log of every utterance the page speaks.
SPEECH_STUB = """
(() => {
  window.__spoken = [];
  const voice = {name: "Test voice", lang: "en-US", localService: true, default: true, voiceURI: "test"};
  const synth = window.speechSynthesis;
  synth.getVoices = () => [voice];
  synth.speak = (u) => window.__spoken.push(u.text);
  synth.cancel = () => {};
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();
"""


@pytest.fixture
def app_url(request, indexed_home, tmp_path):
    yield from _serve(request, indexed_home, tmp_path)


@pytest.fixture
def page(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is missing: run `bash scripts/ensure_chromium.sh` as root "
            "(Debian packages chromium and chromium-driver) or `make test`"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=WAIT_MS)
    media = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={CLIP}%noloop",
    ]
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + media, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_init_script(SPEECH_STUB)
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def _start_missing_data_interview(page) -> None:
    """ML theory (the default track), topic missing-data, one question: always mlt-missing-data."""
    page.get_by_role("button", name="Start interview").wait_for()
    _wait_idle(page)
    page.get_by_test_id("stMultiSelect").filter(has_text="Topics").locator("input").click()
    page.keyboard.type("missing-data")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")
    _wait_idle(page)
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Question id:").wait_for()
    _wait_idle(page)


def test_browser_spoken_answer_lands_in_the_input_and_is_sent_as_spoken(page, app_url, tmp_path):
    shot = Shots(page, tmp_path)
    page.goto(app_url)
    page.get_by_text("Read questions aloud").click()  # the sidebar setting, off by default
    _start_missing_data_interview(page)
    assert "mlt-missing-data" in page.get_by_text("Question id:").inner_text()
    page.wait_for_function("() => window.__spoken.length > 0")
    assert "missing values" in page.evaluate("() => window.__spoken[0]")  # the question, read once

    record = page.get_by_test_id("stAudioInputActionButton")
    record.click()
    page.get_by_role("button", name="Stop recording").wait_for()
    time.sleep(RECORD_S)  # real time: the fake microphone plays the clip as it is recorded
    page.get_by_role("button", name="Stop recording").click()
    box = page.get_by_test_id("stChatInputTextArea")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stChatInputTextArea\"]')?.value.length > 0",
        timeout=WAIT_MS * 3,
    )
    _wait_idle(page)
    text = box.input_value()
    shot("voice-transcript-in-input")
    assert word_error_rate(CLIP_TEXT, text) <= 0.15, text
    page.get_by_text("s of speech, transcribed in").wait_for()
    assert page.evaluate("() => window.__spoken.length") == 1  # not read again on later reruns

    box.press("Enter")
    page.get_by_text("Interview complete.").or_(page.get_by_text("spoken, ")).first.wait_for()
    _wait_idle(page)
    shot("voice-sent")
    stored = TranscriptStore.from_settings(load_settings()).get_session(_session_id(page))
    sent = next(m for m in stored["messages"] if m["role"] == "candidate")
    assert sent["content"] == text.strip() and sent["meta"]["spoken"] is True
    assert 18 < sent["meta"]["audio_s"] < RECORD_S + 1 and sent["meta"]["edited"] is False
