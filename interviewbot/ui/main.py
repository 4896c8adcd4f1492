"""App shell: page config and navigation between the four pages."""

from __future__ import annotations

from functools import wraps

import streamlit as st

from interviewbot.ui import interview_page, review_page, sets_page, settings_page, widgets
from interviewbot.ui.state import show_error

# The tab icon inline (a speech bubble): a material-icon favicon is fetched from a font CDN, and the
# app makes no request off its own host.
PAGE_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#4b5563" d="M4 3h16a2 2 0 0 1 2 '
    '2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>'
)


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
    st.set_page_config(page_title="interviewbot", page_icon=PAGE_ICON, layout="wide")
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
    st.navigation(list(pages.values())).run()
