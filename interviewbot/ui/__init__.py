"""Streamlit pages (no business logic here: they call the engine and services)."""
