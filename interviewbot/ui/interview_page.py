"""Interview page: set up a session, chat with the interviewer, submit code, see feedback."""

from __future__ import annotations

import time

import streamlit as st

from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.questions import TRACKS
from interviewbot.ui import widgets
from interviewbot.ui.state import escape_markdown, services, show_error

TRACK_LABELS = {"ml_theory": "ML theory", "coding": "Coding", "system_design": "System design",
                "behavioral": "Behavioral"}


def _session() -> InterviewSession | None:
    """The active session: from this browser tab, or resumed from the URL after a refresh."""
    session = st.session_state.get("interview")
    sid = st.query_params.get("session")
    if session is None and sid:
        try:
            session = InterviewSession.resume(services(), sid)
            st.session_state["interview"] = session
        except Exception as exc:  # unknown id in the URL: say so and start fresh
            show_error(exc)
            del st.query_params["session"]
    return session


def _setup_form() -> None:
    svc = services()
    st.subheader("Start a mock interview")
    with st.form("setup"):
        tracks = st.multiselect("Track(s)", TRACKS, default=["ml_theory"], format_func=TRACK_LABELS.get,
                                key="setup_tracks")
        topics = st.multiselect("Topics (optional)", svc.bank.topics(), key="setup_topics")
        difficulty = st.selectbox("Difficulty", ["adaptive", "easy", "medium", "hard"], key="setup_difficulty")
        num = st.slider("Number of questions", 1, 10, 3, key="setup_num")
        started = st.form_submit_button("Start interview", type="primary")
    st.caption(f"Backend: {svc.backend}" + (f" ({svc.model})" if svc.model else " (no network needed)")
               + ". Change it on the Settings page.")
    if started:
        try:
            config = InterviewConfig(tracks=tracks or ["ml_theory"], topics=topics,
                                     difficulty=None if difficulty == "adaptive" else difficulty,
                                     num_questions=num)
            session = InterviewSession.start(svc, config)
        except Exception as exc:
            return show_error(exc)
        st.session_state["interview"] = session
        st.query_params["session"] = session.id
        st.rerun()


def _transcript(session: InterviewSession) -> None:
    for msg in session.messages:
        avatar = {"interviewer": "assistant", "candidate": "user", "system": "assistant"}[msg["role"]]
        with st.chat_message(avatar):
            widgets.render_message(msg)


@st.fragment(run_every=1.0)
def _timer(session: InterviewSession) -> None:
    e = session.elapsed()
    st.caption(f"Question time {widgets.clock(e['question_s'])} | Session {widgets.clock(e['session_s'])}")


def _act(fn, *args) -> None:
    """Run an engine action; errors are shown and nothing typed is lost."""
    try:
        result = fn(*args)
    except Exception as exc:
        st.session_state["_error"] = exc
        return None
    st.session_state.pop("_error", None)
    return result


def _controls(session: InterviewSession) -> None:
    cols = st.columns(3)
    if cols[0].button("Hint", key="btn_hint", use_container_width=True):
        _act(session.hint)
        st.rerun()
    if cols[1].button("Skip", key="btn_skip", use_container_width=True):
        _act(session.skip)
        st.rerun()
    if cols[2].button("End interview", key="btn_end", use_container_width=True):
        _act(session.end)
        st.rerun()


def _code_input(session: InterviewSession) -> None:
    turn = session.turn
    starter = turn.code or turn.question.starter_code or f"def {turn.question.entry_point}():\n    pass\n"
    code = st.text_area("Your solution (Python)", value=starter, height=260, key=f"code_{turn.id}")
    left, right = st.columns(2)
    if left.button("Run visible tests", key="btn_run", use_container_width=True):
        verdict = _act(session.run_visible, code)
        if verdict is not None:
            st.session_state["_dry_run"] = (turn.id, verdict)
    if right.button("Submit", key="btn_submit", type="primary", use_container_width=True):
        _act(session.submit_code, code)
        st.session_state.pop("_dry_run", None)
        st.rerun()
    dry = st.session_state.get("_dry_run")
    if dry and dry[0] == turn.id:
        st.markdown("**Visible tests only (not graded):**")
        widgets.render_verdict(dry[1].model_dump(mode="json"))


def _text_input(session: InterviewSession) -> None:
    placeholder = "Answer the follow-up..." if session.turn.awaiting == "follow_up" else "Your answer..."
    text = st.chat_input(placeholder, key="answer_input")
    if text is not None:
        _act(session.answer, text)
        st.rerun()


def render() -> None:
    """The Interview page."""
    st.title("Mock interview")
    session = _session()
    if session is None:
        return _setup_form()
    widgets.progress_header(session)
    if not session.finished:
        _timer(session)
    _transcript(session)
    if err := st.session_state.get("_error"):
        show_error(err)
    if session.finished:
        st.success("Interview complete.")
        if st.button("Review this session", key="btn_review"):
            st.session_state["review_session"] = session.id
            st.switch_page(widgets.PAGES["review"])
        if st.button("Start a new interview", key="btn_new"):
            st.session_state.pop("interview", None)
            st.query_params.clear()
            st.rerun()
        return
    if session.turn is not None and session.turn.awaiting == "code":
        _code_input(session)
    else:
        _text_input(session)
    _controls(session)
