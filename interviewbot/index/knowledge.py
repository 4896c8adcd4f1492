"""The knowledge index: guide chunks and questions in their own Chroma collections, kept in line with
the guides on disk and the question sets (incremental ingest), and searched."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from interviewbot.config import Settings, ensure_home
from interviewbot.corpus import chunk_document, load_guides
from interviewbot.embeddings import DIMENSION, MODEL_ID, Embedder, get_embedder
from interviewbot.errors import IndexUnavailableError, InterviewbotError, NotFoundError, ValidationError
from interviewbot.index.chroma import guard_server, is_server_fault, open_client, server_error
from interviewbot.index.records import (
    IndexItem,
    IngestReport,
    SearchHit,
    SyncReport,
    chunk_items,
    hits_of_row,
    question_items,
)
from interviewbot.questions.schema import QuestionSet
from interviewbot.vectorpack import PACK_NAME, VectorPack, load_pack

GUIDES = "guides"
QUESTIONS = "questions"
ProgressFn = Callable[[int, int, str], None]  # (done, total, stage)


class KnowledgeIndex:
    """The vector store: guide chunks and questions, each in its own cosine collection."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._client = None
        self._collections: dict = {}
        self._pack: VectorPack | None | bool = None  # False: looked, none usable

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder()
        return self._embedder

    @property
    def client(self):
        if self._client is None:
            try:
                self._client = open_client(self.settings)
            except InterviewbotError:
                raise
            except Exception as exc:  # chroma raises many types for a broken store
                if self.settings.chroma_url:  # a server that is down needs starting, not a rebuild
                    raise server_error(self.settings, exc, changed_index=False) from exc
                raise IndexUnavailableError(
                    f"Could not open the index in {self.settings.index_dir}: {exc}. "
                    "Rebuild it with `interviewbot ingest --rebuild`."
                ) from exc
        return self._client

    @guard_server()
    def collection(self, name: str):
        """Get or create a collection (handle cached); one built by another embedding model is rebuilt."""
        if name in self._collections:
            return self._collections[name]
        from interviewbot.embedding_adapters import ChromaEmbeddingFunction

        col = self.client.get_or_create_collection(
            name,
            metadata={"hnsw:space": "cosine", "embedder": MODEL_ID},
            embedding_function=ChromaEmbeddingFunction(self._embedder),
        )
        if (col.metadata or {}).get("embedder") != MODEL_ID:
            self.client.delete_collection(name)
            return self.collection(name)
        self._collections[name] = col
        return col

    @guard_server(changes_index=True)
    def reset(self) -> None:
        """Drop both collections (the index is a cache; `ingest` rebuilds it)."""
        self._collections.clear()
        self._marker.unlink(missing_ok=True)
        for name in (GUIDES, QUESTIONS):
            try:
                self.client.delete_collection(name)
            except InterviewbotError:
                raise
            except Exception as exc:
                from chromadb.errors import NotFoundError as Missing

                if self.settings.chroma_url and is_server_fault(exc) and not isinstance(exc, Missing):
                    raise  # a server that is down; a collection that is not there has nothing to drop

    @guard_server(changes_index=True)
    def sync(self, name: str, items: list[IndexItem], progress: ProgressFn | None = None) -> SyncReport:
        """Make a collection hold exactly `items`, embedding only new or changed ones."""
        col = self.collection(name)
        existing = col.get(include=["metadatas"])
        stored = {i: (m or {}).get("fingerprint") for i, m in zip(existing["ids"], existing["metadatas"])}
        wanted = {item.id: item for item in items}
        stale = [i for i in stored if i not in wanted]
        todo = [item for item in items if stored.get(item.id) != item.fingerprint]
        for start in range(0, len(stale), 1000):
            col.delete(ids=stale[start : start + 1000])
        packed = self._upsert(col, todo, name, progress)
        return SyncReport(len(todo), len(stale), len(items) - len(todo), from_pack=packed)

    def _upsert(self, col, items: list[IndexItem], stage: str, progress: ProgressFn | None) -> int:
        """Store items with their vectors; how many vectors came from the shipped pack."""
        step, packed = 64, 0
        if progress and items:
            progress(0, len(items), stage)  # the clock starts now, so rates are right
        for start in range(0, len(items), step):
            batch = items[start : start + step]
            vectors, from_pack = self._vectors([it.embed_text for it in batch])
            packed += from_pack
            col.upsert(
                ids=[it.id for it in batch],
                embeddings=vectors,
                documents=[it.document for it in batch],
                metadatas=[it.metadata | {"fingerprint": it.fingerprint} for it in batch],
            )
            if progress:
                progress(min(start + step, len(items)), len(items), stage)
        return packed

    @property
    def pack(self) -> VectorPack | None:
        """The shipped knowledge's precomputed vectors (None: absent, stale or damaged)."""
        if self._pack is None:
            self._pack = load_pack(self.settings.knowledge_dir / PACK_NAME) or False
        return self._pack or None

    def _vectors(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """Vectors for texts (from the pack where it has them, embedded otherwise); how many from it."""
        found = self.pack.lookup(texts) if self.pack else [None] * len(texts)
        missing = [i for i, v in enumerate(found) if v is None]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if missing:
            out[missing] = self.embedder.embed([texts[i] for i in missing])
        for i, vector in enumerate(found):
            if vector is not None:
                out[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return out, len(texts) - len(missing)

    @guard_server(changes_index=True)
    def ingest(
        self, question_sets: list[QuestionSet], rebuild: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Bring the index in line with the guides on disk and these question sets."""
        started = time.perf_counter()
        if rebuild:
            self.reset()
        report = IngestReport()
        report.guides = self.sync_guides(progress)
        report.questions = self.sync_questions(question_sets, progress)
        report.seconds = time.perf_counter() - started
        self._write_marker(report)
        return report

    @property
    def _marker(self) -> Path:
        return self.settings.index_dir / "ingested.json"

    def _write_marker(self, report: IngestReport) -> None:
        if not self.settings.chroma_url:
            self._marker.write_text(json.dumps({"model": MODEL_ID} | report.to_dict()), encoding="utf-8")

    @guard_server()
    def probably_built(self) -> bool:
        """A cheap check (no Chroma start-up) that a complete ingest has run here before."""
        if self.settings.chroma_url:
            return self.is_built()
        try:
            return json.loads(self._marker.read_text(encoding="utf-8")).get("model") == MODEL_ID
        except (OSError, ValueError):
            return False

    @guard_server(changes_index=True)
    def sync_questions(self, sets: list[QuestionSet], progress: ProgressFn | None = None) -> SyncReport:
        """Make the questions collection hold exactly the questions of these sets."""
        return self.sync(QUESTIONS, question_items(sets), progress)

    @guard_server(changes_index=True)
    def sync_guides(self, progress: ProgressFn | None = None) -> SyncReport:
        """Make the guides collection match the shipped and user guides on disk."""
        chunks = load_guides(self.settings.guides_dir) + load_guides(self.settings.user_guides_dir, "user")
        return self.sync(GUIDES, chunk_items(chunks), progress)

    @guard_server(changes_index=True)
    def add_guide(self, path, progress: ProgressFn | None = None) -> int:
        """Validate, store and index a user guide (Markdown/TXT/PDF); returns its chunk count."""
        import os
        import shutil

        path = Path(path)
        chunks = chunk_document(path, f"user/{path.name}")  # raises a clear error for a bad file
        if not chunks:
            raise ValidationError(f"{path.name}: no text to index (is the file empty?).")
        ensure_home(self.settings)
        target = self.settings.user_guides_dir / path.name
        tmp = target.with_name(f".{path.name}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
        try:
            self.sync_guides(progress)
        except BaseException:
            target.unlink(missing_ok=True)
            self.sync_guides()
            raise
        return len(chunks)

    @guard_server(changes_index=True)
    def remove_guide(self, name: str) -> None:
        """Delete a user guide and its chunks."""
        target = self.settings.user_guides_dir / Path(name).name
        if not target.is_file():
            known = ", ".join(p.name for p in self.user_guides()) or "none"
            raise NotFoundError(f"no user guide named {name!r}. User guides: {known}.")
        target.unlink()
        self.sync_guides()

    def user_guides(self) -> list[Path]:
        d = self.settings.user_guides_dir
        return (
            sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith(".")) if d.is_dir() else []
        )

    @guard_server()
    def count(self, name: str = GUIDES) -> int:
        return self.collection(name).count()

    @guard_server()
    def is_built(self) -> bool:
        """True when both collections hold something (a first `ingest` has run)."""
        return self.count(GUIDES) > 0 and self.count(QUESTIONS) > 0

    @guard_server()
    def search(
        self, query: str, k: int = 4, name: str = GUIDES, where: dict | None = None
    ) -> list[SearchHit]:
        """The k nearest records to the query, best first."""
        if not query or not query.strip():
            return []
        return self.search_vectors([self.embedder.embed_one(query)], k, name, where)[0]

    @guard_server()
    def search_many(self, queries: list[str], k: int = 4, name: str = GUIDES) -> list[list[SearchHit]]:
        """Several queries embedded in one batch."""
        queries = [q for q in queries if q and q.strip()]
        return self.search_vectors(self.embedder.embed(queries) if queries else [], k, name)

    @guard_server()
    def search_vectors(
        self, vectors, k: int = 4, name: str = GUIDES, where: dict | None = None
    ) -> list[list[SearchHit]]:
        """Nearest records for already-embedded queries (one list of hits per vector)."""
        if len(vectors) == 0:
            return []
        try:
            return self._query(vectors, k, name, where)
        except Exception:  # the cached handle went stale (another process rebuilt the index): reopen once
            self._collections.pop(name, None)
            return self._query(vectors, k, name, where)

    def _query(self, vectors, k: int, name: str, where: dict | None) -> list[list[SearchHit]]:
        col = self.collection(name)
        n = col.count()
        if n == 0:
            return [[] for _ in range(len(vectors))]
        res = col.query(
            query_embeddings=list(vectors),
            n_results=min(k, n),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [hits_of_row(res, row) for row in range(len(vectors))]

    @guard_server()
    def records(self, name: str = GUIDES) -> tuple[list[str], list, list[dict]]:
        """Every record's id, vector and metadata (for statistics over a whole collection)."""
        res = self.collection(name).get(include=["embeddings", "metadatas"])
        return list(res["ids"]), list(res["embeddings"]), [m or {} for m in res["metadatas"]]

    @guard_server()
    def get_chunks(self, ids: list[str]) -> list[SearchHit]:
        """Chunks by id (score 1.0), in the order asked; unknown ids are skipped."""
        if not ids:
            return []
        res = self.collection(GUIDES).get(ids=ids, include=["documents", "metadatas"])
        found = {
            i: SearchHit(i, m.get("source", ""), m.get("heading", ""), d, 1.0)
            for i, d, m in zip(res["ids"], res["documents"], res["metadatas"])
        }
        return [found[i] for i in ids if i in found]
