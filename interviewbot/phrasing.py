"""The interviewer's voice: bank text offline; with an LLM, natural phrasing and adaptive follow-ups."""

from __future__ import annotations

import logging
import time

from interviewbot.errors import LLMError
from interviewbot.prompts import load_prompt
from interviewbot.questions import Question

log = logging.getLogger(__name__)
MAX_REPLY_CHARS = 1200


class Interviewer:
    """Phrases questions and follow-ups; falls back to the bank's own text on any LLM problem.

    Each call runs under one deadline (the backend's budget). `last_meta` describes the last call:
    latency_ms, usage (with "estimated": true when the server sent no counts) and, when the bank
    text was used instead, fallback_reason (also kept in `last_error`).
    """

    def __init__(self, backend=None):
        self.backend = backend
        self.last_error: str | None = None
        self.last_meta: dict = {}

    def _ask(self, prompt_name: str, on_token=None, **values) -> str | None:
        """The model's reply; streamed to `on_token(text_so_far)` when given; None on any problem."""
        if self.backend is None:
            return None
        messages = load_prompt(prompt_name).render(**values)
        started = time.perf_counter()
        self.last_error, self.last_meta = None, {"model": self.backend.model}
        try:
            text = self._reply(messages, on_token)
        except LLMError as exc:
            return self._fell_back(str(exc), started)
        # A usable question is non-empty, not huge, and a question.
        if not text or len(text) > MAX_REPLY_CHARS or "?" not in text and "." not in text:
            return self._fell_back("the model's phrasing was empty or unusable", started)
        self.last_meta["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return text

    def _reply(self, messages, on_token) -> str:
        deadline = self.backend.deadline()
        if on_token is None:
            result = self.backend.chat(messages, deadline)
            self.last_meta["usage"] = result.usage
            return result.text.strip()
        text = ""
        for piece in self.backend.stream(messages, deadline):
            text += piece
            if len(text) > MAX_REPLY_CHARS:
                break
            on_token(text)
        self.last_meta["usage"] = dict(getattr(self.backend, "last_usage", {}) or {})
        return text.strip()

    def _fell_back(self, reason: str, started: float) -> None:
        self.last_error = reason
        self.last_meta |= {
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "fallback_reason": reason,
        }
        log.warning("interviewer fell back to the bank text: %s", reason)
        return None

    def phrase_question(self, question: Question, on_token=None) -> str:
        """The question as the interviewer asks it (the bank prompt offline or on failure)."""
        if question.track == "coding":  # a coding spec must stay exact
            return question.prompt
        return (
            self._ask(
                "interviewer_question",
                on_token,
                track=question.track.replace("_", " "),
                topics=", ".join(question.topics),
                prompt=question.prompt,
            )
            or question.prompt
        )

    def follow_up(self, question: Question, answer: str, missed, on_token=None) -> str | None:
        """An adaptive follow-up about the missed key points (None: use the bank's follow-up)."""
        missed_text = "\n".join(f"- {m.text}" for m in missed[:4])
        return self._ask(
            "interviewer_follow_up",
            on_token,
            prompt=question.prompt,
            answer=answer[:3000],  # lean: a local model reads 30-50 prompt tokens/s
            missed=missed_text,
        )
