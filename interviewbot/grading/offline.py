"""Deterministic rubric grader: no network, 0-10 score, key points with quoted evidence, citations."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from interviewbot.embeddings import Embedder, TokenStates
from interviewbot.grading.alignment import (
    Alignment,
    Pieces,
    align,
    content_pieces,
    lexical_coverage,
    question_stems,
)
from interviewbot.grading.citations import Librarian
from interviewbot.grading.feedback import Feedback, KeyPointResult
from interviewbot.grading.policy import apply_cap, combined_cap, hint_cap, verdict_cap
from interviewbot.grading.recent import Recent
from interviewbot.grading.signals import (
    EXPECTED_SHARE,
    Signals,
    answer_signals,
    expected_words,
    length_factor,
    relevance_factor,
)
from interviewbot.grading.star import PHASE_CUES, star_phase
from interviewbot.grading.text import content_terms, sentences
from interviewbot.grading.written import write_text
from interviewbot.questions import KeyPoint, Question

# Constants fitted on the training splits of three public answer-grading sets (see bench_agreement.py);
# the unseen splits are only ever reported.
LEXICAL_SHARE = 0.2  # a key point's strength: 80% soft alignment, 20% words used verbatim
FULL_CREDIT = 0.7  # a key point this strong earns full credit (least raw RMSE on the training splits)
COVERED, PARTLY = 0.38, 0.25  # checklist thresholds (derivation in bench_agreement.py --derive)
MAX_ANSWER_CHARS = 20_000  # longer answers are graded on their first 20k characters
RECENT_ASSESSMENTS = 64  # answers whose assessment is kept for the grade that follows (one per user)


def _semantic(sim: float) -> float:
    """A sentence cosine mapped onto 0..1 (MiniLM: unrelated text sits near 0.1-0.3)."""
    return float(np.clip((sim - 0.30) / 0.42, 0.0, 1.0))


def _normalised(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.clip(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12, None)


@dataclass
class AnswerView:
    """An answer as the scorer sees it: sentences, their vectors and their content word pieces."""

    sentences: list[str]
    vectors: np.ndarray  # (sentences, d)
    pieces: Pieces
    stems: set[str]


class RubricScorer:
    """Marks each key point covered / partly / missed and scores the answer 0-10."""

    def __init__(self, embedder: Embedder | None = None):
        self._embedder = embedder  # None: the shared embedder, loaded on the first grade
        self._cache: dict[str, TokenStates] = {}  # rubric, prompt and reference (static text)
        self._embedding = threading.Lock()  # one static embedding at a time (see static_states)
        # The follow-up check and the grade assess one answer; every browser session shares this.
        self._recent = Recent(RECENT_ASSESSMENTS)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from interviewbot.embeddings import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    def static_states(self, texts: list[str]) -> list[TokenStates]:
        """Vectors and word-piece states for text that does not change between answers (cached).

        A caller that finds text missing waits for one already embedding (the background preparation
        of the same question, usually) instead of embedding it a second time beside it."""
        found = {t: self._cache.get(t) for t in texts}  # a local view: another thread may clear the cache
        if any(states is None for states in found.values()):
            with self._embedding:
                found = {t: states or self._cache.get(t) for t, states in found.items()}
                todo = [t for t, states in found.items() if states is None]
                if todo:
                    fresh = dict(zip(todo, self.embedder.embed_tokens(todo)[1]))
                    if len(self._cache) > 20_000:
                        self._cache.clear()
                    self._cache.update(fresh)
                    found.update(fresh)
        return [found[t] for t in texts]

    def static_vectors(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors for static text (cached)."""
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.array([s.vector for s in self.static_states(texts)])

    def assess(self, question: Question, answer: str) -> tuple[list[KeyPointResult], list[float], Signals]:
        """Per-key-point results and strengths, and the answer-level signals."""
        answer = (answer or "")[:MAX_ANSWER_CHARS]
        key = (question.id, question.prompt, tuple(kp.text for kp in question.key_points), answer)
        if (kept := self._recent.get(key)) is not None:
            return kept
        result = self._assess(question, answer)
        self._recent.put(key, result)
        return result

    def view(self, answer: str, qstems: frozenset[str]) -> AnswerView:
        """Embed the answer once (one model call for most answers): sentence vectors and word-piece states."""
        sents = sentences(answer) or ([answer.strip()] if answer.strip() else [])
        vectors, parts = self.embedder.embed_passage(sents)
        return AnswerView(sents, vectors, content_pieces(parts, qstems), set(content_terms(answer)))

    def _assess(self, question: Question, answer: str):
        qstems = question_stems(question.prompt)
        key_points = rubric(question)
        self.static_states([kp.text for kp in key_points] + [_context(question)])  # one model call, cached
        view = self.view(answer, qstems)
        signals = answer_signals(question, answer, self._relevance(question, view))
        results, strengths = [], []
        for kp in key_points:
            strength, best = self._strength(question, kp, view, qstems)
            status = self.status(strength)
            evidence = view.sentences[best] if status != "missed" and best >= 0 else ""
            results.append(
                KeyPointResult(text=kp.text, phase=kp.phase, status=status, evidence=evidence[:400])
            )
            strengths.append(strength)
        return results, strengths, signals

    @staticmethod
    def status(strength: float) -> str:
        """covered / partly / missed for a key point this strong."""
        return "covered" if strength >= COVERED else "partly" if strength >= PARTLY else "missed"

    def _relevance(self, question: Question, view: AnswerView) -> float:
        if not view.sentences:
            return 0.0
        context = self.static_vectors([_context(question)])[0]
        return float(_normalised(view.vectors.mean(axis=0)) @ context)

    def _strength(self, question: Question, kp: KeyPoint, view: AnswerView, qstems) -> tuple[float, int]:
        """How strongly the answer makes one key point (0..1), and the sentence that makes it best."""
        if not view.sentences:
            return 0.0, -1
        aligned, lexical = self.evidence(kp.text, view, qstems)
        strength = (1 - LEXICAL_SHARE) * aligned.recall + LEXICAL_SHARE * lexical
        best = int(np.argmax(aligned.per_unit))
        if question.track == "behavioral":
            kp_vector = self.static_states([kp.text])[0].vector
            strength, best = self._phase_cue(kp, view, kp_vector, strength, best)
        return strength, best

    def evidence(self, key_point: str, view: AnswerView, qstems: frozenset[str]) -> tuple[Alignment, float]:
        """The two signals for one key point: its soft alignment in the answer and its verbatim coverage."""
        state = self.static_states([key_point])[0]
        aligned = align(content_pieces([state], qstems), view.pieces, len(view.sentences))
        return aligned, lexical_coverage(key_point, view.stems, qstems)

    @staticmethod
    def _phase_cue(kp: KeyPoint, view: AnswerView, kp_vector, strength: float, best: int):
        """A story sentence that does the key point's STAR job counts as evidence for it."""
        cue = PHASE_CUES[star_phase(kp)]
        cued = [j for j, sent in enumerate(view.sentences) if cue.search(sent)]
        if not cued:
            return strength, best
        sims = view.vectors @ kp_vector
        j = max(cued, key=lambda j: sims[j])
        cue_strength = PARTLY + 0.05 + (FULL_CREDIT - PARTLY) * _semantic(float(sims[j]) + 0.15)
        return (cue_strength, j) if cue_strength > strength else (strength, best)

    def score(
        self, strengths: list[float], signals: Signals, hints_used: int = 0
    ) -> tuple[float, dict, float | None]:
        """Overall 0-10 score, per-dimension scores and the hint cap (if any)."""
        if signals.words == 0:
            return 0.0, {"coverage": 0.0, "relevance": 0.0, "depth": 0.0, "clarity": 0.0}, None
        if strengths:
            coverage = float(np.mean([min(1.0, s / FULL_CREDIT) for s in strengths]))
        else:  # no rubric and no reference: only relevance and depth can be judged
            coverage = relevance_factor(signals.relevance) * 0.7
        raw = 10.0 * coverage * signals.quality
        if signals.words < 3:
            raw = min(raw, 0.5)
        cap = hint_cap(hints_used)
        score = round(apply_cap(raw, cap), 1)
        clarity = 10.0 * (0.3 if signals.keyword_stuffed else 0.5 if signals.repetitive else 1.0)
        dims = {
            "coverage": round(10 * coverage, 1),
            "relevance": round(10 * relevance_factor(signals.relevance), 1),
            "depth": round(10 * signals.length_factor, 1),
            "clarity": round(clarity, 1),
        }
        return float(np.clip(score, 0, 10)), dims, cap


def _context(question: Question) -> str:
    """What an on-topic answer is about: the question and its reference answer, else its rubric (a
    derived question: a follow-up or the complexity talk)."""
    about = question.reference_answer or " ".join(kp.text for kp in question.key_points)
    return question.prompt + "\n" + about


def rubric(question: Question) -> list[KeyPoint]:
    """The key points to grade against: the rubric, else the whole reference answer as one point."""
    if question.key_points:
        return list(question.key_points)
    reference = (question.reference_answer or "").strip()
    return [KeyPoint.model_construct(text=reference, phase=None)] if reference else []


# --- retrieval-grounded feedback --------------------------------------------------------------


@dataclass
class GradeResult:
    """A graded turn: the feedback and every chunk retrieved for it (what an LLM may cite)."""

    feedback: Feedback
    retrieved: list


class OfflineGrader:
    """Rubric scoring + retrieval from the guides, combined into one cited Feedback."""

    name = "offline"

    def __init__(self, embedder: Embedder | None, index=None, k: int = 3):
        self.scorer = RubricScorer(embedder)
        self.index = index
        self.k = k
        self.librarian = Librarian(index, self.scorer) if index is not None else None

    def grade(
        self, question: Question, answer: str, *, hints_used: int = 0, verdict=None, follow_ups=()
    ) -> GradeResult:
        """Grade a text answer (for coding: the discussion, combined with the judge's verdict).

        `follow_ups`: (derived question, answer) pairs (grading/derived.py), each graded against its
        own key points; a main rubric point a follow-up answer makes counts as made."""
        self.prepare(question)
        results, strengths, signals = self.scorer.assess(question, answer)
        for asked, reply in follow_ups:
            results, strengths, signals = self._fold(question, (results, strengths, signals), asked, reply)
        score, dims, cap = self.scorer.score(strengths, signals, hints_used)
        if verdict is not None:
            score, dims = _combine_with_verdict(score, dims, verdict, bool((answer or "").strip()), cap)
        missed = [r for r in results if r.status != "covered"]
        retrieved, cites = self._retrieve(question, missed)
        fb = Feedback(
            score=score, dimensions=dims, key_points=results, citations=cites, score_cap=cap, grader=self.name
        )
        write_text(fb, question, results, signals.notes, verdict)
        return GradeResult(fb, retrieved)

    def prepare(self, question: Question) -> None:
        """Embed what grading this question needs besides the answer (key points, context, citation
        queries) in one model call, and keep it: a grade then embeds the answer and at most the headings
        of newly retrieved sections. The app runs it while the candidate answers (Grader.prepare_soon);
        it never touches the index, so it is safe from a thread."""
        key_points = [kp.text for kp in rubric(question)]
        queries = self.librarian.queries(question, key_points) if self.librarian is not None else []
        self.scorer.static_states(key_points + [_context(question)] + queries)

    def _fold(self, question: Question, graded: tuple, asked: Question, reply: str) -> tuple:
        """The main grade with a follow-up answer's evidence: a point takes its stronger showing."""
        results, strengths, signals = list(graded[0]), list(graded[1]), graded[2]
        own_results, own_strengths, own = self.scorer.assess(asked, reply)
        # the follow-up answer's own penalties (copied prompt, keyword list...) discount its evidence
        by_text = {r.text: (r, s * own.penalty) for r, s in zip(own_results, own_strengths, strict=True)}
        for i, r in enumerate(results):
            found, strength = by_text.get(r.text, (None, 0.0))
            if found is not None and strength > strengths[i]:
                strengths[i] = strength
                status = self.scorer.status(strength)
                results[i] = found.model_copy(update={"phase": r.phase, "status": status})
        words = signals.words + own.words
        notes = signals.notes + [f"Follow-up: {note}" for note in own.notes]
        expected = EXPECTED_SHARE * expected_words(question)
        signals = replace(signals, words=words, length_factor=length_factor(words, expected), notes=notes)
        return results, strengths, signals

    def _retrieve(self, question: Question, missed: list[KeyPointResult]):
        if self.librarian is None:
            return [], []
        key_points = [kp.text for kp in rubric(question)]
        return self.librarian.cite(question, key_points, [r.text for r in missed], k=self.k)


def _combine_with_verdict(score, dims, verdict, discussed: bool, cap):
    """Coding: correctness from the judge (70%) and the complexity discussion (30%)."""
    correctness = 10.0 * verdict.passed / verdict.total if verdict.total else 0.0
    dims = {"correctness": round(correctness, 1), "discussion": round(score, 1)} | {
        k: v for k, v in dims.items() if k != "coverage"
    }
    combined = 0.7 * correctness + (0.3 * score if discussed else 0.0)
    return round(apply_cap(combined, combined_cap(verdict_cap(verdict), cap)), 1), dims
