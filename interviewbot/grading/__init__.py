"""Graders: offline rubric grader and LLM grader, both returning `Feedback`."""

from interviewbot.grading.feedback import Citation, Feedback, KeyPointResult

__all__ = ["Citation", "Feedback", "KeyPointResult"]
