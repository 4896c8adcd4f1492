"""Which guide sections feedback cites: first the section that teaches the question, then the sections
for the key points the answer missed, each with a quoted prose sentence.

Retrieval is anchored on the whole question (its prompt and rubric), not on a lone key point such as
"quantifies the result", which matches any guide. A behavioral rubric grades how a story is told, not
its subject, so behavioral questions lean on what the track's questions have in common (their
centroid) and cite only the guides whose sections sit nearest the behavioral questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from interviewbot.grading.feedback import Citation
from interviewbot.grading.text import content_terms

MAX_CITATIONS = 3
QUOTE_CHARS = 220
CANDIDATES = 12  # chunks fetched per query, re-ranked below
HEADING_WEIGHT = 0.2  # a section whose title names the question's subject is where to send someone
MIN_QUOTE_WORDS = 6
_FENCE = re.compile(r"^\s*(```|~~~)")
_NOT_PROSE = re.compile(r"^\s*(\||#|    |\t)")  # table rows, headings, indented code
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'`])")
_MARKUP = re.compile(r"\*\*|__|^\s*[-*\u2022]\s+|^\s*\d+[.)]\s+")


def prose_sentences(text: str) -> list[str]:
    """The sentences of a chunk that are prose: no code block, table row, heading or fragment."""
    lines, in_fence = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not _NOT_PROSE.match(line):
            lines.append(_MARKUP.sub("", line))
    found = (
        " ".join(s.split()) for p in re.split(r"\n\s*\n", "\n".join(lines)) for s in _SENTENCE_END.split(p)
    )
    return [
        s
        for s in found
        if len(s.split()) >= MIN_QUOTE_WORDS and s[-1] in ".!?" and re.search("[A-Za-z]{3}", s)
    ]


def best_quote(text: str, about: str) -> str:
    """The prose sentence of a chunk sharing the most terms with `about` (trimmed); "" if none is prose."""
    candidates = prose_sentences(text)
    if not candidates:
        return ""
    target = set(content_terms(about))
    best = max(candidates, key=lambda s: len(target & set(content_terms(s))))
    return best if len(best) <= QUOTE_CHARS else best[: QUOTE_CHARS - 3].rsplit(" ", 1)[0] + "..."


@dataclass(frozen=True)
class TrackProfile:
    """What the index's questions say about its guides: each track's centroid, each guide's track."""

    centroids: dict[str, np.ndarray]
    guide_track: dict[str, str]  # the track most of a guide's sections sit nearest to

    def behavioral_filter(self) -> dict | None:
        """The guides a behavioral question may cite (never one that belongs to system design)."""
        own = sorted(g for g, t in self.guide_track.items() if t == "behavioral")
        if own:
            return {"source": {"$in": own}}
        design = sorted(g for g, t in self.guide_track.items() if t == "system_design")
        return {"source": {"$nin": design}} if design else None


def track_profile(index) -> TrackProfile | None:
    """Track centroids from the indexed questions, and each guide's nearest track by majority."""
    from interviewbot.index import GUIDES, QUESTIONS

    _, qvecs, qmeta = index.records(QUESTIONS)
    _, cvecs, cmeta = index.records(GUIDES)
    if not len(qvecs) or not len(cvecs):
        return None
    qvecs, tracks = np.asarray(qvecs, dtype=np.float32), [m.get("track", "") for m in qmeta]
    centroids = {}
    for track in sorted(set(tracks)):
        mean = qvecs[[t == track for t in tracks]].mean(axis=0)
        centroids[track] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    names = list(centroids)
    nearest = np.argmax(
        np.asarray(cvecs, dtype=np.float32) @ np.array([centroids[n] for n in names]).T, axis=1
    )
    votes: dict[str, dict[str, int]] = {}
    for meta, n in zip(cmeta, nearest):
        counts = votes.setdefault(meta.get("source", ""), {})
        counts[names[n]] = counts.get(names[n], 0) + 1
    return TrackProfile(centroids, {g: max(c, key=c.get) for g, c in votes.items()})


def question_query(question, key_points: list[str]) -> str:
    """What the question is about: its prompt and what a strong answer covers."""
    return question.prompt + "\n" + "; ".join(key_points)


class Librarian:
    """Chooses the cited sections for a graded answer (profile of the index cached per index state)."""

    def __init__(self, index, scorer):
        self.index = index
        self.scorer = scorer  # its static-vector cache embeds queries and headings once
        self._profile: tuple[tuple[int, int], TrackProfile | None] | None = None
        self._headings_embedded = False

    def profile(self) -> TrackProfile | None:
        from interviewbot.index import GUIDES, QUESTIONS

        key = (self.index.count(GUIDES), self.index.count(QUESTIONS))
        if self._profile is None or self._profile[0] != key:
            self._profile = (key, track_profile(self.index))
        return self._profile[1]

    def cite(
        self, question, key_points: list[str], missed: list[str], k: int = 4
    ) -> tuple[list, list[Citation]]:
        """The chunks retrieved (k per query: what an LLM may cite) and the citations, question's first."""
        about = self.queries(question, key_points, missed)[: MAX_CITATIONS + 1]
        ranked = self._search(question, about, k)
        chosen = self._choose(ranked, about)
        cited = {c.chunk_id for c in chosen}
        retrieved = {h.id: h for hits in ranked for n, h in enumerate(hits) if n < k or h.id in cited}
        return list(retrieved.values()), chosen

    def _embed_headings(self) -> None:
        """Every guide heading in one model call, once: re-ranking reads them, and embedding each
        grade's new ones would cost a grade more than its answer (headings added later, e.g. by an
        upload, are embedded when first retrieved)."""
        from interviewbot.index import GUIDES

        if not self._headings_embedded:
            metas = self.index.collection(GUIDES).get(include=["metadatas"])["metadatas"]
            self.scorer.static_states(sorted({(m or {}).get("heading", "") for m in metas}))
            self._headings_embedded = True

    def _search(self, question, about: list[str], k: int = CANDIDATES) -> list[list]:
        """Each query's candidate chunks, re-ranked (behavioral: shifted to the track, filtered)."""
        self._embed_headings()
        queries = self.scorer.static_vectors(about)
        shifted, where = queries, None
        profile = self.profile() if question.track == "behavioral" else None
        if profile is not None and "behavioral" in profile.centroids:
            shifted, where = queries + profile.centroids["behavioral"], profile.behavioral_filter()
        found = self.index.search_vectors(shifted, k=max(k, CANDIDATES), where=where)
        return [self._ranked(hits, query) for hits, query in zip(found, queries)]

    @staticmethod
    def queries(question, key_points: list[str], missed: list[str] | None = None) -> list[str]:
        """The retrieval queries: the whole question, then one per missed key point (all by default)."""
        points = key_points if missed is None else missed
        return [question_query(question, key_points)] + [question.prompt + "\n" + m for m in points]

    def _choose(self, ranked: list[list], about: list[str]) -> list[Citation]:
        chosen: list[Citation] = []
        sections: set[tuple[str, str]] = set()
        for hits, text in zip(ranked, about):
            for hit in hits:
                quote = best_quote(hit.text, text)
                if quote and (hit.source, hit.heading) not in sections:
                    sections.add((hit.source, hit.heading))
                    chosen.append(
                        Citation(chunk_id=hit.id, source=hit.source, heading=hit.heading, quote=quote)
                    )
                    break
            if len(chosen) >= MAX_CITATIONS:
                break
        return chosen

    def _ranked(self, hits: list, query: np.ndarray) -> list:
        """Hits re-ranked by their text's and their heading's similarity to the query."""
        if not hits:
            return []
        titles = self.scorer.static_vectors([h.heading for h in hits]) @ query
        scores = [h.score + HEADING_WEIGHT * float(t) for h, t in zip(hits, titles)]
        return [h for _, h in sorted(zip(scores, hits), key=lambda pair: -pair[0])]
