"""Follow-ups that probe what an answer missed, and never assume what it did not say."""

from __future__ import annotations

from interviewbot.followups import STAR_PROBES, choose_probe, progress_note, star_phase
from interviewbot.grading.feedback import KeyPointResult
from interviewbot.questions import Question


def missed(text: str, phase: str | None = None) -> KeyPointResult:
    return KeyPointResult(text=text, phase=phase, status="missed")


def question(track: str, follow_ups: list[str], key_points: list) -> Question:
    return Question(id="q", track=track, prompt="Explain it.", follow_ups=follow_ups, key_points=key_points)


def test_behavioral_probe_asks_for_the_missing_star_phase_without_presupposing():
    q = question(
        "behavioral",
        ["What would you have done if the director had rejected your alternative?"],
        [{"text": "sets the context", "phase": "situation"}, {"text": "quantifies the outcome"}],
    )
    probe = choose_probe(q, "I rewrote the pipeline.", [missed("quantifies the outcome")], total=2)
    assert probe.prompt == STAR_PROBES["result"] and "director" not in probe.prompt
    assert probe.key_points == ["quantifies the outcome"]
    assert probe.note.startswith("You covered 1 of 2 key points")


def test_star_phase_from_tag_or_wording():
    assert star_phase(missed("anything", "task")) == "task"
    assert star_phase(missed("explains the stakes")) == "situation"
    assert star_phase(missed("I rolled back the model")) == "action"


def test_a_related_bank_follow_up_is_used_for_the_points_it_is_about():
    q = question(
        "ml_theory",
        ["How would you pick the number of components to keep?", "Why is scaling needed first?"],
        ["PCA keeps the components with the largest explained variance", "features must be standardised"],
    )
    points = [
        missed("features must be standardised first, or scale dominates"),
        missed("unrelated point x y"),
    ]
    probe = choose_probe(q, "PCA projects data.", points, total=2)
    assert probe.prompt == "Why is scaling needed first?"
    assert probe.key_points == ["features must be standardised first, or scale dominates"]


def test_without_a_related_follow_up_the_probe_names_the_missed_terms_not_the_answer():
    q = question("ml_theory", ["How would you tune it?"], ["dropout randomly zeroes activations"])
    probe = choose_probe(
        q, "Regularisation reduces overfitting.", [missed("dropout randomly zeroes activations")], 1
    )
    assert (
        "it involves dropout, zeroes, activations." in probe.prompt and "regularisation" not in probe.prompt
    )
    assert probe.key_points == ["dropout randomly zeroes activations"]


def test_nothing_missed_means_no_follow_up():
    q = question("ml_theory", ["Why?"], ["a point here"])
    assert choose_probe(q, "a point here", [], total=1) is None
    assert progress_note(0, 3).startswith("That answer did not reach")
