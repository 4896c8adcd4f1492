"""App shell: page config and navigation."""

from __future__ import annotations

import streamlit as st


def _home() -> None:
    st.title("interviewbot")
    st.write("Practise ML-engineer interviews offline: coding, ML theory, system design and behavioral.")


def run() -> None:
    """Render the app."""
    st.set_page_config(page_title="interviewbot", page_icon=":speech_balloon:", layout="wide")
    nav = st.navigation([st.Page(_home, title="Home", default=True)])
    nav.run()
