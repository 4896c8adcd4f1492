"""The words a question makes likely, as a prompt that biases the recogniser towards their spelling."""

from __future__ import annotations


def question_terms(question, follow_up: str | None = None) -> str:
    """The question's rubric, then the question (and the follow-up being answered) as a Whisper prompt.

    Whisper reads the prompt as the text said just before the answer and keeps its last ~220 tokens,
    so the question itself goes last and a long rubric loses its first points, not the question.
    """
    parts = [kp.text.rstrip(".") for kp in question.key_points]
    parts.append(question.prompt.strip())
    if follow_up:
        parts.append(follow_up.strip())
    return ". ".join(p for p in parts if p)
