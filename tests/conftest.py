"""Hermetic test setup: every test gets its own INTERVIEWBOT_HOME and no API keys."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Fixtures that start real local servers: fakes speaking a paid service's protocol, throw-away
# PostgreSQL and Chroma servers for the fault tests, and the app in Chromium for browser tests.
pytest_plugins = ["tests.fake_openai", "tests.fake_judge0", "tests.servers", "tests.faults", "tests.browser"]

_SECRET_VARS = (
    "OPENAI_API_KEY",
    "INTERVIEWBOT_API_KEY",
    "OPENAI_BASE_URL",
    "INTERVIEWBOT_BACKEND",
    "INTERVIEWBOT_MODEL",
    "INTERVIEWBOT_DATABASE_URL",
    "INTERVIEWBOT_CHROMA_URL",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Point the data dir at tmp_path and remove any real credentials from the environment."""
    home = tmp_path / "ibhome"
    monkeypatch.setenv("INTERVIEWBOT_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    for var in _SECRET_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture(scope="session")
def _built_index(tmp_path_factory):
    """The shipped knowledge indexed once per test run (embedding it takes a while)."""
    from interviewbot.config import load_settings
    from interviewbot.index import KnowledgeIndex
    from interviewbot.questions import QuestionBank

    home = tmp_path_factory.mktemp("built") / "ibhome"
    mp = pytest.MonkeyPatch()
    mp.setenv("INTERVIEWBOT_HOME", str(home))
    try:
        settings = load_settings()
        KnowledgeIndex(settings).ingest(QuestionBank(settings).all_sets())
    finally:
        mp.undo()
    return home


@pytest.fixture
def indexed_home(_built_index, isolated_home):
    """This test's INTERVIEWBOT_HOME, pre-filled with a copy of the built index."""
    import shutil

    shutil.copytree(_built_index, isolated_home, dirs_exist_ok=True)
    return isolated_home
