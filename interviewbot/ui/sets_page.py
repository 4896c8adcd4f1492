"""Question sets page: browse, upload (validated, all or nothing), remove; add custom guides."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from interviewbot.bank import QuestionBank
from interviewbot.errors import ValidationError
from interviewbot.ui.state import escape_markdown, services, show_error


def _with_upload(uploaded, fn):
    """Write the upload to a temp file under its own name (the name picks the format and appears in errors)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        return fn(path)


def _show_validation(exc: Exception) -> None:
    if isinstance(exc, ValidationError) and exc.problems:
        st.error(exc.summary)
        st.markdown("\n".join(f"- {escape_markdown(p)}" for p in exc.problems))
    else:
        show_error(exc)


def _browse(bank: QuestionBank) -> None:
    for qset in bank.all_sets():
        kind = "built-in" if qset.builtin else "custom"
        with st.expander(f"{qset.name} · {kind} · {len(qset.questions)} questions"):
            st.dataframe([{"id": q.id, "track": q.track, "difficulty": q.difficulty, "topics": ", ".join(q.topics),
                           "rubric": "no" if q.needs_rubric else "yes", "prompt": q.prompt[:90]}
                          for q in qset.questions], hide_index=True, use_container_width=True)


def _upload_set(svc) -> None:
    st.subheader("Add a question set")
    st.caption("YAML or JSON in the documented format; CSV (one row per question, lists separated by |); "
               "Markdown (a ## heading per question, or a plain list of questions).")
    uploaded = st.file_uploader("Question set file", type=["yaml", "yml", "json", "csv", "md"], key="set_upload")
    if uploaded is not None and st.button("Validate and add", key="btn_add_set", type="primary"):
        try:
            qset = _with_upload(uploaded, lambda p: svc.bank.add_set(p, index=svc.index))
        except Exception as exc:
            return _show_validation(exc)
        st.success(f"Added {qset.name!r}: {len(qset.questions)} question(s), indexed.")


def _remove_set(svc) -> None:
    custom = [s.name for s in svc.bank.all_sets() if not s.builtin]
    if not custom:
        return
    st.subheader("Remove a custom set")
    name = st.selectbox("Custom set", custom, key="rm_set")
    if st.button("Remove set", key="btn_rm_set"):
        try:
            svc.bank.remove_set(name, index=svc.index)
            st.success(f"Removed {name!r}.")
            st.rerun()
        except Exception as exc:
            show_error(exc)


def _upload_guide(svc) -> None:
    st.subheader("Add a guide")
    st.caption("Markdown, text or PDF. It is chunked by heading, embedded and cited in feedback.")
    uploaded = st.file_uploader("Guide file", type=["md", "txt", "pdf"], key="guide_upload")
    if uploaded is not None and st.button("Add guide", key="btn_add_guide", type="primary"):
        try:
            n = _with_upload(uploaded, svc.index.add_guide)
        except Exception as exc:
            return _show_validation(exc)
        st.success(f"Added guide {uploaded.name!r}: {n} chunk(s) indexed.")


def render() -> None:
    """The Question sets page."""
    st.title("Question sets and guides")
    svc = services()
    _browse(svc.bank)
    _upload_set(svc)
    _remove_set(svc)
    _upload_guide(svc)
