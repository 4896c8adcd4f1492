"""What the interviewer says without an LLM: the design-round prompts and the coding follow-ups."""

from __future__ import annotations

from interviewbot.questions import DESIGN_PHASES

# A system-design answer is taken in rounds of two phases each, in DESIGN_PHASES order.
DESIGN_ROUNDS = tuple(zip(DESIGN_PHASES[::2], DESIGN_PHASES[1::2], strict=True))
DESIGN_ROUND_PROMPTS = (
    "Let's take it phase by phase. Start with requirements and data: what are the goals, the "
    "metrics and constraints, and what data (and labels) would you use?",
    "Next, features and the model: which features would you build, and which model(s) would you "
    "start with and why?",
    "Now evaluation and serving: how would you evaluate offline and online, and how would you "
    "serve predictions within the latency budget?",
    "Finally, monitoring and scaling: what would you monitor after launch, and how does the "
    "system scale and improve over time?",
)
NO_MORE_QUESTIONS = "No more questions match your filters."
NO_MORE_HINTS = "No more hints for this question."


def not_accepted_yet(tries_left: int) -> str:
    """The nudge after a rejected submission."""
    tries = "try" if tries_left == 1 else "tries"
    return f"Not accepted yet. Fix it and submit again ({tries_left} {tries} left), or ask for a hint."
