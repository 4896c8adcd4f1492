"""Interview page: set up a session, chat with the interviewer, submit code, see feedback."""

from __future__ import annotations

import streamlit as st

from interviewbot.config import BACKENDS
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.ui import voice, widgets
from interviewbot.ui.state import apply_overrides, browser_settings, escape_markdown, services, show_error
from interviewbot.vocabulary import DIFFICULTIES, TRACK_LABELS, TRACKS

# Static style (no user text): a monospace code editor.
CODE_CSS = (
    "<style>[class*='st-key-code_'] textarea {font-family: ui-monospace, Menlo, Consolas, monospace;}</style>"
)
BACKEND_LABELS = {
    "offline": "Offline (no network)",
    "openai": "OpenAI",
    "openai-compatible": "OpenAI-compatible server",
}


def _session() -> InterviewSession | None:
    """The active session: from this browser tab, or resumed from the URL after a refresh."""
    session = st.session_state.get("interview")
    sid = st.query_params.get("session")
    if session is not None and sid and sid != session.id:
        session = None  # the URL names another session (a pasted link): that one wins
    if session is not None and not sid:
        st.query_params["session"] = session.id  # keep refresh-resume working after visiting other pages
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
    left, right = st.columns(2)
    tracks = left.multiselect(
        "Track(s)", TRACKS, default=["ml_theory"], format_func=TRACK_LABELS.get, key="setup_tracks"
    )
    sets = right.multiselect(
        "Question sets (optional: all when empty)",
        [qs.name for qs in svc.bank.all_sets()],
        format_func=_set_label(svc.bank),
        key="setup_sets",
    )
    chosen = [q for track in tracks or TRACKS for q in svc.bank.questions(track, sets=sets)]
    topic_options = sorted({t for q in chosen for t in q.topics})
    topics = right.multiselect("Topics (optional: any of these)", topic_options, key="setup_topics")
    difficulty = left.selectbox(
        "Difficulty",
        ["adaptive", *DIFFICULTIES],
        key="setup_difficulty",
        help="Adaptive starts at medium and moves with your scores.",
    )
    num = right.slider("Number of questions", 1, 10, 3, key="setup_num")
    current = browser_settings()
    backend = left.selectbox(
        "Backend",
        BACKENDS,
        index=BACKENDS.index(current.backend),
        key="setup_backend",
        format_func=BACKEND_LABELS.get,
    )
    model = escape_markdown(current.model) if backend != "offline" else "none (rubric grader)"
    right.caption(f"Model: {model}. Model, base URL and key are on the Settings page.")
    if st.button("Start interview", type="primary", key="btn_start"):
        config = dict(
            tracks=tracks or ["ml_theory"],
            topics=topics,
            sets=sets,
            difficulty=None if difficulty == "adaptive" else difficulty,
            num_questions=num,
        )
        _start(config, backend)


def _set_label(bank):
    """'my-set (custom, 12 questions)' for the set picker."""
    sizes = {qs.name: (len(qs.questions), "built-in" if qs.builtin else "custom") for qs in bank.all_sets()}
    return lambda name: f"{name} ({sizes[name][1]}, {sizes[name][0]} questions)"


def _start(config: dict, backend: str) -> None:
    try:
        svc = services()
        if backend != svc.backend:  # a different backend picked here: same check as the Settings page
            svc = apply_overrides({**(st.session_state.get("llm_overrides") or {}), "backend": backend})
        session = InterviewSession.start(svc, InterviewConfig(**config), on_token=_streamer())
        session.on_token = None  # the placeholder belongs to this script run only
    except Exception as exc:
        return show_error(exc)
    st.session_state["interview"] = session
    st.query_params["session"] = session.id
    st.rerun()


@st.fragment(run_every=1.0)
def _timer(session: InterviewSession) -> None:
    e = session.elapsed()
    st.caption(
        f":material/timer: Question time {widgets.clock(e['question_s'])} · "
        f"Session {widgets.clock(e['session_s'])}"
    )


def _streamer():
    """A callback that shows an LLM reply in a chat bubble as it arrives (final text replaces it)."""
    box = {}

    def write(text: str) -> None:
        if "slot" not in box:
            box["slot"] = st.chat_message("assistant").empty()
        box["slot"].markdown(escape_markdown(text))

    return write


def _act(fn, *args, draft: str | None = None):
    """Run an engine action; on error keep it (and the rejected text) to show on the next run."""
    session = getattr(fn, "__self__", None)
    if isinstance(session, InterviewSession):
        session.on_token = _streamer()
    try:
        return fn(*args)
    except Exception as exc:
        st.session_state["_error"] = (exc, draft)
        return None
    finally:
        if isinstance(session, InterviewSession):
            session.on_token = None


def _show_pending_error() -> None:
    """The last action's error, once, with the text that was not accepted so nothing is lost."""
    pending = st.session_state.pop("_error", None)
    if pending is None:
        return
    exc, draft = pending
    show_error(exc)
    if draft:
        with st.expander("Your text (not submitted): copy it from here", expanded=True):
            st.code(draft, language=None, wrap_lines=True)


def _controls(session: InterviewSession) -> None:
    cols = st.columns(3)
    if cols[0].button("Hint", key="btn_hint", icon=":material/lightbulb:", width="stretch"):
        _act(session.hint)
        st.rerun()
    if cols[1].button("Skip", key="btn_skip", icon=":material/skip_next:", width="stretch"):
        _act(session.skip)
        st.rerun()
    if cols[2].button("End interview", key="btn_end", icon=":material/stop_circle:", width="stretch"):
        _act(session.end)
        st.rerun()


def _code_input(session: InterviewSession) -> None:
    turn = session.turn
    starter = turn.code or turn.question.starter_code or f"def {turn.question.entry_point}():\n    pass\n"
    st.html(CODE_CSS)
    code = st.text_area(
        "Your solution (Python)",
        value=starter,
        height=300,
        key=f"code_{turn.id}",
        help="Ctrl+Enter applies your edits; Submit judges against every test, hidden ones included.",
    )
    left, right = st.columns(2)
    if left.button("Run visible tests", key="btn_run", icon=":material/play_arrow:", width="stretch"):
        verdict = _act(session.run_visible, code, draft=code)
        st.session_state["_dry_run"] = (turn.id, verdict)
    if right.button("Submit", key="btn_submit", type="primary", icon=":material/send:", width="stretch"):
        st.session_state.pop("_dry_run", None)
        _act(session.submit_code, code, draft=code)
        st.rerun()
    dry = st.session_state.get("_dry_run")
    if dry and dry[0] == turn.id:
        if dry[1] is None:
            _show_pending_error()
        else:
            st.markdown("**Visible tests only (not graded, not stored):**")
            widgets.render_verdict(dry[1], turn.question.entry_point)


def _text_input(session: InterviewSession) -> None:
    placeholder = "Answer the follow-up..." if session.turn.awaiting == "follow_up" else "Your answer..."
    voice.speech_input(session, "answer_input")  # a recorder that fills the chat input below
    text = st.chat_input(placeholder, key="answer_input")
    if text is not None:
        _act(session.answer, text, voice.spoken_meta(session, text), draft=text)
        st.rerun()


def _finished(session: InterviewSession) -> None:
    st.success("Interview complete. Your transcript and scores are saved.")
    left, right = st.columns(2)
    if left.button("Review this session", key="btn_review", type="primary", icon=":material/history:"):
        st.session_state["review_session"] = session.id
        st.switch_page(widgets.PAGES["review"])
    if right.button("Start a new interview", key="btn_new", icon=":material/restart_alt:"):
        st.session_state.pop("interview", None)
        st.query_params.clear()
        st.rerun()


def render() -> None:
    """The Interview page."""
    st.title("Mock interview")
    session = _session()
    voice.read_aloud(session)  # the sidebar setting; speaks each new question once when on
    if session is None and (pending := st.session_state.pop("start_interview", None)):
        return _start(pending, browser_settings().backend)  # a one-click start from the Review page
    if session is None:
        return _setup_form()
    widgets.progress_header(session)
    if not session.finished:
        _timer(session)
    widgets.render_transcript(session.transcript())
    _show_pending_error()
    if session.finished:
        return _finished(session)
    if session.turn is not None and session.turn.awaiting == "code":
        _code_input(session)
    else:
        _text_input(session)
    _controls(session)
