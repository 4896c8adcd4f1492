"""Rendering helpers shared by the pages (feedback, verdicts, messages)."""

from __future__ import annotations

import streamlit as st

from interviewbot.ui import voice
from interviewbot.ui.state import escape_markdown

PAGES: dict = {}  # name -> st.Page, filled by main.run() so pages can link to each other
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


def render_message(msg: dict) -> None:
    """One stored chat message; candidate text is always shown literally."""
    kind, meta = msg["kind"], msg.get("meta") or {}
    if msg["role"] == "candidate":
        if kind == "code":
            st.code(msg["content"], language="python")
        else:
            st.markdown(escape_markdown(msg["content"]))
            voice.spoken_note(meta)
    elif kind == "feedback" and meta.get("feedback"):
        render_feedback(meta["feedback"])
    elif kind == "verdict" and meta.get("verdict"):
        render_verdict(meta["verdict"])
    elif kind == "summary" and meta.get("summary"):
        render_summary(meta["summary"])
    else:
        if kind == "hint":
            st.info(msg["content"], icon=":material/lightbulb:")
        else:
            st.markdown(msg["content"])
        if meta.get("starter_code") and kind == "question":
            st.caption("Write your solution in the editor below.")


def render_feedback(fb: dict) -> None:
    """Score, key-point checklist with quoted evidence, citations in an expander, next step."""
    cols = st.columns([1, 3])
    cols[0].metric("Score", f"{fb['score']:.1f}/10")
    with cols[1]:
        st.markdown(escape_markdown(fb.get("summary") or ""))
        if fb.get("dimensions"):
            st.caption(" · ".join(f"{k}: {v:.1f}" for k, v in fb["dimensions"].items()))
    if fb.get("score_cap"):
        st.caption(f"Score capped at {fb['score_cap']:g} because hints were used.")
    for kp in fb.get("key_points", []):
        line = f"{STATUS_ICON[kp['status']]} {escape_markdown(kp['text'])}"
        if kp.get("evidence"):
            line += f'  \n&nbsp;&nbsp;&nbsp;*your words:* "{escape_markdown(kp["evidence"][:200])}"'
        st.markdown(line)
    for label, items in (("Strengths", fb.get("strengths")), ("To improve", fb.get("improvements"))):
        if items:
            st.markdown(f"**{label}:**\n" + "\n".join(f"- {escape_markdown(i)}" for i in items))
    if fb.get("citations"):
        with st.expander(f"Sources ({len(fb['citations'])})"):
            for c in fb["citations"]:
                st.markdown(
                    f"**{escape_markdown(c['heading'])}** · {escape_markdown(c['source'])} · "
                    f"id `{c['chunk_id'][:8]}`  \n"
                    f"> {escape_markdown(c['quote'])}"
                )
    if fb.get("fallback_reason"):
        st.warning(escape_markdown(fb["fallback_reason"]))
    if fb.get("next_step"):
        st.markdown(f"**Next:** {escape_markdown(fb['next_step'])}")


def render_verdict(v: dict) -> None:
    """The judge's outcome and a per-test table (hidden tests: pass/fail only)."""
    label = v["verdict"].replace("_", " ").title()
    (st.success if v["verdict"] == "accepted" else st.error)(
        f"{label}: {v['passed']}/{v['total']} tests passed"
    )
    rows = [
        {
            "test": t.get("name") or f"#{t['index']}",
            "visibility": "hidden" if t["hidden"] else "visible",
            "result": "pass" if t["passed"] else t.get("status", "fail"),
            "ms": round(t.get("time_ms") or 0, 2),
        }
        for t in v.get("tests", [])
    ]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    ff = v.get("first_failure")
    if ff:
        st.markdown("**First failing visible test**")
        st.json({k: ff.get(k) for k in ("args", "expected", "got", "error") if ff.get(k) is not None})
    if v.get("stderr_tail"):
        with st.expander("stderr"):
            st.code(v["stderr_tail"])


def render_summary(summary: dict) -> None:
    """End-of-interview scores per track, strongest/weakest topics and a study plan."""
    if not summary.get("questions"):
        st.markdown("Interview ended. No question was graded, so there is no score yet.")
        return
    st.markdown(f"### Summary: {summary['overall']}/10 over {summary['questions']} question(s)")
    cols = st.columns(max(1, len(summary["tracks"])))
    for col, (track, score) in zip(cols, summary["tracks"].items()):
        col.metric(track.replace("_", " "), f"{score}/10")
    if summary.get("strongest"):
        st.markdown("**Strongest topics:** " + escape_markdown(", ".join(summary["strongest"])))
    if summary.get("weakest"):
        st.markdown("**Weakest topics:** " + escape_markdown(", ".join(summary["weakest"])))
    for item in summary.get("study_plan", []):
        st.markdown(
            f"- **{escape_markdown(item['topic'])}**: read *{escape_markdown(item['heading'])}* "
            f"({escape_markdown(item['source'])})"
        )
