"""The index in server mode under faults: a real `chroma run` server killed (SIGKILL), stopped and
restarted mid-ingest, mid-`questions add` and between searches, or never started at all.

Each fault must end in one clear line naming the server (password hidden) and what to do, or a
successful retry; `questions add` stays all or nothing and `ingest` removes what a failed add
left on the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.errors import IndexServerError
from interviewbot.index import GUIDES, QUESTIONS, KnowledgeIndex
from interviewbot.questions import QuestionBank
from tests.faults import CHROMA_PASSWORD, CHROMA_USER, assert_one_line, assert_one_line_error
from tests.servers import free_port

WORDS = (
    "gradient loss batch weight bias variance layer tensor feature label metric recall precision "
    "embedding token model training inference cluster shard replica latency throughput cache"
).split()
BUILTIN_SET = """name: builtin-mini
questions:
  - id: mlt-gd
    track: ml_theory
    topics: [optimization]
    prompt: Explain gradient descent.
    key_points: [moves against the gradient]
  - id: mlt-bv
    track: ml_theory
    topics: [generalization]
    prompt: Explain the bias-variance tradeoff.
    key_points: [bias is underfitting, variance is overfitting]
"""


def _guide(n_sections: int) -> str:
    """A guide of `n_sections` distinct sections, one chunk each."""
    parts = ["# Synthetic guide\n"]
    for i in range(n_sections):
        body = " ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(40))
        parts.append(f"## Section {i}\n\nSection {i} explains {body}.\n")
    return "\n".join(parts)


def _big_set(n: int) -> str:
    items = [
        f"  - id: big-{i}\n    track: ml_theory\n    topics: [t{i % 7}]\n"
        f"    prompt: Explain how {WORDS[i % len(WORDS)]} relates to {WORDS[(i * 3 + 1) % len(WORDS)]} ({i}).\n"
        f"    key_points: [{WORDS[(i + 2) % len(WORDS)]} matters for item {i}]\n"
        for i in range(n)
    ]
    return "name: big\nquestions:\n" + "".join(items)


@pytest.fixture
def server_mode(tmp_path, monkeypatch, chroma_server):
    """Settings pointing at the test's Chroma server (with basic-auth credentials to hide)."""

    def use(guide_sections: int) -> str:
        root = tmp_path / "knowledge"
        (root / "guides").mkdir(parents=True)
        (root / "questions").mkdir()
        (root / "guides" / "synthetic.md").write_text(_guide(guide_sections))
        (root / "questions" / "mini.yaml").write_text(BUILTIN_SET)
        monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(root))
        url = f"http://{CHROMA_USER}:{CHROMA_PASSWORD}@127.0.0.1:{chroma_server.port}"
        monkeypatch.setenv("INTERVIEWBOT_CHROMA_URL", url)
        return url

    return use


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "interviewbot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(server, collection: str, above: int, proc: subprocess.Popen) -> int:
    """SIGKILL the server once `collection` holds more than `above` records; returns that count."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        count = server.count(collection)
        if count > above:
            server.kill()
            return count
        time.sleep(0.05)
    raise AssertionError("the command ended before it wrote anything: no fault was injected")


def _finish(proc: subprocess.Popen, fault_output) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=240)
    fault_output.extend([out, err])
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _unreachable_line(server) -> str:
    return f"Cannot reach the Chroma server at http://{CHROMA_USER}:***@127.0.0.1:{server.port}"


@pytest.mark.slow
def test_ingest_killed_mid_way_is_one_line_and_the_next_ingest_finishes(
    server_mode, chroma_server, fault_output
):
    server_mode(guide_sections=130)  # three batches of embeddings: time to kill after the first
    proc = _cli("ingest", "--json")
    written = _kill_when(chroma_server, GUIDES, 0, proc)
    line = assert_one_line_error(_finish(proc, fault_output), _unreachable_line(chroma_server), "chroma run")
    assert "--rebuild" not in line and "interviewbot ingest" in line
    assert written < 130, "the ingest was complete before the kill: no fault was injected"
    chroma_server.start()  # same data directory
    again = fault_output.run_cli("ingest", "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    report = json.loads(again.stdout)
    assert report["guides"]["total"] == 130 and report["guides"]["unchanged"] >= written
    assert chroma_server.count(GUIDES) == 130 and chroma_server.count(QUESTIONS) == 2


@pytest.mark.slow
def test_questions_add_killed_mid_way_stores_nothing_and_ingest_removes_its_vectors(
    server_mode, chroma_server, tmp_path, isolated_home, fault_output
):
    server_mode(guide_sections=3)
    KnowledgeIndex(load_settings(), embedder=get_embedder()).ingest(_sets())
    big = tmp_path / "big.yaml"
    big.write_text(_big_set(150))
    proc = _cli("questions", "add", str(big))
    _kill_when(chroma_server, QUESTIONS, 2, proc)
    line = assert_one_line_error(_finish(proc, fault_output), _unreachable_line(chroma_server))
    assert "interviewbot ingest" in line and "--rebuild" not in line
    assert list((isolated_home / "sets").iterdir()) == []  # the set was not stored, not even half
    listed = fault_output.run_cli("questions", "list", "--json")
    assert "big" not in [s["name"] for s in json.loads(listed.stdout)]
    chroma_server.start()
    stale = chroma_server.count(QUESTIONS) - 2
    assert stale > 0, "the server kept nothing of the failed add: nothing to reconcile was tested"
    report = json.loads(fault_output.run_cli("ingest", "--json").stdout)
    assert report["questions"]["deleted"] == stale and report["questions"]["total"] == 2
    assert chroma_server.count(QUESTIONS) == 2


def _sets():
    """The question sets of this test's knowledge and data dirs."""
    return QuestionBank(load_settings()).all_sets()


class CtrlCAfterIndexing(KnowledgeIndex):
    """The real index, interrupted (Ctrl+C) right after it has indexed a set named `big`."""

    def sync_questions(self, sets, progress=None):
        report = super().sync_questions(sets, progress)
        if any(s.name == "big" for s in sets):
            raise KeyboardInterrupt
        return report


def test_questions_add_interrupted_after_indexing_deletes_its_vectors_on_the_server(
    server_mode, chroma_server, tmp_path, isolated_home
):
    server_mode(guide_sections=3)
    settings = load_settings()
    index = CtrlCAfterIndexing(settings, embedder=get_embedder())
    index.ingest(_sets())
    big = tmp_path / "big.yaml"
    big.write_text(_big_set(5))
    with pytest.raises(KeyboardInterrupt):
        QuestionBank(settings).add_set(big, index=index)
    assert chroma_server.count(QUESTIONS) == 2  # the compensating delete ran on the server
    assert list((isolated_home / "sets").iterdir()) == []


def test_search_fails_in_one_line_while_the_server_is_down_and_recovers_after(
    server_mode, chroma_server, fault_output
):
    server_mode(guide_sections=3)
    index = KnowledgeIndex(load_settings(), embedder=get_embedder())
    index.ingest(_sets())
    assert index.search("gradient loss", k=2)
    for take_down in (chroma_server.stop, chroma_server.kill):  # SIGTERM, then SIGKILL
        take_down()
        with pytest.raises(IndexServerError) as failed:
            index.search("gradient loss", k=2)
        assert_one_line(fault_output.add(str(failed.value)), _unreachable_line(chroma_server))
        chroma_server.start()
        assert [h.heading for h in index.search("Section 1 explains", k=1)]  # same objects, reconnected


def test_server_that_is_not_running_is_one_line_for_every_command(tmp_path, fault_output):
    port = free_port()  # nothing listens there
    env = {"INTERVIEWBOT_CHROMA_URL": f"http://{CHROMA_USER}:{CHROMA_PASSWORD}@127.0.0.1:{port}"}
    qset = tmp_path / "s.yaml"
    qset.write_text(_big_set(2))
    for args in (["search", "gradient"], ["ingest"], ["questions", "add", str(qset)]):
        proc = fault_output.run_cli(*args, env=env)
        line = assert_one_line_error(
            proc, f"127.0.0.1:{port}", "Connection refused", "INTERVIEWBOT_CHROMA_URL"
        )
        assert "--rebuild" not in line and str(tmp_path) not in line
