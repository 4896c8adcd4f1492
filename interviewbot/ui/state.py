"""Per-process services (cached) and per-browser-session state for the Streamlit pages."""

from __future__ import annotations

import streamlit as st

from interviewbot.config import load_settings
from interviewbot.errors import InterviewbotError

# Settings a browser session may override; they never leave st.session_state (no disk, no logs).
OVERRIDE_FIELDS = (
    "backend",
    "model",
    "base_url",
    "api_key",
    "structured_method",
    "retrieval_k",
    "llm_timeout_s",
)


@st.cache_resource(show_spinner=False, max_entries=4)
def _shared_services(home: str, database_url: str, chroma_url: str, knowledge_dir: str):
    """Embedder, index, bank, judge and store: one per server process and data directory.

    Keyed by where the data lives, so a process serving another INTERVIEWBOT_HOME (tests do)
    never reuses a store or index opened for a different one.
    """
    from interviewbot.services import Services

    return Services.build(load_settings().with_overrides(backend="offline"))


def _base_services():
    s = load_settings()
    return _shared_services(str(s.home), s.database_url, s.chroma_url, str(s.knowledge_dir))


def ensure_index(services) -> None:
    """First start: build the index with a visible progress bar."""
    if st.session_state.get("_index_checked"):
        return
    if not services.index.probably_built():
        bar = st.progress(0.0, text="Building the knowledge index (first start only)...")

        def progress(done: int, total: int, stage: str) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"Embedding {stage}: {done}/{total}")

        report = services.ingest(progress=progress)
        bar.empty()
        st.toast(
            f"Knowledge index built: {report.embedded} items in {report.seconds:.0f} s.",
            icon=":material/check:",
        )
    st.session_state["_index_checked"] = True


def browser_settings():
    """Settings with this browser session's overrides (backend, model, key: never written to disk)."""
    overrides = st.session_state.get("llm_overrides") or {}
    return load_settings().with_overrides(**overrides) if overrides else load_settings()


def services():
    """Shared services, adapted to this browser session's settings (cached per session)."""
    shared = _base_services()
    ensure_index(shared)
    settings = browser_settings()
    if settings == shared.settings:
        return shared
    cached = st.session_state.get("_services")
    if cached is None or cached[0] is not shared or cached[1] != settings:
        cached = (shared, settings, shared.with_settings(settings))
        st.session_state["_services"] = cached
    return cached[2]


def apply_overrides(overrides: dict):
    """Validate and keep this browser session's settings; the backend is built now so errors show here."""
    unknown = set(overrides) - set(OVERRIDE_FIELDS)
    if unknown:
        raise ValueError(f"not a browser-session setting: {', '.join(sorted(unknown))}")
    previous = st.session_state.get("llm_overrides")
    st.session_state["llm_overrides"] = dict(overrides)
    try:
        browser_settings()
        return services()
    except Exception:
        if previous is None:
            st.session_state.pop("llm_overrides", None)
        else:
            st.session_state["llm_overrides"] = previous
        raise


def flash(message: str, kind: str = "success") -> None:
    """A message shown once on the next run (survives st.rerun)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind)(message)


def show_error(exc: Exception) -> None:
    """A readable error, never a traceback."""
    # Messages quote file names, ids and answers: shown literally, never as Markdown.
    if isinstance(exc, InterviewbotError):
        st.error(escape_markdown(str(exc)))
    else:
        st.error(
            escape_markdown(
                f"Something went wrong: {type(exc).__name__}: {exc}. Nothing you submitted was lost."
            )
        )


_MD_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:=")


def escape_markdown(text: str) -> str:
    """Show user text literally: no Markdown, links, images, HTML, LaTeX or icon codes get interpreted."""
    escaped = "".join("\\" + ch if ch in _MD_SPECIALS else ch for ch in text)
    # The frontend expands `:name:` shortcodes and links bare URLs even when ':' is escaped; a
    # zero-width space after each colon breaks both patterns without changing what is shown.
    escaped = escaped.replace(":", ":\u200b")
    return escaped.replace("\n", "  \n")  # keep the writer's line breaks
