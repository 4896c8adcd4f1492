"""Rendering helpers shared by the pages (feedback, verdicts, messages)."""

from __future__ import annotations

import streamlit as st

from interviewbot.grading.feedback import Feedback
from interviewbot.judge import explain
from interviewbot.judge.models import Verdict
from interviewbot.practice import Summary
from interviewbot.ui import voice
from interviewbot.ui.state import escape_markdown

PAGES: dict = {}  # name -> st.Page, filled by main.run() so pages can link to each other
PRINTED_TESTS_SHOWN = 5  # tests whose printed output is shown in full under a verdict
STATUS_ICON = {
    "covered": ":material/check_circle:",
    "partly": ":material/timelapse:",
    "missed": ":material/cancel:",
}


def clock(seconds: float) -> str:
    """Seconds as mm:ss."""
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def progress_header(session) -> None:
    """Question n/N, track, difficulty, topics and the question id."""
    turn = session.turn
    if turn is None:
        return
    q = turn.question
    st.markdown(
        f"**Question {session.question_number}/{session.config.num_questions}** · "
        f"{q.track.replace('_', ' ')} · {q.difficulty} · {escape_markdown(', '.join(q.topics))}"
    )
    st.caption(f"Question id: `{q.id}`")


def render_transcript(data: dict, avatar=None) -> None:
    """A stored session's chat: each message, with feedback read from its turn and the summary."""
    feedback = {t["id"]: Feedback.model_validate(t["feedback"]) for t in data["turns"] if t.get("feedback")}
    summary = Summary.model_validate(data["summary"]) if data.get("summary") else None
    for msg in data["messages"]:
        with st.chat_message("user" if msg["role"] == "candidate" else "assistant"):
            render_message(msg, feedback.get(msg.get("turn_id")), summary)


def render_message(msg: dict, feedback: Feedback | None = None, summary: Summary | None = None) -> None:
    """One stored chat message; candidate text is always shown literally."""
    kind, meta = msg["kind"], msg.get("meta") or {}
    if msg["role"] == "candidate":
        if kind == "code":
            st.code(msg["content"], language="python")
        else:
            st.text(msg["content"], width="stretch")  # exactly what was typed: no Markdown, links or icons
            voice.spoken_note(meta)
    elif kind == "feedback" and feedback is not None:
        render_feedback(feedback)
    elif kind == "verdict" and meta.get("verdict"):
        render_verdict(Verdict.model_validate(meta["verdict"]))
    elif kind == "summary" and summary is not None:
        render_summary(summary)
    else:
        if kind == "hint":
            st.info(msg["content"], icon=":material/lightbulb:")
        else:
            st.markdown(msg["content"])
        if meta.get("starter_code") and kind == "question":
            st.caption("Write your solution in the editor below.")


def render_feedback(fb: Feedback) -> None:
    """Score, key-point checklist with quoted evidence, citations in an expander, next step."""
    if fb.fallback_reason:  # first: the user should know which grader they are reading
        st.warning(escape_markdown(fb.fallback_reason))
    cols = st.columns([1, 3])
    cols[0].metric("Score", f"{fb.score:.1f}/10")
    with cols[1]:
        st.markdown(escape_markdown(fb.summary))
        if fb.dimensions:
            st.caption(" · ".join(f"{k}: {v:.1f}" for k, v in fb.dimensions.items()))
    if fb.score_cap:
        st.caption(f"Score capped at {fb.score_cap:g} because hints were used.")
    for kp in fb.key_points:
        line = f"{STATUS_ICON[kp.status]} {escape_markdown(kp.text)}"
        if kp.evidence:
            line += f'  \n&nbsp;&nbsp;&nbsp;*your words:* "{escape_markdown(kp.evidence[:200])}"'
        st.markdown(line)
    for label, items in (("Strengths", fb.strengths), ("To improve", fb.improvements)):
        if items:
            st.markdown(f"**{label}:**\n" + "\n".join(f"- {escape_markdown(i)}" for i in items))
    if fb.citations:
        with st.expander(f"Sources ({len(fb.citations)})"):
            for c in fb.citations:
                st.markdown(
                    f"**{escape_markdown(c.heading)}** · {escape_markdown(c.source)} · "
                    f"id `{c.chunk_id[:8]}`  \n"
                    f"> {escape_markdown(c.quote)}"
                )
    if fb.next_step:
        st.markdown(f"**Next:** {escape_markdown(fb.next_step)}")


def render_verdict(v: Verdict, function: str | None = None) -> None:
    """The judge's outcome in words, the error or first failing case, output, and a row per test."""
    (st.success if v.accepted else st.error)(explain.headline(v))
    if v.error is not None:
        st.code("\n".join(explain.error_lines(v.error)), language=None)
    elif v.message and not v.accepted:
        st.text(v.message.strip()[:500])
    ff = v.first_failure
    if ff is not None:
        st.markdown(f"**First failing test:** {escape_markdown(ff.name or f'test {ff.index + 1}')}")
        st.code("\n".join(explain.case_lines(ff, function)), language=None, wrap_lines=True)
        if ff.stdout:
            st.caption("It printed:")
            st.code(ff.stdout[:2000], language=None)
    _render_printed(v, skip=ff.index if ff is not None else None)
    rows = [
        {
            "test": t.name or f"test {t.index + 1}",
            "visibility": "hidden" if t.hidden else "visible",
            "result": explain.words(t.status),
            "ms": round(t.time_ms or 0, 2),
            "printed": t.stdout[:200],
        }
        for t in v.tests
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")


def _render_printed(v: Verdict, skip: int | None) -> None:
    """What the code printed in each visible test, under the test's name (the table cuts it short)."""
    printed = [t for t in v.tests if t.stdout and not t.hidden and t.index != skip]
    for t in printed[:PRINTED_TESTS_SHOWN]:
        st.caption(f"{escape_markdown(t.name or f'test {t.index + 1}')} printed:")
        st.code(t.stdout[:2000], language=None)
    if len(printed) > PRINTED_TESTS_SHOWN:
        st.caption(f"{len(printed) - PRINTED_TESTS_SHOWN} more tests printed output (see the table).")


def render_summary(summary: Summary) -> None:
    """End-of-interview scores per track, strongest/weakest topics and a study plan."""
    if not summary.questions:
        st.markdown("Interview ended. No question was graded, so there is no score yet.")
        return
    st.markdown(f"### Summary: {summary.overall}/10 over {summary.questions} question(s)")
    cols = st.columns(max(1, len(summary.tracks)))
    for col, (track, score) in zip(cols, summary.tracks.items()):
        col.metric(track.replace("_", " "), f"{score}/10")
    if summary.strongest:
        st.markdown("**Strongest topics:** " + escape_markdown(", ".join(summary.strongest)))
    if summary.weakest:
        st.markdown("**Weakest topics:** " + escape_markdown(", ".join(summary.weakest)))
    for item in summary.study_plan:
        st.markdown(
            f"- **{escape_markdown(item.topic)}**: read *{escape_markdown(item.heading)}* "
            f"({escape_markdown(item.source)})"
        )
