"""Question sets page: browse, upload (validated, all or nothing), remove; add custom guides."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import streamlit as st

from interviewbot.corpus import MAX_GUIDE_BYTES
from interviewbot.errors import ValidationError
from interviewbot.questions import MAX_FILE_BYTES, QuestionBank
from interviewbot.ui import jobs
from interviewbot.ui.state import escape_markdown, flash, services, show_error, show_flash

SET_TYPES = ["yaml", "yml", "json", "jsonl", "csv", "md"]
GUIDE_TYPES = ["md", "txt", "pdf"]
SET_LIMIT_MB = MAX_FILE_BYTES // 2**20  # the uploaders refuse what the validators would
GUIDE_LIMIT_MB = MAX_GUIDE_BYTES // 2**20


def _with_upload(uploaded, fn):
    """Write the upload to a temp file under its own name (it picks the format and appears in errors)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        return fn(path)


def _show_validation(exc: Exception) -> None:
    """Every problem in the file, inline, as plain text (file content is never rendered as Markdown)."""
    if isinstance(exc, ValidationError) and exc.problems:
        st.error(escape_markdown(exc.summary))
        st.markdown("\n".join(f"- {escape_markdown(p)}" for p in exc.problems))
    else:
        show_error(exc)


def _uploader_key(name: str) -> str:
    """A fresh key after each successful add empties the uploader (so the stored file is not re-checked)."""
    return f"{name}_{st.session_state.get(f'_{name}_n', 0)}"


def _reset_uploader(name: str) -> None:
    st.session_state[f"_{name}_n"] = st.session_state.get(f"_{name}_n", 0) + 1


def _browse(bank: QuestionBank) -> None:
    st.subheader("Question sets")
    for qset in bank.all_sets():
        kind = "built-in" if qset.builtin else "custom"
        with st.expander(f"{qset.name} · {kind} · {len(qset.questions)} questions"):
            st.dataframe(
                [
                    {
                        "id": q.id,
                        "track": q.track,
                        "difficulty": q.difficulty,
                        "topics": ", ".join(q.topics),
                        "rubric": "no" if q.needs_rubric else "yes",
                        "prompt": q.prompt[:90],
                    }
                    for q in qset.questions
                ],
                hide_index=True,
                width="stretch",
            )


def _preview(bank: QuestionBank, uploaded):
    """The upload parsed and checked once (kept for the Add button); nothing is stored."""
    kept = st.session_state.get("_set_preview")
    if kept and kept[0] == uploaded.file_id:
        return kept[1]
    qset = _with_upload(uploaded, bank.preview_upload)
    st.session_state["_set_preview"] = (uploaded.file_id, qset)
    return qset


def _upload_set(svc) -> None:
    st.subheader("Add a question set")
    st.caption(
        "YAML or JSON in the documented format; CSV (one row per question, lists separated by |); "
        "Markdown (a ## heading per question, or a plain list of questions). "
        "A file with any problem is rejected whole: nothing is stored."
    )
    uploaded = st.file_uploader(
        "Question set file", type=SET_TYPES, key=_uploader_key("set_upload"), max_upload_size=SET_LIMIT_MB
    )
    if uploaded is None:
        return
    try:
        qset = _preview(svc.bank, uploaded)
    except Exception as exc:
        return _show_validation(exc)
    tracks = sorted({q.track for q in qset.questions})
    st.info(
        f"{escape_markdown(uploaded.name)}: valid set {qset.name!r} with {len(qset.questions)} question(s) "
        f"({', '.join(tracks)})."
    )
    if st.button("Add set", key="btn_add_set", type="primary", icon=":material/add:"):
        jobs.start(f"Adding set {qset.name!r}", lambda progress: _add_set(svc, qset, progress))
        _reset_uploader("set_upload")
        st.rerun()


def _add_set(svc, qset, progress) -> str:
    added = svc.bank.add_set(qset, index=svc.index, progress=progress)
    return f"Added {added.name!r}: {len(added.questions)} question(s), indexed."


def _add_guide(svc, path: Path, progress) -> str:
    n = svc.index.add_guide(path, progress)
    return f"Added guide {path.name}: {n} chunk(s) indexed."


def _remove_set(svc) -> None:
    custom = [s.name for s in svc.bank.all_sets() if not s.builtin]
    if not custom:
        return
    st.subheader("Remove a custom set")
    name = st.selectbox("Custom set", custom, key="rm_set")
    if st.button("Remove set", key="btn_rm_set", icon=":material/delete:"):
        try:
            svc.bank.remove_set(name, index=svc.index)
        except Exception as exc:
            return show_error(exc)
        flash(f"Removed {name!r}.")
        st.rerun()


def _guides(svc) -> None:
    st.subheader("Guides")
    st.caption("Markdown, text or PDF. It is chunked by heading, embedded and cited in feedback.")
    uploaded = st.file_uploader(
        "Guide file", type=GUIDE_TYPES, key=_uploader_key("guide_upload"), max_upload_size=GUIDE_LIMIT_MB
    )
    if uploaded is not None and st.button(
        "Add guide", key="btn_add_guide", type="primary", icon=":material/add:"
    ):
        folder = Path(tempfile.mkdtemp(prefix="interviewbot-guide-"))  # the job's own copy of the upload
        path = folder / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        jobs.start(
            f"Adding guide {path.name!r}",
            lambda progress: (
                f"Added guide {path.name}: {svc.index.add_guide(path, progress)} chunk(s) indexed."
            ),
            cleanup=lambda: shutil.rmtree(folder, ignore_errors=True),
        )
        _reset_uploader("guide_upload")
        st.rerun()
    mine = svc.index.user_guides()
    if not mine:
        return
    st.markdown("**Your guides:** " + escape_markdown(", ".join(p.name for p in mine)))
    name = st.selectbox("Guide", [p.name for p in mine], key="rm_guide")
    if st.button("Remove guide", key="btn_rm_guide", icon=":material/delete:"):
        try:
            svc.index.remove_guide(name)
        except Exception as exc:
            return show_error(exc)
        flash(f"Removed guide {escape_markdown(name)}.")
        st.rerun()


def render() -> None:
    """The Question sets page."""
    st.title("Question sets and guides")
    show_flash()
    jobs.report_finished()  # (the app's sidebar reports first when the page runs inside it)
    try:
        svc = services()
        _browse(svc.bank)
        _upload_set(svc)
        _remove_set(svc)
        _guides(svc)
    except Exception as exc:
        show_error(exc)
