"""Streamlit AppTest tests of every page and the main flows (no browser: see test_browser.py).

The app's pages are callables behind `st.navigation`, which `AppTest.switch_page` cannot address
(it only resolves page *files*). So the whole app (app.py) is tested for the Interview page and
the in-app jump to Review, and every page is also rendered on its own by a tiny wrapper script
that picks the page from session state, like one browser session moving between pages.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from interviewbot.config import load_settings
from interviewbot.exports import export_session
from interviewbot.index import KnowledgeIndex
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.questions import QuestionBank
from interviewbot.services import Services
from interviewbot.transcripts import TranscriptStore
from tests.conftest import ROOT

APP = ROOT / "app.py"
TIMEOUT = 120  # seconds per script run: the first run loads the embedder and opens Chroma
SECRET = "sk-test-NEVER-ON-DISK-7f3a9c"

GOOD_SET = """name: ui-set
questions:
  - id: ui-dropout
    track: ml_theory
    topics: [neural-networks]
    difficulty: easy
    prompt: What does dropout do?
    key_points:
      - randomly zeroes activations during training
      - reduces co-adaptation and overfitting
  - id: ui-add
    track: coding
    prompt: Add two numbers.
    entry_point: add
    tests:
      - {args: [1, 2], expected: 3}
    reference_solution: "def add(a, b):\\n    return a + b\\n"
"""
GOOD_CSV = (
    "id,track,difficulty,topics,prompt,key_points\n"
    'ui-pca,ml_theory,medium,dimensionality-reduction,"What is PCA, briefly?",'
    '"projects onto directions of maximum variance|uses eigenvectors of the covariance matrix"\n'
)
GOOD_MD = """# ui md set

## Explain gradient clipping
Why and how is gradient clipping used?

Track: ml_theory
Topics: optimization
Key points:
- caps the gradient norm to avoid exploding gradients
- common when training RNNs
"""
BAD_SCHEMA = """name: bad-set
questions:
  - id: Bad_ID
    track: ml_theory
    prompt: Hi
  - id: bad-two
    track: coding
    prompt: Write a function.
"""
BAD_SYNTAX = "name: broken\nquestions:\n  - id: x\n   track: [unclosed\n"
DUPLICATE_ID = """name: dup-set
questions:
  - id: {existing}
    track: ml_theory
    prompt: A question whose id is already taken.
    key_points: [something]
"""
GUIDE_MD = """# Feature stores

## Online and offline stores

A feature store keeps an offline store for training (point-in-time correct joins over history)
and an online store for low-latency serving, computed from one feature definition so that
training and serving never skew.
"""


# --- harness -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test gets services for its own INTERVIEWBOT_HOME (st.cache_resource is per process)."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _page_script(page: str) -> None:
    """One browser session's current page: `_test_page` in session state (default: `page`)."""
    import streamlit as st

    from interviewbot.ui import interview_page, review_page, sets_page, settings_page

    pages = {"interview": interview_page, "review": review_page, "sets": sets_page, "settings": settings_page}
    pages[st.session_state.get("_test_page", page)].render()


def page_app(page: str) -> AppTest:
    return AppTest.from_function(_page_script, args=(page,), default_timeout=TIMEOUT)


def full_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def ok(at: AppTest) -> AppTest:
    """The run raised nothing and showed no traceback."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything readable on the page, for substring checks."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "error", "success", "info", "warning", "title", "subheader")
        for e in getattr(at, kind)
    ]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)


def session_of(at: AppTest) -> InterviewSession:
    return at.session_state["interview"]


def start(at: AppTest, tracks=("ml_theory",), num: int = 2, difficulty: str = "easy") -> InterviewSession:
    at.multiselect(key="setup_tracks").set_value(list(tracks))
    at.slider(key="setup_num").set_value(num)
    at.selectbox(key="setup_difficulty").set_value(difficulty)
    ok(at.button(key="btn_start").click().run())
    return session_of(at)


def step_button(at: AppTest, name: str):
    """An interview button: its key carries the session's step, so a click on an older page is dropped."""
    return at.button(key=f"{name}_{session_of(at).step}")


def editor_code(at: AppTest) -> str:
    """The code the editor was opened with (its `code` argument)."""
    [editor] = [e for e in at.get("component_instance") if (e.key or "").startswith("code_")]
    return json.loads(editor.proto.json_args)["code"]


def editor_sends(at: AppTest, text: str, kind: str = "change", event_id: str | None = None) -> AppTest:
    """Run with the event the code editor's frontend would send (edit, blur or Ctrl+Enter "submit").

    AppTest drives only Streamlit's own widgets, so the component's value is added to the widget
    states of the next run, as the browser does.
    """
    [editor] = [e for e in at.get("component_instance") if (e.key or "").startswith("code_")]
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = editor.proto.id
    event = {"id": event_id or uuid.uuid4().hex[:8], "type": kind, "lang": "python", "text": text}
    state.json_value = json.dumps(event | {"selected": "", "cursor": {"row": 0, "column": 0}})
    return ok(at._run(states))


def good_answer(session: InterviewSession) -> str:
    q = session.turn.question
    return q.reference_answer or ". ".join(kp.text for kp in q.key_points)


def answer_until_graded(at: AppTest) -> None:
    """Answer the current question (and any follow-up) with its reference answer until it is graded."""
    graded = len(session_of(at).scores)
    for _ in range(6):
        ok(at.chat_input(key="answer_input").set_value(good_answer(session_of(at))).run())
        if len(session_of(at).scores) > graded or session_of(at).finished:
            return
    pytest.fail("the answer was never graded")


def store() -> TranscriptStore:
    return TranscriptStore.from_settings(load_settings())


def finished_session(tracks=("ml_theory",)) -> str:
    """A graded, finished session made through the engine (what the Review page reads)."""
    svc = Services.build(load_settings())
    session = InterviewSession.start(
        svc, InterviewConfig(tracks=list(tracks), num_questions=2, difficulty="easy")
    )
    q = session.turn.question
    session.answer(q.reference_answer or ". ".join(kp.text for kp in q.key_points))
    while (
        session.turn is not None and session.turn.awaiting == "follow_up" and session.turn.question.id == q.id
    ):
        session.answer(q.reference_answer or "more detail")
    session.end()
    return session.id


def files_under(path):
    return [p for p in path.rglob("*") if p.is_file()]


# --- Interview page ------------------------------------------------------------------------------


def test_interview_setup_offers_track_topics_difficulty_count_backend(indexed_home):
    at = ok(full_app().run())
    assert at.title[0].value == "Mock interview"
    assert at.multiselect(key="setup_tracks").value == ["ml_theory"]
    bank = QuestionBank(load_settings())
    assert set(at.multiselect(key="setup_topics").options) == set(bank.topics("ml_theory"))
    assert at.selectbox(key="setup_difficulty").options == ["adaptive", "easy", "medium", "hard"]
    assert at.selectbox(key="setup_backend").value == "offline"
    assert at.slider(key="setup_num").value == 3
    # topics follow the chosen track
    ok(at.multiselect(key="setup_tracks").set_value(["coding"]).run())
    assert set(at.multiselect(key="setup_topics").options) == set(bank.topics("coding"))


def test_interview_answer_gets_feedback_with_score_checklist_citations(indexed_home):
    at = ok(full_app().run())
    session = start(at, num=2)
    assert at.query_params["session"] == session.id
    first = session.turn.question
    assert first.prompt.split("?")[0][:40] in texts(at)
    assert "Question time" in texts(at)  # the timer
    assert f"Question id: `{first.id}`" in texts(at)
    answer_until_graded(at)
    assert at.metric[0].label == "Score"
    assert any(":material/check_circle:" in m.value or ":material/cancel:" in m.value for m in at.markdown)
    assert any(e.label.startswith("Sources (") for e in at.expander)
    assert session_of(at).question_number == 2  # the next question is asked
    assert not session_of(at).finished


def test_interview_hint_then_skip(indexed_home):
    at = ok(full_app().run())
    session = start(at, num=3)
    first = session.turn.question
    ok(step_button(at, "btn_hint").click().run())
    if first.hints:
        assert any(i.value.startswith("Hint 1/") for i in at.info)
    else:
        assert any("No more hints" in i.value for i in at.info)
    ok(step_button(at, "btn_skip").click().run())
    assert session_of(at).turn.question.id != first.id
    assert session_of(at).question_number == 2
    turns = store().get_session(session.id)["turns"]
    assert turns[0]["status"] == "skipped" and turns[0]["hints_used"] == (1 if first.hints else 0)


def test_interview_coding_run_visible_tests_then_submit_and_review(indexed_home):
    at = ok(full_app().run())
    session = start(at, tracks=("coding",), num=1)
    turn = session.turn
    assert turn.awaiting == "code" and not at.chat_input
    solution = turn.question.reference_solution
    editor_sends(at, solution)
    ok(step_button(at, "btn_run").click().run())
    assert "Visible tests only" in texts(at)
    assert any(s.value.startswith("Accepted:") for s in at.success)
    table = at.dataframe[0].value
    assert set(table["visibility"]) == {"visible"} and set(table["result"]) == {"Passed"}
    stored = store().get_session(session.id)
    assert stored["turns"][0]["code"] == solution  # kept as the draft
    assert not [m for m in stored["messages"] if m["kind"] in ("code", "verdict")]  # but not submitted

    ok(step_button(at, "btn_submit").click().run())
    assert any(s.value.startswith("Accepted:") for s in at.success)
    verdict_table = at.dataframe[0].value
    assert "hidden" in set(verdict_table["visibility"]) or len(verdict_table) == len(turn.question.tests)
    assert session_of(at).turn.awaiting == "follow_up"  # the complexity question
    ok(
        at.chat_input(key="answer_input")
        .set_value(
            "O(n) time with a single pass and a hash map, O(n) extra space; I handled empty input and duplicates."
        )
        .run()
    )
    assert session_of(at).finished
    assert "Interview complete" in texts(at) and any(m.label == "coding" for m in at.metric)

    ok(at.button(key="btn_review").click().run())  # st.switch_page to the Review page
    assert at.title[0].value == "Review"
    assert at.selectbox(key="rv_pick").value == session.id
    assert [b.label for b in at.download_button] == ["Download Markdown", "Download JSON", "Download HTML"]


def test_interview_wrong_code_is_kept_after_refresh(indexed_home):
    at = ok(full_app().run())
    session = start(at, tracks=("coding",), num=1)
    wrong = f"def {session.turn.question.entry_point}(*args, **kwargs):\n    return None\n"
    editor_sends(at, wrong, kind="blur")
    ok(step_button(at, "btn_submit").click().run())
    assert any("tests passed" in e.value for e in at.error)
    # a refresh is a new browser session with the id in the URL
    fresh = full_app()
    fresh.query_params["session"] = session.id
    ok(fresh.run())
    assert session_of(fresh).id == session.id
    assert editor_code(fresh) == wrong
    assert any(c.value.strip() == wrong.strip() for c in fresh.code)  # the submission is in the transcript


def test_interview_unsubmitted_edits_are_saved_and_reopened_after_refresh(indexed_home):
    at = ok(full_app().run())
    session = start(at, tracks=("coding",), num=1)
    starter = editor_code(at)
    draft = starter + "\n# half-written: not run, not submitted\n"
    editor_sends(at, draft)  # the editor reports an edit
    assert store().get_session(session.id)["turns"][0]["code"] == draft
    assert session_of(at).step == 0  # an edit is not an answer: buttons keep their keys
    fresh = full_app()
    fresh.query_params["session"] = session.id
    ok(fresh.run())
    assert editor_code(fresh) == draft


def test_interview_ctrl_enter_runs_visible_tests_once(indexed_home):
    at = ok(full_app().run())
    session = start(at, tracks=("coding",), num=1)
    wrong = f"def {session.turn.question.entry_point}(*args, **kwargs):\n    return None\n"
    editor_sends(at, wrong, kind="submit", event_id="ctrl-enter-1")
    assert "Visible tests only" in texts(at) and session_of(at).turn.last_run.verdict == "wrong_answer"
    assert session_of(at).step == 1
    editor_sends(at, wrong, kind="submit", event_id="ctrl-enter-1")  # the same event, seen by a rerun
    assert session_of(at).step == 1
    stored = store().get_session(session.id)
    assert not [m for m in stored["messages"] if m["kind"] == "verdict"]  # a dry run is not a submission


def test_interview_resumes_from_url_after_refresh(indexed_home):
    at = ok(full_app().run())
    session = start(at, num=3)
    answer_until_graded(at)
    current = session_of(at).turn.question.id
    fresh = full_app()
    fresh.query_params["session"] = session.id
    ok(fresh.run())
    resumed = session_of(fresh)
    assert resumed.turn.question.id == current and resumed.question_number == 2
    assert len(fresh.chat_message) == len(at.chat_message)
    assert fresh.metric[0].label == "Score"


def test_interview_unknown_session_in_url_starts_fresh(indexed_home):
    at = full_app()
    at.query_params["session"] = "0123456789abcdef"
    ok(at.run())
    assert any("no session" in e.value for e in at.error)
    assert at.button(key="btn_start")
    assert "session" not in at.query_params


def test_interview_end_shows_summary_and_review_link(indexed_home):
    at = ok(full_app().run())
    session = start(at, num=3)
    answer_until_graded(at)
    ok(step_button(at, "btn_end").click().run())
    assert session_of(at).finished
    assert "Summary:" in texts(at) and "Interview complete" in texts(at)
    assert store().get_session(session.id)["status"] == "finished"
    ok(at.button(key="btn_review").click().run())
    assert at.title[0].value == "Review"


def test_interview_rejected_answer_is_shown_back_not_lost(indexed_home):
    at = ok(full_app().run())
    session = start(at, num=2)
    too_long = "word " * 11_000  # over the 50,000-character limit
    ok(at.chat_input(key="answer_input").set_value(too_long).run())
    assert any("limit" in e.value for e in at.error)
    assert any(c.value == too_long.strip() or c.value == too_long for c in at.code)
    assert not [m for m in store().get_session(session.id)["messages"] if m["role"] == "candidate"]


def test_interview_user_text_is_never_markup(indexed_home):
    at = ok(full_app().run())
    start(at, num=2)
    evil = "<img src=x onerror=alert(1)> **bold** [link](http://evil.example) $x^2$ :red[red]"
    ok(at.chat_input(key="answer_input").set_value(evil).run())
    assert [t.value for t in at.text if "onerror" in t.value] == [evil]  # shown as typed, as plain text
    assert not any("onerror" in m.value for m in at.markdown)  # never through the Markdown renderer
    assert not any(m.proto.allow_html for m in at.markdown)


def test_interview_backend_picker_without_key_shows_error(indexed_home):
    at = ok(full_app().run())
    at.selectbox(key="setup_backend").set_value("openai")
    ok(at.button(key="btn_start").click().run())
    assert any("API key" in e.value for e in at.error)
    assert "interview" not in at.session_state
    assert at.session_state.get("llm_overrides") is None


# --- Review page -----------------------------------------------------------------------------------


def test_review_lists_sessions_with_filters_transcript_downloads_and_progress(indexed_home):
    sid = finished_session(("ml_theory",))
    at = ok(page_app("review").run())
    assert at.title[0].value == "Review"
    assert at.dataframe[0].value["id"].tolist() == [sid[:8]]
    assert at.selectbox(key="rv_pick").value == sid
    assert [b.label for b in at.download_button] == ["Download Markdown", "Download JSON", "Download HTML"]
    assert len(at.chat_message) == len(store().get_session(sid)["messages"])
    exports = {fmt: export_session(store().get_session(sid), fmt) for fmt in ("md", "json", "html")}
    prompt = store().get_session(sid)["turns"][0]["prompt"]
    assert prompt in exports["md"] and json.loads(exports["json"])["id"] == sid and "<html" in exports["html"]
    # progress tab: score over time, per-topic chart, due list
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert len(charts) >= 2
    assert "Due for another try" in texts(at) and "Per-topic mean score" in texts(at)
    # filters
    ok(at.selectbox(key="rv_track").set_value("coding").run())
    assert any("No sessions match" in i.value for i in at.info)
    ok(at.selectbox(key="rv_track").set_value("ml_theory").run())
    ok(at.slider(key="rv_min").set_value(10.0).run())
    scores = [t["score"] for t in store().get_session(sid)["turns"] if t["score"] is not None]
    assert any("No sessions match" in i.value for i in at.info) == (sum(scores) / len(scores) < 10.0)
    import datetime as dt

    ok(at.slider(key="rv_min").set_value(0.0).run())
    ok(at.date_input(key="rv_since").set_value(dt.date.today() + dt.timedelta(days=2)).run())
    assert any("No sessions match" in i.value for i in at.info)


def test_review_empty_state(indexed_home):
    at = ok(page_app("review").run())
    assert any("No sessions match" in i.value for i in at.info)
    assert "Charts appear after your first graded answer" in texts(at)


# --- Question sets page ----------------------------------------------------------------------------


def click_and_finish(at: AppTest, key: str) -> list[str]:
    """Click a button that starts background jobs, rerun once they end; every message shown meanwhile."""
    from interviewbot.ui import jobs

    ok(at.button(key=key).click().run())
    shown = [m.value for m in (*at.success, *at.error)]
    for job in list(jobs._registry().values()):
        job.finished.wait(300)
    ok(at.run())
    return shown + [m.value for m in (*at.success, *at.error)]


def upload(at: AppTest, key_prefix: str, name: str, text: str) -> AppTest:
    uploader = next(u for u in at.file_uploader if u.key.startswith(key_prefix))
    return ok(uploader.set_value((name, text.encode(), "application/octet-stream")).run())


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("bad.yaml", BAD_SCHEMA, ["3 problem(s) found", "line 3", "line 5", "entry_point"]),
        ("broken.yaml", BAD_SYNTAX, ["invalid YAML at line"]),
        ("bad.json", '{"name": "j", "questions": [}', ["invalid JSON"]),
        ("dup.yaml", None, ["already used in set"]),
    ],
)
def test_sets_upload_bad_file_shows_errors_inline_and_stores_nothing(indexed_home, name, text, expect):
    settings = load_settings()
    if text is None:
        text = DUPLICATE_ID.format(existing=QuestionBank(settings).questions("ml_theory")[0].id)
    before = sorted(s.name for s in QuestionBank(settings).all_sets())
    at = ok(page_app("sets").run())
    upload(at, "set_upload", name, text)
    shown = texts(at)
    for fragment in expect:
        assert fragment in shown.replace("\\", ""), shown
    assert at.error, "the error is shown inline"
    assert not [b for b in at.button if b.key == "btn_add_set"]
    assert files_under(settings.sets_dir) == []
    assert sorted(s.name for s in QuestionBank(settings).all_sets()) == before


@pytest.mark.parametrize(
    ("name", "text", "set_name", "ids"),
    [
        ("ui-set.yaml", GOOD_SET, "ui-set", ["ui-dropout", "ui-add"]),
        ("ui-set.json", json.dumps(yaml.safe_load(GOOD_SET)), "ui-set", ["ui-dropout", "ui-add"]),
        ("ui-csv.csv", GOOD_CSV, "ui-csv", ["ui-pca"]),
        ("ui-md.md", GOOD_MD, "ui-md-set", ["explain-gradient-clipping"]),
    ],
)
def test_sets_upload_good_file_is_stored_listed_and_removable(indexed_home, name, text, set_name, ids):
    settings = load_settings()
    at = ok(page_app("sets").run())
    upload(at, "set_upload", name, text)
    assert any("valid set" in i.value for i in at.info)
    assert files_under(settings.sets_dir) == []  # validated, not stored yet
    shown = click_and_finish(at, "btn_add_set")
    assert any(f"Added '{set_name}'" in m for m in shown), shown
    assert any(e.label.startswith(f"{set_name} · custom") for e in at.expander)
    assert [q.id for q in QuestionBank(settings).get_set(set_name).questions] == ids
    assert not at.error  # the uploader was emptied: the stored file is not re-checked as a duplicate
    index = KnowledgeIndex(settings)
    assert index.collection("questions").get(ids=ids)["ids"]

    at.selectbox(key="rm_set").set_value(set_name)
    ok(at.button(key="btn_rm_set").click().run())
    assert any(f"Removed '{set_name}'" in s.value for s in at.success)
    assert not any(e.label.startswith(f"{set_name} ·") for e in at.expander)
    assert files_under(settings.sets_dir) == []
    assert not index.collection("questions").get(ids=ids)["ids"]


def test_sets_page_lists_builtin_sets(indexed_home):
    at = ok(page_app("sets").run())
    builtin = [s.name for s in QuestionBank(load_settings()).all_sets()]
    labels = [e.label for e in at.expander]
    assert all(any(label.startswith(f"{name} · built-in") for label in labels) for name in builtin)


def test_sets_add_guide_is_chunked_indexed_and_removable(indexed_home):
    settings = load_settings()
    at = ok(page_app("sets").run())
    upload(at, "guide_upload", "feature-stores.md", GUIDE_MD)
    shown = click_and_finish(at, "btn_add_guide")
    assert any("chunk(s) indexed" in m for m in shown), shown
    assert (settings.user_guides_dir / "feature-stores.md").is_file()
    hits = KnowledgeIndex(settings).search("online and offline feature store skew", k=3)
    assert any(h.source == "user/feature-stores.md" for h in hits)
    ok(at.button(key="btn_rm_guide").click().run())
    assert not (settings.user_guides_dir / "feature-stores.md").exists()


def test_sets_add_empty_guide_shows_error(indexed_home):
    settings = load_settings()
    at = ok(page_app("sets").run())
    upload(at, "guide_upload", "empty.md", "   \n")
    shown = click_and_finish(at, "btn_add_guide")
    assert any("no text to index" in m for m in shown), shown
    assert files_under(settings.user_guides_dir) == []


# --- Settings page -------------------------------------------------------------------------------


def test_settings_apply_backend_key_stays_in_session_never_on_disk(
    indexed_home,
    fake_openai,
    tmp_path,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    at = ok(page_app("settings").run())
    assert at.title[0].value == "Settings"
    assert "guide chunks" in texts(at)
    at.selectbox(key="set_backend").set_value("openai-compatible")
    at.text_input(key="set_base_url").input(fake_openai.url + "/v1")
    at.text_input(key="set_model").input("fake-model")
    at.text_input(key="set_api_key").input(SECRET)
    at.slider(key="set_k").set_value(2)
    ok(at.button(key="FormSubmitter:llm-Apply").click().run())
    assert any("Applied for this browser session" in s.value for s in at.success), texts(at)
    assert at.session_state["llm_overrides"]["api_key"] == SECRET

    # same browser session, Interview page: the backend is used (and the key sent to the server)
    at.session_state["_test_page"] = "interview"
    ok(at.run())
    assert at.selectbox(key="setup_backend").value == "openai-compatible"
    fake_openai.enqueue("In your own words, what is the trade-off between bias and variance?")
    start(at, num=1)
    assert any("In your own words" in m.value for m in at.markdown)
    assert fake_openai.request_headers[-1]["authorization"] == f"Bearer {SECRET}"
    assert session_of(at).services.grader.offline.k == 2  # retrieval depth applied
    assert store().get_session(session_of(at).id)["backend"] == "openai-compatible"
    assert any(b.get("stream") for b in fake_openai.requests)  # the question streamed into the chat

    # answer: the LLM grader (over the wire) grades it, citing only retrieved chunks
    from tests.test_llm_interview import responder

    fake_openai.enqueue(*[responder] * 6)
    for _ in range(2):  # the answer may draw one follow-up first
        if session_of(at).finished:
            break
        ok(
            at.chat_input(key="answer_input")
            .set_value(
                "Bias is error from overly simple assumptions, so the model underfits; variance is sensitivity "
                "to the training sample, so it overfits. Regularisation trades one for the other."
            )
            .run()
        )
    turn = store().get_session(session_of(at).id)["turns"][0]
    assert turn["status"] == "graded" and turn["feedback"]["grader"] == "llm:fake-model"
    assert turn["feedback"]["citations"] and turn["usage"]

    secret = SECRET.encode()
    leaked = [p for p in files_under(tmp_path) if secret in p.read_bytes()]
    assert leaked == [], f"the API key was written to {leaked}"
    assert SECRET not in caplog.text


def test_settings_checks_the_base_url_and_says_what_it_found(indexed_home, fake_openai):
    at = ok(page_app("settings").run())
    at.selectbox(key="set_backend").set_value("openai-compatible")
    at.text_input(key="set_base_url").input(fake_openai.url + "/v1")
    at.text_input(key="set_model").input("not-served")
    ok(at.button(key="FormSubmitter:llm-Apply").click().run())
    assert any("serves 1 model(s): fake-model" in i.value.replace("\\", "") for i in at.info), texts(at)
    assert any("does not list 'not-served'" in w.value.replace("\\", "") for w in at.warning)
    assert at.session_state["llm_overrides"]["base_url"] == fake_openai.url + "/v1"


def test_settings_refuses_a_base_url_where_nothing_answers(indexed_home):
    at = ok(page_app("settings").run())
    at.selectbox(key="set_backend").set_value("openai-compatible")
    at.text_input(key="set_base_url").input("http://127.0.0.1:9/v1")  # the discard port: nothing listens
    ok(at.button(key="FormSubmitter:llm-Apply").click().run())
    assert any("nothing answered at http" in e.value.replace("\\", "") for e in at.error), texts(at)
    assert at.session_state.get("llm_overrides") is None  # not applied


def test_settings_openai_without_key_shows_error_and_keeps_offline(indexed_home):
    at = ok(page_app("settings").run())
    at.selectbox(key="set_backend").set_value("openai")
    ok(at.button(key="FormSubmitter:llm-Apply").click().run())
    assert any("needs an API key" in e.value.replace("\\", "") for e in at.error)
    assert at.session_state.get("llm_overrides") is None


def test_first_start_builds_index_with_progress_bar(tmp_path, monkeypatch):
    """A fresh data dir: the real index is built on first start, with a progress bar."""
    knowledge = tmp_path / "knowledge"
    (knowledge / "guides").mkdir(parents=True)
    (knowledge / "questions").mkdir()
    (knowledge / "guides" / "a.md").write_text(
        "# Tiny guide\n\nAn introduction with enough words to be indexed as a chunk of text here.\n\n"
        "## Overfitting\n\nOverfitting is when a model memorises noise in the training data and fails "
        "to generalise to new data; regularisation and more data help.\n"
    )
    (knowledge / "questions" / "q.yaml").write_text(
        "name: tiny\nquestions:\n  - id: tiny-q\n    track: ml_theory\n    prompt: What is overfitting?\n"
        "    key_points: [the model fits noise and generalises poorly]\n"
    )
    monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(knowledge))

    def script():
        from interviewbot.ui.state import _base_services, ensure_index

        ensure_index(_base_services())

    at = ok(AppTest.from_function(script, default_timeout=TIMEOUT).run())
    assert at.session_state["_index_checked"]
    assert "Knowledge index built" in at.toast[0].value
    from interviewbot.config import load_settings
    from interviewbot.index import GUIDES, QUESTIONS, KnowledgeIndex

    index = KnowledgeIndex(load_settings())
    assert index.count(GUIDES) >= 2 and index.count(QUESTIONS) == 1 and index.probably_built()
