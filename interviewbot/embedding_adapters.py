"""The offline embedder behind the frameworks' interfaces: Chroma's `EmbeddingFunction` and
LangChain's `Embeddings`.

Each class is defined on first access: importing chromadb or langchain costs ~1 s at start-up, and
most processes need at most one of them.
"""

from __future__ import annotations

from interviewbot.embeddings import MODEL_ID, Embedder, get_embedder


def _chroma_adapter():
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
        """Chroma `EmbeddingFunction` backed by the shared offline embedder."""

        def __init__(self, embedder: Embedder | None = None):
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:
            embedder = self._embedder or get_embedder()
            return [row for row in embedder.embed(list(input))]

        @staticmethod
        def name() -> str:
            return "interviewbot-minilm-int8"

        def get_config(self) -> dict:
            return {"model_id": MODEL_ID}

        @staticmethod
        def build_from_config(config: dict) -> ChromaEmbeddingFunction:
            return ChromaEmbeddingFunction()

        def is_legacy(self) -> bool:
            return False

        def default_space(self) -> str:
            return "cosine"

        def supported_spaces(self) -> list[str]:
            return ["cosine"]

    return ChromaEmbeddingFunction


def _langchain_adapter():
    from langchain_core.embeddings import Embeddings as LCEmbeddings

    class LangChainEmbeddings(LCEmbeddings):
        """LangChain `Embeddings` backed by the shared offline embedder."""

        def __init__(self, embedder: Embedder | None = None):
            self._embedder = embedder

        def _get(self) -> Embedder:
            return self._embedder or get_embedder()

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self._get().embed(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self._get().embed_one(text).tolist()

    return LangChainEmbeddings


_ADAPTERS = {"ChromaEmbeddingFunction": _chroma_adapter, "LangChainEmbeddings": _langchain_adapter}


def __getattr__(name: str):
    """`ChromaEmbeddingFunction` and `LangChainEmbeddings`, defined on first access."""
    if name in _ADAPTERS:
        cls = _ADAPTERS[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
