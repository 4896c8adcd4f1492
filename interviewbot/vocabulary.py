"""The fixed vocabularies every layer shares: tracks (with their labels), difficulties, phases.

Dependency-free, so the CLI can build its choices without importing the schema.
"""

from __future__ import annotations

TRACK_LABELS = {
    "coding": "Coding",
    "ml_theory": "ML theory",
    "system_design": "System design",
    "behavioral": "Behavioral",
}
TRACKS = tuple(TRACK_LABELS)
DIFFICULTIES = ("easy", "medium", "hard")
# System-design key points are walked in this order; behavioral ones follow STAR.
DESIGN_PHASES = (
    "requirements",
    "data",
    "features",
    "model",
    "evaluation",
    "serving",
    "monitoring",
    "scaling",
)
STAR_PHASES = ("situation", "task", "action", "result")
PHASES = DESIGN_PHASES + STAR_PHASES
