"""What goes into the index and what comes out: index items for guide chunks and questions, search hits,
and the reports of an ingest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from interviewbot.config import Settings
from interviewbot.corpus import Chunk, load_guides
from interviewbot.questions.schema import QuestionSet


@dataclass(frozen=True)
class SearchHit:
    """A retrieved chunk (or question) with its similarity score (1 = identical)."""

    id: str
    source: str
    heading: str
    text: str
    score: float

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "heading": self.heading,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class IndexItem:
    """One record to keep in a collection; `fingerprint` changes when it must be re-embedded."""

    id: str
    embed_text: str
    document: str
    metadata: dict
    fingerprint: str


@dataclass
class SyncReport:
    """What an ingest did to one collection."""

    embedded: int = 0  # added or changed now (vectors from the shipped pack or the embedder)
    deleted: int = 0
    unchanged: int = 0
    from_pack: int = 0  # of `embedded`, how many vectors came from the shipped pack

    @property
    def total(self) -> int:
        return self.embedded + self.unchanged


@dataclass
class IngestReport:
    """What `ingest` did, per collection, and how long it took."""

    guides: SyncReport = field(default_factory=SyncReport)
    questions: SyncReport = field(default_factory=SyncReport)
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return self.guides.embedded + self.questions.embedded

    @property
    def from_pack(self) -> int:
        return self.guides.from_pack + self.questions.from_pack

    def added_line(self) -> str:
        """'452 added now, all from the shipped vectors' (or how many were embedded here)."""
        embedded_here = self.embedded - self.from_pack
        if not self.embedded:
            return "nothing changed"
        if not embedded_here:
            return f"{self.embedded} added now, all from the shipped vectors"
        return f"{self.embedded} added now, {embedded_here} of them embedded here"

    def to_dict(self) -> dict:
        return {
            "guides": vars(self.guides) | {"total": self.guides.total},
            "questions": vars(self.questions) | {"total": self.questions.total},
            "embedded": self.embedded,
            "from_pack": self.from_pack,
            "seconds": round(self.seconds, 3),
        }


def hits_of_row(res: dict, row: int) -> list[SearchHit]:
    """SearchHits from one row of a Chroma query result (distance is cosine distance)."""
    cols = (res["ids"][row], res["documents"][row], res["metadatas"][row], res["distances"][row])
    return [
        SearchHit(i, (m or {}).get("source", ""), (m or {}).get("heading", ""), doc or "", 1.0 - float(d))
        for i, doc, m, d in zip(*cols)
    ]


def chunk_items(chunks: Iterable[Chunk]) -> list[IndexItem]:
    """Guide chunks as index items (the id is already a content hash)."""
    return [IndexItem(c.id, c.embed_text, c.text, c.metadata(), c.id) for c in chunks]


def question_items(sets: list[QuestionSet]) -> list[IndexItem]:
    """Questions as index items: prompt and rubric embedded, set/track/difficulty as metadata."""
    items = []
    for qset in sets:
        for q in qset.questions:
            text = q.prompt + "\n" + "\n".join(kp.text for kp in q.key_points)
            meta = {
                "source": f"set:{qset.name}",
                "heading": q.id,
                "set": qset.name,
                "track": q.track,
                "difficulty": q.difficulty,
                "topics": ",".join(q.topics),
            }
            fingerprint = hashlib.sha256(json.dumps([text, meta], sort_keys=True).encode()).hexdigest()[:20]
            items.append(IndexItem(q.id, text, q.prompt, meta, fingerprint))
    return items


def shipped_texts(settings: Settings, builtin_sets: list[QuestionSet]) -> list[str]:
    """What gets embedded for the shipped knowledge (the vector pack holds exactly these)."""
    items = chunk_items(load_guides(settings.guides_dir)) + question_items(builtin_sets)
    return [item.embed_text for item in items]
