"""Review page: past sessions with filters, transcripts, downloads and progress charts."""

from __future__ import annotations

from datetime import datetime, time, timezone

import streamlit as st

from interviewbot.interview import DUE_SCORE
from interviewbot.questions import TRACKS
from interviewbot.ui import widgets
from interviewbot.ui.state import services, show_error

FORMATS = {"md": ("Markdown", "text/markdown"), "json": ("JSON", "application/json"),
           "html": ("HTML", "text/html")}


def _filters():
    cols = st.columns(3)
    track = cols[0].selectbox("Track", ["all", *TRACKS], key="rv_track")
    since = cols[1].date_input("Since", value=None, key="rv_since")
    min_score = cols[2].slider("Minimum average score", 0.0, 10.0, 0.0, 0.5, key="rv_min")
    since_dt = datetime.combine(since, time.min, tzinfo=timezone.utc) if since else None
    return {"track": None if track == "all" else track, "since": since_dt, "min_score": min_score or None}


def _session_table(store, filters) -> str | None:
    rows = store.list_sessions(**filters)
    if not rows:
        st.info("No sessions match. Finish an interview on the Interview page to see it here.")
        return None
    table = [{"id": r["id"][:8], "started": str(r["started_at"])[:16].replace("T", " "), "status": r["status"],
              "tracks": ", ".join(r["tracks"]), "graded": r["n_graded"],
              "avg score": None if r["avg_score"] is None else round(r["avg_score"], 1)} for r in rows]
    st.dataframe(table, hide_index=True, use_container_width=True)
    ids = [r["id"] for r in rows]
    wanted = st.session_state.get("review_session")
    index = ids.index(wanted) if wanted in ids else 0
    labels = {r["id"]: f"{r['id'][:8]} · {str(r['started_at'])[:16]} · {', '.join(r['tracks'])}" for r in rows}
    return st.selectbox("Open a session", ids, index=index, format_func=labels.get, key="rv_pick")


def _transcript(store, session_id: str) -> None:
    data = store.get_session(session_id)
    st.subheader(f"Session {session_id[:8]}")
    cols = st.columns(len(FORMATS))
    for col, (fmt, (label, mime)) in zip(cols, FORMATS.items()):
        col.download_button(f"Download {label}", store.export(session_id, fmt), file_name=f"interview-{session_id[:8]}.{fmt}",
                            mime=mime, key=f"dl_{fmt}", use_container_width=True)
    for msg in data["messages"]:
        with st.chat_message("user" if msg["role"] == "candidate" else "assistant"):
            widgets.render_message(msg)


def _progress(store) -> None:
    st.subheader("Progress")
    points = store.progress()
    if not points:
        st.caption("Charts appear after your first graded answer.")
        return
    by_track: dict[str, dict] = {}
    for p in points:
        by_track.setdefault(p["track"], {})[str(p["graded_at"])[:19]] = p["score"]
    series = sorted({t for pts in by_track.values() for t in pts})
    chart = {track: [pts.get(t) for t in series] for track, pts in by_track.items()}
    st.markdown("**Score over time, per track**")
    st.line_chart({"time": series, **chart}, x="time")
    topics = store.topic_stats()
    if topics:
        st.markdown("**Per-topic mean score** (weakest first)")
        ranked = sorted(topics.items(), key=lambda kv: kv[1]["mean_score"])
        st.bar_chart({"topic": [t for t, _ in ranked], "mean score": [s["mean_score"] for _, s in ranked]},
                     x="topic", y="mean score", horizontal=True)
    due = [(qid, s) for qid, s in store.question_stats().items()
           if s.get("last_score") is not None and s["last_score"] < DUE_SCORE]
    st.markdown(f"**Due for another try** ({len(due)}): they come back first in your next interview.")
    if due:
        st.dataframe([{"question": q, "last score": s["last_score"], "attempts": s["attempts"]} for q, s in due],
                     hide_index=True, use_container_width=True)


def render() -> None:
    """The Review page."""
    st.title("Review")
    store = services().store
    try:
        tab_sessions, tab_progress = st.tabs(["Sessions", "Progress"])
        with tab_sessions:
            picked = _session_table(store, _filters())
            if picked:
                _transcript(store, picked)
        with tab_progress:
            _progress(store)
    except Exception as exc:
        show_error(exc)
