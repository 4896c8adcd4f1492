"""End to end in a real browser: `streamlit run app.py` driven by Playwright in headless Chromium."""

from __future__ import annotations

import re

import pytest

from interviewbot.config import load_settings
from interviewbot.questions import QuestionBank
from interviewbot.transcripts import TranscriptStore
from tests.browser import (
    COMPLEXITY_ANSWER,
    Shots,
    _answer_text_questions,
    _download_markdown,
    _finished,
    _messages,
    _open_in_review,
    _question_id,
    _send_chat,
    _session_id,
    _set_setup,
    _wait_idle,
    _wait_more_messages,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# --- the test ------------------------------------------------------------------------------------


def test_browser_ml_and_coding_interviews_then_review_download(page, app_url, tmp_path):
    settings = load_settings()
    bank, store = QuestionBank(settings), TranscriptStore.from_settings(settings)
    shot = Shots(page, tmp_path)

    # 1. a two-question ML-theory interview, with a browser refresh in the middle
    page.goto(app_url)
    _set_setup(page, "ML theory", 2)
    shot("interview-setup")
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Question 1/2").wait_for()
    ml_session = _session_id(page)
    first = _question_id(page)
    answer = bank.get(first).reference_answer or ". ".join(kp.text for kp in bank.get(first).key_points)
    _send_chat(page, answer)
    page.reload()  # the session id is in the URL: the transcript comes back from the database
    page.get_by_test_id("stChatMessage").first.wait_for()
    _wait_idle(page)
    assert _session_id(page) == ml_session
    mine = _messages(page).filter(has=page.get_by_test_id("stChatMessageAvatarUser"))
    assert mine.filter(has_text=answer[:60]).count() == 1
    shot("interview-after-refresh")
    asked = [first] + [q for q in _answer_text_questions(page, bank) if q != first]
    assert page.get_by_text("Summary:").count() == 1
    shot("interview-ml-summary")
    assert [t["question_id"] for t in store.get_session(ml_session)["turns"]] == asked[:2]

    # 2. one coding question: run the visible tests, then submit the reference solution
    page.get_by_role("button", name="Start a new interview").click()
    _set_setup(page, "Coding", 1)
    page.get_by_role("button", name="Start interview").click()
    editor = page.frame_locator("iframe[title*='code_editor']").locator(".ace_content")  # Ace, in its iframe
    editor.wait_for()
    coding_session, qid = _session_id(page), _question_id(page)
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(bank.get(qid).reference_solution)  # as pasted: no auto-indent on top
    _wait_idle(page)
    page.get_by_role("button", name="Run visible tests").click()
    page.get_by_text("Visible tests only").wait_for()
    page.get_by_text(re.compile(r"^Accepted: \d+/\d+ tests passed")).first.wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()  # the per-test table
    shot("coding-visible-tests")
    before = _messages(page).count()
    page.get_by_role("button", name="Submit").click()
    _wait_more_messages(page, before, at_least=3)  # code, verdict, complexity follow-up
    _wait_idle(page)
    assert page.get_by_test_id("stChatMessage").filter(has_text="Accepted").count() >= 1
    shot("coding-verdict")
    _send_chat(page, COMPLEXITY_ANSWER)
    page.get_by_text("Interview complete.").wait_for()
    shot("coding-summary")

    # 3. review: the coding session opens from the summary; download both transcripts as Markdown
    page.get_by_role("button", name="Review this session").click()
    page.get_by_role("heading", name=f"Session {coding_session[:8]}").wait_for()
    shot("review-coding")
    md = _download_markdown(page, tmp_path, "coding.md")
    assert bank.get(qid).prompt.strip().splitlines()[0] in md and "```python" in md
    _open_in_review(page, ml_session)
    md = _download_markdown(page, tmp_path, "ml.md")
    for turn in store.get_session(ml_session)["turns"]:
        assert turn["prompt"].strip().splitlines()[0] in md
    page.get_by_role("tab", name="Progress").click()
    page.get_by_text("Score over time, per track").wait_for()
    shot("review-progress")

    # 4. the other pages render
    page.get_by_role("link", name="Question sets").click()
    page.get_by_role("heading", name="Question sets and guides").wait_for()
    shot("question-sets")
    page.get_by_role("link", name="Settings").click()
    page.get_by_text("guide chunks and").wait_for()
    shot("settings")
    assert len(list((tmp_path / "screenshots").glob("*.png"))) == shot.n


def test_browser_interview_against_openai_compatible_server(page, llm_app_url, fake_openai, tmp_path):
    from tests.test_llm_interview import PHRASED, responder

    fake_openai.enqueue(*[responder] * 12)
    shot = Shots(page, tmp_path)
    page.goto(llm_app_url)
    _set_setup(page, "ML theory", 1)
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Question 1/1").wait_for()
    page.get_by_text(PHRASED).first.wait_for()  # the model phrased (and streamed) the question
    session_id = _session_id(page)
    for _ in range(3):
        if _finished(page):
            break
        _send_chat(
            page,
            "Overfitting is when the model memorises noise in the training data and generalises "
            "poorly; a large gap between training and validation error shows it.",
        )
    page.get_by_text("Interview complete.").wait_for()
    shot("llm-interview-summary")
    turn = TranscriptStore.from_settings(load_settings()).get_session(session_id)["turns"][0]
    assert turn["backend"] == "openai-compatible" and turn["feedback"]["grader"] == "llm:fake-model"
    assert turn["feedback"]["citations"] and turn["usage"]["total_tokens"] > 0
    assert any(body.get("stream") for body in fake_openai.requests)
