"""The real-model tier (`make test-llm`, never collected by `make test`): llama-cpp-python 0.3.36's
OpenAI-compatible server (built into .venv-llm by scripts/llm/build_server.sh) serving
Qwen2.5-Coder-1.5B-Instruct Q4_K_M (assembled by scripts/llm/fetch_model.py) on a free 127.0.0.1 port.

Quality tests reach the server through a recording proxy; with RECORD_LLM_REPLIES=1 the exchanges
are saved to tests/data/llm_replies/ for the replay tests of `make test`. Every test reports its
figures (latency, tokens), printed at the end of the run and saved to .venv-llm/figures.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import _built_index, indexed_home, isolated_home  # noqa: F401 - fixtures
from tests_llm.recorder import RecordingProxy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "llm"))

from fetch_model import MODEL_NAME, SHA256, model_path  # noqa: E402
from server import MODEL_ALIAS, LlamaServer  # noqa: E402

# INTERVIEWBOT_LLM_TIMEOUT for this CPU-bound model (the slow-model setting): a grade takes about a
# minute on 2 idle cores, but 4-5 minutes on one core of a machine that other jobs keep busy.
SLOW_BUDGET_S = float(os.environ.get("LLM_TIER_BUDGET") or 600)
REPLIES_DIR = ROOT / "tests" / "data" / "llm_replies"
FIGURES_FILE = ROOT / ".venv-llm" / "figures.json"
RECORDED_WITH = f"llama-cpp-python 0.3.36 server; {MODEL_NAME} (sha256 {SHA256[:16]}...); 2 threads"
FIGURES: list[dict] = []


def figure(test: str, **values) -> None:
    """Report a measured figure of this run (printed at the end, saved for the README)."""
    FIGURES.append({"test": test} | values)


def record(name: str, exchanges: list[dict], **context) -> None:
    """Save real exchanges as a replay fixture (only with RECORD_LLM_REPLIES=1)."""
    if os.environ.get("RECORD_LLM_REPLIES") != "1":
        return
    REPLIES_DIR.mkdir(parents=True, exist_ok=True)
    data = {"recorded_with": RECORDED_WITH} | context | {"exchanges": exchanges}
    (REPLIES_DIR / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


@pytest.fixture(scope="session")
def llama_server():
    """The real server, started once (the model file is assembled on first use)."""
    with LlamaServer(model_path(), ROOT / ".venv-llm" / "server.log") as server:
        figure("server", threads=server.threads, load_average=os.getloadavg()[0], cores=os.cpu_count())
        yield server


@pytest.fixture(scope="session")
def recorder(llama_server):
    proxy = RecordingProxy(llama_server.base_url).start()
    yield proxy
    proxy.stop()


def use_server(monkeypatch, base_url: str, budget: float | None = SLOW_BUDGET_S) -> None:
    """Point the settings at a model server (budget None: the default one)."""
    monkeypatch.setenv("INTERVIEWBOT_BACKEND", "openai-compatible")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("INTERVIEWBOT_MODEL", MODEL_ALIAS)
    monkeypatch.setenv("INTERVIEWBOT_LLM_RETRIES", "0")
    if budget is not None:
        monkeypatch.setenv("INTERVIEWBOT_LLM_TIMEOUT", str(budget))


@pytest.fixture
def llm_env(recorder, monkeypatch):
    """Settings for the real model behind the recorder, with the slow-model budget."""
    use_server(monkeypatch, recorder.url + "/v1")
    recorder.take()  # drop anything left over by an earlier test
    return recorder


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("real-model figures")
    for row in FIGURES:
        terminalreporter.write_line(json.dumps(row))
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    FIGURES_FILE.write_text(json.dumps(FIGURES, indent=1) + "\n")
