"""Offline speech input: spoken answers to text with a pinned, verified Whisper model (no torch, no network).

`transcribe` (stt.py) is the one entry point; `model.py` finds and verifies the weights and loads
them once, on first use, so importing this package costs nothing at app start-up.
"""

from interviewbot.speech.stt import Transcript, transcribe, transcribe_file
from interviewbot.speech.terms import question_terms
from interviewbot.speech.words import Change, word_error_rate

__all__ = ["Change", "Transcript", "question_terms", "transcribe", "transcribe_file", "word_error_rate"]
