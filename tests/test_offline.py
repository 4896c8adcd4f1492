"""Offline by default: no torch, no downloads, everything works with the network unplugged."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("torch", "sentence-transformers", "tensorflow", "jax")


def test_no_heavy_frameworks_installed():
    installed = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
    assert [name for name in FORBIDDEN if name in installed] == []


def _netns_available() -> bool:
    return (
        bool(shutil.which("unshare"))
        and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )


@pytest.mark.skipif(
    not _netns_available(), reason="needs `unshare -n` (root or user namespaces) to unplug the network"
)
def test_search_grade_and_judge_with_network_unplugged(indexed_home, tmp_path):
    """Run the CLI in a network namespace with no interfaces: nothing can be downloaded."""
    cli = [sys.executable, "-m", "interviewbot"]
    search = subprocess.run(
        ["unshare", "-n", *cli, "search", "bias variance tradeoff", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert search.returncode == 0, search.stderr
    assert json.loads(search.stdout)[0]["heading"].endswith("The bias-variance tradeoff")
    answer = tmp_path / "answer.txt"
    answer.write_text(
        "Bias is error from simple assumptions (underfitting); variance is sensitivity to the sample."
    )
    grade = subprocess.run(
        [
            "unshare",
            "-n",
            *cli,
            "grade",
            "--set",
            str(ROOT / "knowledge/questions/ml_theory_core.yaml"),
            "--question",
            "mlt-bias-variance",
            "--answer-file",
            str(answer),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert grade.returncode == 0, grade.stderr
    assert json.loads(grade.stdout)["citations"]
    solution = tmp_path / "sol.py"
    solution.write_text(
        "def two_sum(nums, target):\n    seen = {}\n    for i, x in enumerate(nums):\n"
        "        if target - x in seen:\n            return [seen[target - x], i]\n        seen[x] = i\n"
        "    return []\n"
    )
    judged = subprocess.run(
        [
            "unshare",
            "-n",
            *cli,
            "judge",
            str(solution),
            "--set",
            str(ROOT / "knowledge/questions/coding_algorithms.yaml"),
            "--question",
            "alg-two-sum",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert json.loads(judged.stdout)["verdict"] in {"accepted", "wrong_answer"}, judged.stderr
