"""Review page: past sessions with filters, transcripts, downloads and progress charts."""

from __future__ import annotations

from datetime import UTC, datetime, time

import streamlit as st

from interviewbot.practice import DUE_SCORE, is_due, rank_topics
from interviewbot.ui import widgets
from interviewbot.ui.state import escape_markdown, services, show_error
from interviewbot.vocabulary import TRACK_LABELS, TRACKS

FORMATS = {
    "md": ("Markdown", "text/markdown"),
    "json": ("JSON", "application/json"),
    "html": ("HTML", "text/html"),
}


def _filters() -> dict:
    cols = st.columns(3)
    track = cols[0].selectbox(
        "Track", ["all", *TRACKS], format_func=lambda t: TRACK_LABELS.get(t, "All tracks"), key="rv_track"
    )
    since = cols[1].date_input("Since", value=None, key="rv_since")
    min_score = cols[2].slider("Minimum average score", 0.0, 10.0, 0.0, 0.5, key="rv_min")
    since_dt = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    return {"track": None if track == "all" else track, "since": since_dt, "min_score": min_score or None}


def _label(row: dict) -> str:
    score = "not graded" if row["avg_score"] is None else f"avg {row['avg_score']:.1f}/10"
    return (
        f"{row['id'][:8]} · {str(row['started_at'])[:16].replace('T', ' ')} · "
        f"{', '.join(row['tracks'])} · {row['status']} · {score}"
    )


def _session_table(store, filters) -> str | None:
    rows = store.list_sessions(**filters)
    if not rows:
        st.info("No sessions match. Finish an interview on the Interview page to see it here.")
        return None
    table = [
        {
            "id": r["id"][:8],
            "started (UTC)": str(r["started_at"])[:16].replace("T", " "),
            "status": r["status"],
            "tracks": ", ".join(r["tracks"]),
            "graded": r["n_graded"],
            "avg score": None if r["avg_score"] is None else round(r["avg_score"], 1),
        }
        for r in rows
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    ids = [r["id"] for r in rows]
    wanted = st.session_state.pop("review_session", None)
    if wanted in ids:
        st.session_state["rv_pick"] = wanted  # arriving from "Review this session"
    labels = {r["id"]: _label(r) for r in rows}
    return st.selectbox("Open a session", ids, format_func=labels.get, key="rv_pick")


def _transcript(store, session_id: str) -> None:
    data = store.get_session(session_id)
    st.subheader(f"Session {session_id[:8]}")
    cols = st.columns(len(FORMATS))
    for col, (fmt, (label, mime)) in zip(cols, FORMATS.items()):
        col.download_button(
            f"Download {label}",
            store.export(session_id, fmt),
            file_name=f"interview-{session_id[:8]}.{fmt}",
            mime=mime,
            key=f"dl_{fmt}",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
    if data["status"] == "active":
        st.caption("This interview is still open: continue it on the Interview page.")
    widgets.render_transcript(data)


def _score_chart(points: list[dict]) -> None:
    rows = [
        {
            "graded": str(p["graded_at"]),
            "score": p["score"],
            "track": p["track"].replace("_", " "),
            "question": p["question_id"],
        }
        for p in points
    ]
    st.markdown("**Score over time, per track**")
    st.vega_lite_chart(
        rows,
        {
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": {
                    "field": "graded",
                    "type": "temporal",
                    "title": None,
                    "axis": {"format": "%d %b %H:%M", "labelAngle": -30, "tickCount": 6},
                },
                "y": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 10]}},
                "color": {"field": "track", "type": "nominal"},
            },
        },
        width="stretch",
    )


def _topic_chart(topics: dict) -> None:
    if not topics:
        return
    ranked = sorted(topics.items(), key=lambda kv: kv[1]["mean_score"])
    st.markdown("**Per-topic mean score** (weakest first)")
    st.bar_chart(
        {"topic": [t for t, _ in ranked], "mean score": [s["mean_score"] for _, s in ranked]},
        x="topic",
        y="mean score",
        horizontal=True,
        sort=False,
    )
    strong, weak = rank_topics({t: s["mean_score"] for t, s in ranked}, limit=5)
    st.markdown(
        f"**Strengths:** {escape_markdown(', '.join(strong)) or '-'}  \n"
        f"**Weaknesses:** {escape_markdown(', '.join(weak)) or '-'}"
    )


def _due_list(store, points: list[dict]) -> None:
    due = [(qid, s) for qid, s in store.question_stats(points).items() if is_due(s.get("last_score"))]
    st.markdown(
        f"**Due for another try** ({len(due)}): questions last scored below {DUE_SCORE:g}; "
        "they come back first in your next interview."
    )
    if due:
        st.dataframe(
            [
                {
                    "question": q,
                    "last score": s["last_score"],
                    "attempts": s["attempts"],
                    "mean score": s["mean_score"],
                }
                for q, s in sorted(due, key=lambda x: x[1]["last_score"])
            ],
            hide_index=True,
            width="stretch",
        )


def _progress(store) -> None:
    st.subheader("Progress")
    points = store.progress()
    if not points:
        st.caption("Charts appear after your first graded answer.")
        return
    _score_chart(points)
    _topic_chart(store.topic_stats(points))
    _due_list(store, points)


def render() -> None:
    """The Review page."""
    st.title("Review")
    try:
        store = services().store
        tab_sessions, tab_progress = st.tabs(["Sessions", "Progress"])
        with tab_sessions:
            picked = _session_table(store, _filters())
            if picked:
                _transcript(store, picked)
        with tab_progress:
            _progress(store)
    except Exception as exc:
        show_error(exc)
