"""The knowledge index (Chroma collections for guide chunks and questions): its public names.

`knowledge` (KnowledgeIndex) builds on `records` (items, hits, reports) and `chroma` (the client and
its one-line server errors); neither of those imports another module of the package.
"""

from interviewbot.index.chroma import open_client
from interviewbot.index.knowledge import GUIDES, QUESTIONS, KnowledgeIndex, ProgressFn
from interviewbot.index.records import (
    IndexItem,
    IngestReport,
    SearchHit,
    SyncReport,
    chunk_items,
    question_items,
    shipped_texts,
)

__all__ = [
    "GUIDES",
    "QUESTIONS",
    "IndexItem",
    "IngestReport",
    "KnowledgeIndex",
    "ProgressFn",
    "SearchHit",
    "SyncReport",
    "chunk_items",
    "open_client",
    "question_items",
    "shipped_texts",
]
