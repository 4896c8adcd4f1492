"""The shipped vector pack: fresh, faithful to the embedder, verified at load, used by ingest."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from interviewbot.config import load_settings
from interviewbot.embeddings import get_embedder
from interviewbot.index import KnowledgeIndex, shipped_texts
from interviewbot.questions import QuestionBank
from interviewbot.vectorpack import PACK_NAME, build_pack, load_pack, text_key

KNOWLEDGE = load_settings().knowledge_dir


@pytest.fixture(scope="module")
def texts():
    settings = load_settings()
    return shipped_texts(settings, [s for s in QuestionBank(settings).all_sets() if s.builtin])


def test_pack_holds_every_shipped_text(texts):
    pack = load_pack(KNOWLEDGE / PACK_NAME)
    assert pack is not None, (
        "knowledge/vectors.npz is missing or was built by another embedder: run `make vectors`"
    )
    missing = [t[:60] for t in texts if text_key(t) not in pack.rows]
    assert not missing, f"{len(missing)} shipped text(s) have no vector: run `make vectors` ({missing[:3]})"
    assert len(pack) == len({text_key(t) for t in texts}), "the pack holds stale vectors: run `make vectors`"


def test_packed_vectors_match_the_embedder(texts):
    sample = texts[:: max(1, len(texts) // 12)]
    packed = np.array(load_pack(KNOWLEDGE / PACK_NAME).lookup(sample))
    fresh = get_embedder().embed(sample)
    cosines = np.sum(packed * fresh, axis=1) / np.linalg.norm(packed, axis=1)
    assert cosines.min() > 0.999, cosines.min()


def _copy_pack(tmp_path, edit=None):
    with np.load(KNOWLEDGE / PACK_NAME, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    if edit:
        edit(arrays)
    path = tmp_path / PACK_NAME
    np.savez_compressed(path, **arrays)
    return path


def test_damaged_or_foreign_pack_is_ignored(tmp_path, caplog):
    def flip(arrays):
        arrays["vectors"] = arrays["vectors"].copy()
        arrays["vectors"][0, 0] += np.float16(0.5)

    def other_embedder(arrays):
        meta = json.loads(str(arrays["meta"]))
        arrays["meta"] = np.array(json.dumps(meta | {"embedder": "some-other-model:0:0"}))

    assert load_pack(_copy_pack(tmp_path)) is not None
    assert load_pack(_copy_pack(tmp_path, flip)) is None and "checksum" in caplog.text
    assert load_pack(_copy_pack(tmp_path, other_embedder)) is None and "some-other-model" in caplog.text
    (tmp_path / PACK_NAME).write_bytes(b"not a zip")
    assert load_pack(tmp_path / PACK_NAME) is None


def test_ingest_takes_packed_vectors_and_embeds_only_the_rest(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    (knowledge / "guides").mkdir(parents=True)
    (knowledge / "questions").mkdir()
    (knowledge / "guides" / "a.md").write_text("# A\n\n## One\n\n" + "alpha beta gamma delta " * 10)
    (knowledge / "guides" / "b.md").write_text("# B\n\n## Two\n\n" + "epsilon zeta eta theta " * 10)
    monkeypatch.setenv("INTERVIEWBOT_KNOWLEDGE", str(knowledge))
    settings = load_settings()
    texts = shipped_texts(settings, [])
    build_pack(texts[:1], get_embedder(), knowledge / PACK_NAME)  # a pack for a.md only
    index = KnowledgeIndex(settings)
    before = get_embedder().texts_embedded
    report = index.ingest([])
    assert report.guides.embedded == 2 and get_embedder().texts_embedded - before == 1
    assert report.guides.from_pack == 1 and report.added_line() == "2 added now, 1 of them embedded here"
    assert index.ingest([]).added_line() == "nothing changed"
    assert index.search("alpha beta gamma", k=1)[0].source == "guides/a.md"
    assert os.path.getsize(knowledge / PACK_NAME) < 10_000
