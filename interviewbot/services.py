"""Services: the typed bundle of everything the engine talks to, built from Settings (CLI and UI)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from interviewbot.config import Settings
from interviewbot.grading.grader import Grader
from interviewbot.grading.offline import OfflineGrader
from interviewbot.index import IngestReport, KnowledgeIndex, ProgressFn
from interviewbot.judge import Judge, get_judge
from interviewbot.phrasing import Interviewer
from interviewbot.questions import QuestionBank
from interviewbot.transcripts import TranscriptStore


@dataclass
class Services:
    """Everything the engine talks to, built once per process (the app caches it)."""

    settings: Settings
    bank: QuestionBank
    index: KnowledgeIndex
    grader: Grader
    judge: Judge
    store: TranscriptStore
    interviewer: Interviewer

    @classmethod
    def build(
        cls, settings: Settings, *, store: TranscriptStore | None = None, index: KnowledgeIndex | None = None
    ) -> Services:
        """Wire the services from settings (offline unless an LLM backend is configured)."""
        index = index or KnowledgeIndex(settings)  # the embedder and Chroma load on first use
        store = store or TranscriptStore.from_settings(settings)
        grader, interviewer = _grading(settings, index)
        return cls(settings, QuestionBank(settings), index, grader, get_judge(settings), store, interviewer)

    @property
    def backend(self) -> str:
        return self.settings.backend

    @property
    def model(self) -> str | None:
        return None if self.grader.llm is None else self.settings.model

    def with_settings(self, settings: Settings) -> Services:
        """The same bank, index, judge and store with another backend or retrieval depth."""
        grader, interviewer = _grading(settings, self.index, self.grader.offline.scorer)
        return dataclasses.replace(self, settings=settings, grader=grader, interviewer=interviewer)

    def ingest(self, rebuild: bool = False, progress: ProgressFn | None = None) -> IngestReport:
        """Bring the index in line with the guides and every question set."""
        return self.index.ingest(self.bank.all_sets(), rebuild=rebuild, progress=progress)


def _grading(settings: Settings, index: KnowledgeIndex, scorer=None) -> tuple[Grader, Interviewer]:
    """The grader and interviewer for the configured backend (offline: no chat model)."""
    from interviewbot.grading.llm_grader import LLMGrader
    from interviewbot.llm import get_backend

    backend = get_backend(settings)
    offline = OfflineGrader(None, index, k=settings.retrieval_k)
    if scorer is not None:
        offline.scorer = scorer  # keep the cached rubric vectors
    llm = LLMGrader(backend) if backend is not None else None
    return Grader(offline, llm), Interviewer(backend)
