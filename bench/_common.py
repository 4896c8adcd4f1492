"""Helpers shared by the benchmarks: percentiles, the machine's load, a small knowledge subset."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUICK_GUIDES = ("06-supervised-learning.md", "11-evaluation-and-experiments.md")
QUICK_SETS = ("ml_theory_core.yaml",)


def pct(values, q: float) -> float:
    return float(np.percentile(values, q))


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def subset_knowledge(dest: Path) -> Path:
    """A knowledge dir with two guides and one question set (for --quick runs)."""
    src = ROOT / "knowledge"
    (dest / "guides").mkdir(parents=True)
    (dest / "questions").mkdir()
    for name in QUICK_GUIDES:
        shutil.copy(src / "guides" / name, dest / "guides" / name)
    for name in QUICK_SETS:
        shutil.copy(src / "questions" / name, dest / "questions" / name)
    return dest
