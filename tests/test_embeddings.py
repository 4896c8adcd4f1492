"""The offline embedder: shape, normalisation, batching, adapters, no torch."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from interviewbot.embedding_adapters import ChromaEmbeddingFunction, LangChainEmbeddings
from interviewbot.embeddings import Embedder, get_embedder


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


def test_embed_shape_and_unit_norm(embedder):
    vectors = embedder.embed(["gradient descent", "a cat sat on the mat", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_embed_semantics(embedder):
    a, b, c = embedder.embed(
        [
            "the bias-variance tradeoff in machine learning",
            "bias and variance trade off",
            "recipe for banana bread",
        ]
    )
    assert a @ b > 0.6 > a @ c


def test_batching_matches_single_calls(embedder):
    texts = [f"sentence {i} about {'neural networks ' * (i % 7)}" for i in range(70)]
    small = Embedder(batch_size=4)
    batched = small.embed(texts)
    singles = np.stack([embedder.embed_one(t) for t in texts[:5]])
    assert np.allclose(batched[:5], singles, atol=1e-4)  # order preserved despite length sorting
    assert small.texts_embedded == 70


def test_long_text_is_truncated_not_rejected(embedder):
    vector = embedder.embed_one("word " * 5000)
    assert vector.shape == (384,)


def test_progress_callback_counts_everything():
    seen = []
    Embedder(batch_size=8).embed([f"text {i}" for i in range(20)], progress=seen.append)
    assert sum(seen) == 20 and max(seen) <= 8


def test_chroma_and_langchain_adapters(embedder):
    chroma = ChromaEmbeddingFunction(embedder)
    out = chroma(["hello", "world"])
    assert len(out) == 2 and len(out[0]) == 384
    assert ChromaEmbeddingFunction.name() == "interviewbot-minilm-int8"
    lc = LangChainEmbeddings(embedder)
    assert len(lc.embed_documents(["a", "b"])) == 2
    assert np.allclose(lc.embed_query("hello"), out[0], atol=1e-5)


def test_no_torch_installed():
    assert importlib.util.find_spec("torch") is None, "torch must not be installed (multi-GB, not needed)"


def _count_model_calls(embedder, monkeypatch) -> list[tuple[int, int]]:
    """Record the (rows, width) of every model call the embedder makes (a split call counts once)."""
    shapes, hidden = [], embedder._hidden

    def counted(id_rows):
        shapes.append((len(id_rows), max(len(r) for r in id_rows)))
        return hidden(id_rows)

    monkeypatch.setattr(embedder, "_hidden", counted)
    return shapes


ANSWER = (
    "Regularisation adds a penalty on the size of the weights to the training loss. "
    "L2 shrinks every weight towards zero, while L1 drives many of them to exactly zero. "
    "The penalty trades a little bias for a large drop in variance. "
    "Its strength is a hyperparameter chosen on a validation set, never on the test set. "
    "Dropout and early stopping regularise too, without an explicit penalty term."
).split(". ")


def test_passage_embeds_a_whole_answer_in_one_model_call(embedder, monkeypatch):
    shapes = _count_model_calls(embedder, monkeypatch)
    vectors, states = embedder.embed_passage(ANSWER)
    assert shapes == [(1, shapes[0][1])] and shapes[0][1] <= 256  # one row: [CLS] + sentences + [SEP]
    assert vectors.shape == (len(ANSWER), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    _, alone = embedder.embed_tokens(ANSWER)
    for packed, single in zip(states, alone, strict=True):  # the same pieces, each sentence's own
        assert packed.words == single.words and packed.states.shape == single.states.shape
        assert np.allclose(np.linalg.norm(packed.states, axis=1), 1.0, atol=1e-4)
        # contextual over the row, yet each piece still closest to its own state in the sentence alone
        assert (
            np.argmax(packed.states @ single.states.T, axis=1) == np.arange(len(single.words))
        ).mean() > 0.75


def test_passage_splits_a_long_answer_into_balanced_rows(embedder, monkeypatch):
    shapes = _count_model_calls(embedder, monkeypatch)
    sentences = [
        f"Point {i}: the gradient of the loss tells each weight which way to move." for i in range(60)
    ]
    sentences.insert(7, "word " * 400)  # one sentence longer than the model's window is cut, not refused
    vectors, states = embedder.embed_passage(sentences)
    assert vectors.shape == (61, 384) and len(states) == 61
    assert all(width <= 256 for _, width in shapes) and sum(rows for rows, _ in shapes) >= 5
    assert len(states[7].states) == 254 and len(states[8].states) == len(states[0].states)
    assert embedder.embed_passage([]) == (pytest.approx(np.zeros((0, 384))), [])


def test_rows_split_in_two_halves_give_the_same_states_as_one_call(embedder, monkeypatch):
    whole = Embedder(split_rows=False)
    assert embedder.split_rows and not whole.split_rows  # this machine has 2 cores: split by default
    sessions = []
    states = Embedder._states

    def seen(session, id_rows):
        sessions.append((session, len(id_rows)))
        return states(session, id_rows)

    monkeypatch.setattr(Embedder, "_states", staticmethod(seen))
    sentences = [f"Step {i}: shuffle the data, then take a mini-batch of size {2**i}." for i in range(40)]
    texts = ["gradient descent", "a much longer text about regularisation and weight decay " * 5, "ok"]
    split = embedder.embed_passage(sentences), embedder.embed_tokens(texts)
    used = {id(s) for s, _ in sessions}
    assert len(used) == 2 and all(rows >= 1 for _, rows in sessions)  # two sessions, a half each
    sessions.clear()
    one = whole.embed_passage(sentences), whole.embed_tokens(texts)
    assert {id(s) for s, _ in sessions} == {id(whole._session)}
    for (vec_a, st_a), (vec_b, st_b) in zip(split, one, strict=True):
        assert np.allclose(vec_a, vec_b, atol=1e-4)
        for a, b in zip(st_a, st_b, strict=True):
            assert a.words == b.words and np.allclose(a.states, b.states, atol=1e-3)


def test_overlapping_calls_are_not_split(embedder, monkeypatch):
    sessions = []
    states = Embedder._states
    monkeypatch.setattr(
        Embedder, "_states", staticmethod(lambda s, rows: sessions.append(s) or states(s, rows))
    )
    monkeypatch.setattr(embedder, "_in_flight", 1)  # another user's call is running
    embedder.embed_passage([f"Sentence {i} says something about gradient clipping." for i in range(40)])
    assert sessions and all(s is embedder._session for s in sessions)
    assert embedder._in_flight == 1  # its own count is taken back


def test_cut_balances_padded_work():
    from interviewbot.embeddings import _cut

    rows = [[1] * n for n in (140, 140)]
    assert _cut(rows) == 1
    assert _cut([[1] * n for n in (10, 10, 10, 10, 200)]) == 4  # four short rows against one long
    assert _cut([[1] * 20] * 9) in (4, 5)


def test_pack_keeps_order_and_fills_the_fewest_rows():
    from interviewbot.embeddings import _pack

    for lengths in ([100, 100, 100], [120, 120, 20], [10] * 50, [254, 1, 254], [30, 200, 30, 200, 30]):
        rows = _pack(lengths, 254)
        assert [i for row in rows for i in row] == list(range(len(lengths)))
        assert all(sum(lengths[i] for i in row) <= 254 for row in rows)
    assert len(_pack([100, 100, 100], 254)) == 2 and len(_pack([10] * 50, 254)) == 2
    widths = [sum(10 for _ in row) for row in _pack([10] * 50, 254)]
    assert max(widths) - min(widths) <= 10  # balanced: padding to the longest row wastes little
