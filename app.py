"""Streamlit entry point: a thin shell over interviewbot.ui."""

from interviewbot.ui.main import run

run()
