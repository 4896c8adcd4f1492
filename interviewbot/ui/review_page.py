"""Review page: past sessions with filters, transcripts, downloads and progress charts."""

from __future__ import annotations

from datetime import UTC, datetime, time

import streamlit as st

from interviewbot.exports import export_session
from interviewbot.practice import DUE_SCORE, is_due, question_stats, rank_topics, topic_stats
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
            "avg score": "not graded" if r["avg_score"] is None else f"{r['avg_score']:.1f}",
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
            export_session(data, fmt),
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
                    # Vega picks a tick format per zoom level, so close ticks never repeat a label
                    "axis": {"labelAngle": -30, "labelOverlap": True},
                },
                "y": {"field": "score", "type": "quantitative", "scale": {"domain": [0, 10]}},
                "color": {"field": "track", "type": "nominal"},
            },
        },
        width="stretch",
    )


def _topic_chart(topics: dict) -> list[str]:
    """Mean score per topic, weakest first; returns the weakest topics."""
    if not topics:
        return []
    ranked = sorted(topics.items(), key=lambda kv: kv[1]["mean_score"])
    st.markdown("**Per-topic mean score** (weakest first)")
    rows = [{"topic": t, "mean score": s["mean_score"], "answers": s["n"]} for t, s in ranked]
    st.vega_lite_chart(
        rows,
        {
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {"field": "topic", "type": "nominal", "sort": None, "axis": {"labelLimit": 400}},
                "x": {"field": "mean score", "type": "quantitative", "scale": {"domain": [0, 10]}},
            },
        },
        width="stretch",
    )
    strong, weak = rank_topics({t: s["mean_score"] for t, s in ranked}, limit=5)
    st.markdown(
        f"**Strengths:** {escape_markdown(', '.join(strong)) or '-'}  \n"
        f"**Weaknesses:** {escape_markdown(', '.join(weak)) or '-'}"
    )
    return weak


def _due_list(svc, points: list[dict]) -> list[str]:
    """The questions due for another try, by their prompt; returns their ids."""
    stats = question_stats(points)
    due = sorted(
        ((qid, s) for qid, s in stats.items() if is_due(s.get("last_score"))),
        key=lambda x: x[1]["last_score"],
    )
    st.markdown(
        f"**Due for another try** ({len(due)}): questions last scored below {DUE_SCORE:g}; "
        "they come back first in your next interview."
    )
    known = {q.id: q for q in svc.bank.questions()}
    due = [(known[qid], s) for qid, s in due if qid in known]  # a removed set's questions drop out
    if due:
        st.dataframe(
            [
                {
                    "question": q.prompt if len(q.prompt) <= 120 else q.prompt[:117] + "...",
                    "track": TRACK_LABELS[q.track],
                    "last score": s["last_score"],
                    "attempts": s["attempts"],
                }
                for q, s in due
            ],
            hide_index=True,
            width="stretch",
        )
    return [q.id for q, _ in due]


def _practice_buttons(svc, weak: list[str], due: list[str]) -> None:
    """One-click starts: the weakest topics, or the questions due."""
    left, right = st.columns(2)
    if weak and left.button("Practise my weak topics", key="btn_weak", icon=":material/fitness_center:"):
        tracks = sorted({q.track for q in svc.bank.questions(topics=weak)}) or ["ml_theory"]
        _start_interview({"tracks": tracks, "topics": weak, "num_questions": min(5, 2 * len(weak))})
    if due and right.button("Practise the questions due", key="btn_due", icon=":material/event_repeat:"):
        tracks = sorted({svc.bank.get(qid).track for qid in due})
        _start_interview({"tracks": tracks, "question_ids": due[:10], "num_questions": len(due[:10])})


def _start_interview(config: dict) -> None:
    st.session_state.pop("interview", None)
    st.query_params.clear()
    st.session_state["start_interview"] = config
    st.switch_page(widgets.PAGES["interview"])


def _progress(svc) -> None:
    st.subheader("Progress")
    points = svc.store.progress()
    if not points:
        st.caption("Charts appear after your first graded answer.")
        return
    _score_chart(points)
    weak = _topic_chart(topic_stats(points))
    due = _due_list(svc, points)
    _practice_buttons(svc, weak, due)


def render() -> None:
    """The Review page."""
    st.title("Review")
    try:
        svc = services()
        tab_sessions, tab_progress = st.tabs(["Sessions", "Progress"])
        with tab_sessions:
            picked = _session_table(svc.store, _filters())
            if picked:
                _transcript(svc.store, picked)
        with tab_progress:
            _progress(svc)
    except Exception as exc:
        show_error(exc)
