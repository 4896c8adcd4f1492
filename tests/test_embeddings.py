"""The offline embedder: shape, normalisation, batching, adapters, no torch."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from interviewbot.embeddings import ChromaEmbeddingFunction, Embedder, LangChainEmbeddings, get_embedder


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
