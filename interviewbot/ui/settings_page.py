"""Settings page: LLM backend for this browser session, retrieval depth, index status."""

from __future__ import annotations

import streamlit as st

from interviewbot.config import (
    BACKEND_LABELS,
    BACKENDS,
    LLM_TIMEOUT_HELP,
    LLM_TIMEOUT_RANGE,
    RETRIEVAL_K_RANGE,
    STRUCTURED_METHODS,
    load_settings,
)
from interviewbot.index import GUIDES, QUESTIONS
from interviewbot.llm_support import list_models
from interviewbot.ui.state import apply_overrides, browser_settings, escape_markdown, services, show_error

HELP = {
    "offline": "No network, no key: rubric grading with cited guide sections (the default).",
    "openai": "OpenAI's API. Uses OPENAI_API_KEY from the environment, or a key entered below.",
    "openai-compatible": "Any OpenAI-compatible server: Ollama, vLLM, llama.cpp server, LM Studio "
    "(base URL such as http://localhost:11434/v1).",
}


def _backend_form() -> None:
    current = browser_settings()
    env_key = bool(load_settings().api_key)
    session_key = bool((st.session_state.get("llm_overrides") or {}).get("api_key"))
    with st.form("llm"):
        backend = st.selectbox(
            "Backend",
            BACKENDS,
            index=BACKENDS.index(current.backend),
            key="set_backend",
            format_func=BACKEND_LABELS.get,
            help=" ".join(HELP.values()),
        )
        model = st.text_input("Model", value=current.model, key="set_model")
        base_url = st.text_input(
            "Base URL (OpenAI-compatible servers)",
            value=current.base_url,
            placeholder="http://localhost:11434/v1",
            key="set_base_url",
        )
        hint = (
            "a key for this browser session is set; leave empty to keep it"
            if session_key
            else "using the key from the environment"
            if env_key
            else ""
        )
        key = st.text_input(
            "API key (kept in this browser session only, never written to disk)",
            type="password",
            placeholder=hint,
            key="set_api_key",
        )
        method = st.selectbox(
            "Structured output method",
            STRUCTURED_METHODS,
            index=STRUCTURED_METHODS.index(current.structured_method),
            key="set_method",
        )
        timeout = st.number_input(
            "Time budget per LLM grade or reply (seconds)",
            *LLM_TIMEOUT_RANGE,
            value=float(current.llm_timeout_s),
            step=10.0,
            key="set_timeout",
            help=LLM_TIMEOUT_HELP,
        )
        k = st.slider(
            "Retrieval depth (guide chunks per query)", *RETRIEVAL_K_RANGE, current.retrieval_k, key="set_k"
        )
        saved = st.form_submit_button("Apply", type="primary")
    if saved:
        _apply(backend, model, base_url, key, method, k, timeout, current)
    st.caption(HELP[browser_settings().backend] + " " + LLM_TIMEOUT_HELP)


def _apply(backend, model, base_url, key, method, k, timeout, current) -> None:
    overrides = {
        "backend": backend,
        "model": model.strip() or current.model,
        "base_url": base_url.strip(),
        "structured_method": method,
        "retrieval_k": k,
        "llm_timeout_s": float(timeout),
    }
    kept_key = (st.session_state.get("llm_overrides") or {}).get("api_key")
    if key or kept_key:
        overrides["api_key"] = key or kept_key
    if backend != "offline" and overrides["base_url"] and not _server_ok(overrides):
        return  # an unreachable or foreign server is not applied
    try:
        apply_overrides(overrides)
    except Exception as exc:
        return show_error(exc)
    what = "offline grading" if backend == "offline" else f"{BACKEND_LABELS[backend]} ({overrides['model']})"
    st.success(f"Applied for this browser session: {escape_markdown(what)}, retrieval depth {k}.")


def _server_ok(overrides: dict) -> bool:
    """Ask the server which models it serves (`/models`) and say what was found."""
    try:
        models = list_models(overrides["base_url"], overrides.get("api_key", ""))
    except Exception as exc:
        show_error(exc)
        return False
    served = ", ".join(models[:8]) + (" ..." if len(models) > 8 else "")
    st.info(escape_markdown(f"{overrides['base_url']} serves {len(models)} model(s): {served or 'none'}."))
    if models and overrides["model"] not in models:
        st.warning(
            escape_markdown(f"It does not list {overrides['model']!r}: set the model to one it serves.")
        )
    return True


def _index_status() -> None:
    svc = services()
    st.subheader("Knowledge index")
    st.write(
        f"{svc.index.count(GUIDES)} guide chunks and {svc.index.count(QUESTIONS)} questions indexed "
        f"in `{svc.settings.index_dir}`."
    )
    if st.button("Refresh index", key="btn_reindex", icon=":material/refresh:"):
        bar = st.progress(0.0, text="Checking for changes...")
        try:
            report = svc.index.ingest(
                progress=lambda d, t, s: bar.progress(min(1.0, d / max(t, 1)), text=f"{s}: {d}/{t}")
            )
        except Exception as exc:
            return show_error(exc)
        finally:
            bar.empty()
        st.success(f"Index up to date: {report.added_line()} ({report.seconds:.1f} s).")


def render() -> None:
    """The Settings page."""
    st.title("Settings")
    try:
        _backend_form()
        _index_status()
    except Exception as exc:
        show_error(exc)
    st.caption(f"Data directory: `{load_settings().home}` (set INTERVIEWBOT_HOME to move it).")
