"""App shell: page config and navigation between the four pages."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

import streamlit as st

from interviewbot.ui import interview_page, jobs, review_page, sets_page, settings_page, widgets
from interviewbot.ui.state import show_error

ICON = Path(__file__).parent / "assets" / "icon.png"


def _guarded(render):
    """A page that shows any unexpected error as a message, never a traceback."""

    @wraps(render)
    def page() -> None:
        try:
            render()
        except Exception as exc:  # st.rerun/st.switch_page raise BaseException subclasses: not caught
            show_error(exc)

    return page


def run() -> None:
    """Render the app."""
    # A file of ours, not a `:material/...:` icon: those are fetched from a fonts CDN.
    st.set_page_config(page_title="interviewbot", page_icon=str(ICON), layout="wide")
    pages = {
        "interview": st.Page(
            _guarded(interview_page.render),
            title="Interview",
            icon=":material/forum:",
            url_path="interview",
            default=True,
        ),
        "review": st.Page(
            _guarded(review_page.render), title="Review", icon=":material/history:", url_path="review"
        ),
        "sets": st.Page(
            _guarded(sets_page.render),
            title="Question sets",
            icon=":material/library_books:",
            url_path="sets",
        ),
        "settings": st.Page(
            _guarded(settings_page.render), title="Settings", icon=":material/settings:", url_path="settings"
        ),
    }
    widgets.PAGES.update(pages)
    with st.sidebar:  # background jobs (indexing an upload): progress and outcome on every page
        jobs.report_finished()
        jobs.show_progress()
    st.navigation(list(pages.values())).run()
