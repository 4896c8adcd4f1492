"""Per-process services (cached) and per-browser-session state for the Streamlit pages."""

from __future__ import annotations

import dataclasses

import streamlit as st

from interviewbot.config import load_settings
from interviewbot.errors import InterviewbotError


@st.cache_resource(show_spinner=False)
def _shared_services():
    """Embedder, index, bank, judge and store: one per server process."""
    from interviewbot.interview import Services

    return Services.build(load_settings().with_overrides(backend="offline"))


def ensure_index(services) -> None:
    """First start: build the index with a visible progress bar."""
    if st.session_state.get("_index_checked"):
        return
    if not services.index.is_built():
        bar = st.progress(0.0, text="Building the knowledge index (first start only)...")

        def progress(done: int, total: int, stage: str) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Embedding {stage}: {done}/{total}")

        services.index.ingest(progress=progress)
        bar.empty()
    st.session_state["_index_checked"] = True


def browser_settings():
    """Settings with this browser session's overrides (backend, model, key: never written to disk)."""
    overrides = st.session_state.get("llm_overrides") or {}
    return load_settings().with_overrides(**overrides) if overrides else load_settings()


def services():
    """Shared services with this browser session's LLM backend plugged in."""
    shared = _shared_services()
    ensure_index(shared)
    settings = browser_settings()
    if settings.backend == "offline":
        return shared
    mine = dataclasses.replace(shared, settings=settings)
    mine.use_backend(settings)
    return mine


def show_error(exc: Exception) -> None:
    """A readable error, never a traceback."""
    if isinstance(exc, InterviewbotError):
        st.error(str(exc))
    else:
        st.error(f"Something went wrong: {type(exc).__name__}: {exc}. Nothing you submitted was lost.")


def escape_markdown(text: str) -> str:
    """Show user text literally: no Markdown images/links/HTML get interpreted."""
    specials = "\\`*_{}[]()<>#+-.!|~"
    return "".join("\\" + ch if ch in specials else ch for ch in text)
