"""The interviewer's voice: bank text offline; with an LLM, natural phrasing and adaptive follow-ups."""

from __future__ import annotations

import logging

from interviewbot.errors import LLMError
from interviewbot.prompts import load_prompt
from interviewbot.questions import Question

log = logging.getLogger(__name__)
MAX_REPLY_CHARS = 1200


class Interviewer:
    """Phrases questions and follow-ups; falls back to the bank's own text on any LLM problem."""

    def __init__(self, backend=None):
        self.backend = backend
        self.last_error: str | None = None

    def _ask(self, prompt_name: str, on_token=None, **values) -> str | None:
        """The model's reply; streamed to `on_token(text_so_far)` when given; None on any problem."""
        if self.backend is None:
            return None
        messages = load_prompt(prompt_name).render(**values)
        try:
            if on_token is None:
                text = self.backend.chat(messages).text.strip()
            else:
                text = ""
                for piece in self.backend.stream(messages):
                    text += piece
                    if len(text) > MAX_REPLY_CHARS:
                        break
                    on_token(text)
                text = text.strip()
        except LLMError as exc:
            self.last_error = str(exc)
            log.warning("interviewer fell back to the bank text: %s", exc)
            return None
        # A usable question is non-empty, not huge, and a question.
        if not text or len(text) > MAX_REPLY_CHARS or "?" not in text and "." not in text:
            self.last_error = "the model's phrasing was empty or unusable"
            return None
        return text

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
            answer=answer[:6000],
            missed=missed_text,
        )
