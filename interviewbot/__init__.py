"""interviewbot: offline-first ML-engineer interview practice."""

__version__ = "0.1.0"
