"""Interview page: set up a session, chat with the interviewer, submit code, see feedback.

Streamlit starts a new script run as soon as a click or a key press arrives, even while the
previous run is still busy in the engine (`runner.fastReruns`), so two runs can act on one
session at once. Each run therefore first waits for the session's lock (so it draws a settled
session) and sends every action with the step it answers: buttons carry it in their key, the chat
input and the editor's Ctrl+Enter use the step of the page they were drawn on. A repeat is dropped.
"""

from __future__ import annotations

import streamlit as st
from code_editor import code_editor
from streamlit.runtime.scriptrunner import RerunException, StopException

from interviewbot.config import BACKEND_LABELS, BACKENDS
from interviewbot.interview import InterviewConfig, InterviewSession
from interviewbot.ui import voice, widgets
from interviewbot.ui.state import apply_overrides, browser_settings, escape_markdown, services, show_error
from interviewbot.vocabulary import DIFFICULTIES, TRACK_LABELS, TRACKS

# The Ace editor (its frontend ships in the streamlit-code-editor wheel: nothing is fetched).
# Ace's own keys: Tab / Shift+Tab indent and outdent, Enter auto-indents, Ctrl/Cmd+Enter sends a
# "submit" event (we run the visible tests). Edits are reported after a pause and on blur.
# Its "streamlit_*" themes @import a web font, so a bundled Ace theme and local fonts are used.
EDITOR_OPTIONS = {
    "showLineNumbers": True,
    "tabSize": 4,
    "useSoftTabs": True,
    "displayIndentGuides": True,
    "fontFamily": "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace",
}
EDITOR_PROPS = {"debounceChangePeriod": 800, "enableLiveAutocompletion": False, "enableSnippets": False}
EDITOR_THEMES = {"light": "github", "dark": "github_dark"}
EDITOR_HELP = (
    "Tab / Shift+Tab indent · Ctrl+Enter (⌘+Enter) runs the visible tests · Your code is saved as "
    "you type · Submit judges against every test, hidden ones included."
)


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
    """A callback that shows an LLM reply in a chat bubble as it arrives (final text replaces it).

    When a newer script run interrupts this one, streaming stops but the engine step is not cut
    short: the interrupt is kept in `write.interrupt` for `_act` to raise once the step is stored.
    """
    box = {}

    def write(text: str) -> None:
        if write.interrupt is not None:
            return
        try:
            if "slot" not in box:
                box["slot"] = st.chat_message("assistant").empty()
            box["slot"].markdown(escape_markdown(text))
        except (StopException, RerunException) as exc:
            write.interrupt = exc

    write.interrupt = None
    return write


def _act(fn, *args, draft: str | None = None, **kwargs):
    """Run an engine action under the session lock; on error keep it (and the rejected text) to show."""
    session: InterviewSession = fn.__self__
    streamer = _streamer()
    with session.lock:  # the error is recorded before a waiting run can draw the page
        session.on_token = streamer
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            st.session_state["_error"] = (exc, draft)
            result = None
        finally:
            session.on_token = None
    if streamer.interrupt is not None:
        raise streamer.interrupt
    return result


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


def _controls(session: InterviewSession, step: int) -> None:
    """Hint, Skip, End: keyed by the step, so a second click on the same page is dropped."""
    cols = st.columns(3)
    if cols[0].button("Hint", key=f"btn_hint_{step}", icon=":material/lightbulb:", width="stretch"):
        _act(session.hint, step=step)
        st.rerun()
    if cols[1].button("Skip", key=f"btn_skip_{step}", icon=":material/skip_next:", width="stretch"):
        _act(session.skip, step=step)
        st.rerun()
    if cols[2].button("End interview", key=f"btn_end_{step}", icon=":material/stop_circle:", width="stretch"):
        _act(session.end, step=step)
        st.rerun()


def _sent_from(session: InterviewSession, step: int) -> int:
    """The step of the page the chat input or the editor was drawn on (what a send answers);
    this run's step is recorded for the next send."""
    drawn = st.session_state.get("_drawn_step")
    st.session_state["_drawn_step"] = (session.id, step)
    return drawn[1] if drawn and drawn[0] == session.id else step


def _starter(turn) -> str:
    """The code the editor opens with: the saved draft, else the question's starter code."""
    q = turn.question
    return turn.code or q.starter_code or f"def {q.entry_point}():\n    pass\n"


def _editor(turn) -> dict:
    """The code editor; its latest event {id, type: change|blur|submit, text} ({} before the first)."""
    st.markdown("**Your solution (Python)**")
    event = code_editor(
        _starter(turn),
        lang="python",
        height=[12, 30],
        shortcuts="",  # Ace's own keys
        response_mode=["debounce", "blur"],
        options=EDITOR_OPTIONS,
        props=EDITOR_PROPS | {"theme": EDITOR_THEMES.get(st.context.theme.type, "github")},
        key=f"code_{turn.id}",
    )
    st.caption(EDITOR_HELP)
    return event if event and event.get("id") else {}


def _run_requested(event: dict) -> bool:
    """A Ctrl+Enter in the editor not handled yet (its event stays the component's value)."""
    if event.get("type") != "submit" or st.session_state.get("_editor_run") == event["id"]:
        return False
    st.session_state["_editor_run"] = event["id"]
    return True


def _code_input(session: InterviewSession, step: int, sent_from: int) -> None:
    turn = session.turn
    event = _editor(turn)
    code = event["text"] if event else _starter(turn)
    if event:
        _act(session.save_draft, code)  # every edit the editor reports (unchanged code is not rewritten)
    left, right = st.columns(2)
    run = left.button(
        "Run visible tests", key=f"btn_run_{step}", icon=":material/play_arrow:", width="stretch"
    )
    ctrl_enter = _run_requested(event)  # marked as handled even when the button was clicked too
    if run or ctrl_enter:
        _act(session.run_visible, code, draft=code, step=step if run else sent_from)
        st.rerun()
    if right.button(
        "Submit", key=f"btn_submit_{step}", type="primary", icon=":material/send:", width="stretch"
    ):
        _act(session.submit_code, code, draft=code, step=step)
        st.rerun()
    if turn.last_run is not None:
        st.markdown("**Visible tests only (not graded):**")
        widgets.render_verdict(turn.last_run, turn.question.entry_point)


def _text_input(session: InterviewSession, sent_from: int) -> None:
    placeholder = "Answer the follow-up..." if session.turn.awaiting == "follow_up" else "Your answer..."
    voice.speech_input(session, "answer_input")  # a recorder that fills the chat input below
    text = st.chat_input(placeholder, key="answer_input")
    if text is not None:
        _act(session.answer, text, voice.spoken_meta(session, text), draft=text, step=sent_from)
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
    step = session.step  # waits while another run's action is in flight, so the page shows its result
    widgets.progress_header(session)
    if not session.finished:
        _timer(session)
    widgets.render_transcript(session.transcript())
    _show_pending_error()
    if session.finished:
        return _finished(session)
    sent_from = _sent_from(session, step)
    if session.turn is not None and session.turn.awaiting == "code":
        _code_input(session, step, sent_from)
    else:
        _text_input(session, sent_from)
    _controls(session, step)
    if session.step != step:  # another run acted while this one drew the page: draw it again
        st.rerun()
