"""Typed errors. Every message says what is wrong, where, and how to fix it."""

from __future__ import annotations


class InterviewbotError(Exception):
    """Base class: a user-facing error whose message is safe to show as-is."""

    exit_code = 1


class ConfigError(InterviewbotError):
    """A setting is missing or invalid."""


class ValidationError(InterviewbotError):
    """Input (a question set, a guide, an answer) failed validation.

    `problems` holds every located problem, so a file's errors are reported at once.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full)
        self.summary = message


class NotFoundError(InterviewbotError):
    """An id (question, set, session, chunk) does not exist."""


class IndexUnavailableError(InterviewbotError):
    """The vector index is missing, stale or unreadable."""


class EmbedderError(InterviewbotError):
    """The offline embedding model could not be loaded."""


class JudgeError(InterviewbotError):
    """The code judge could not run (not a verdict: a verdict is a normal result)."""


class LLMError(InterviewbotError):
    """A chat model call failed or returned unusable output.

    `retryable` is False when repeating the request cannot help (HTTP 4xx, time is up); `status`
    is the server's HTTP status when it sent one.
    """

    def __init__(self, message: str, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.retryable, self.status = retryable, status


class StorageError(InterviewbotError):
    """The transcript database could not be read or written."""


class NotSavedError(StorageError):
    """A write did not reach the transcript database: nothing of it was saved, so it can be retried."""


class DatabaseDamagedError(StorageError):
    """The SQLite transcript file is corrupt; the message names it and how to recover."""


class IndexServerError(IndexUnavailableError):
    """The Chroma server could not be reached or failed; rebuilding the local index would not help."""


class SpeechModelError(InterviewbotError):
    """The offline speech model is missing, or its files are not the pinned ones."""


class AudioError(InterviewbotError):
    """An audio file or recording cannot be transcribed (missing, not audio, or silent)."""
