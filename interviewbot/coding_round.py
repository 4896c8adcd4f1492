"""The coding turn's actions: drafts kept with the turn, dry runs of the visible tests, judged submissions.

A mixin of `InterviewSession` (it uses the session's store, judge, turn and messages).
"""

from __future__ import annotations

from interviewbot import wording
from interviewbot.answers import MAX_CODE_CHARS, clean_code
from interviewbot.errors import ValidationError
from interviewbot.grading.derived import COMPLEXITY_PROMPT
from interviewbot.guards import action, all_or_nothing
from interviewbot.judge.models import Verdict
from interviewbot.render import verdict_markdown
from interviewbot.turn import FollowUp, Message

MAX_SUBMISSIONS = 3


class CodingRound:
    """Submit, run and draft: what a candidate does with code."""

    @action()
    @all_or_nothing
    def submit_code(self, code: str) -> list[Message]:
        """Judge the code against every test; when accepted (or out of tries) ask about complexity."""
        code = clean_code(code)
        turn = self._require_turn(("code",))
        turn.code, turn.submissions, turn.last_run = code, turn.submissions + 1, None
        turn.verdict = self.services.judge.run(turn.question, code)
        out = [
            self._say("candidate", "code", code),
            self._say(
                "system",
                "verdict",
                verdict_markdown(turn.verdict, turn.question.entry_point),
                {"verdict": turn.stored_verdict()},
            ),
        ]
        if turn.verdict.accepted or turn.submissions >= MAX_SUBMISSIONS:
            turn.follow_ups.append(FollowUp(kind="complexity", prompt=COMPLEXITY_PROMPT))
            out.append(self._say("interviewer", "follow_up", COMPLEXITY_PROMPT))
        else:
            left = MAX_SUBMISSIONS - turn.submissions
            out.append(self._say("interviewer", "text", wording.not_accepted_yet(left)))
        self._save_turn(status="answered")
        return out

    @action(ignored=lambda: None)
    def run_visible(self, code: str) -> Verdict:
        """Run only the visible tests (a dry run: not graded; the code is kept as the turn's draft)."""
        code = clean_code(code)
        turn = self._require_turn(("code",))
        self._keep_draft(code)
        turn.last_run = self.services.judge.run(turn.question, code, visible_only=True)
        return turn.last_run

    def save_draft(self, code: str) -> bool:
        """Keep the code being written with the turn, so a refresh or a resume shows it (True: saved)."""
        code = (code or "").replace("\x00", "")
        if len(code) > MAX_CODE_CHARS:
            raise ValidationError(f"the code is {len(code):,} characters; the limit is {MAX_CODE_CHARS:,}.")
        with self.lock:
            if self.finished or self.turn is None or self.turn.awaiting != "code":
                return False  # the editor reported late: the code question is already answered
            return self._keep_draft(code)

    def _keep_draft(self, code: str) -> bool:
        if code == self.turn.code:
            return False
        self.turn.code = code
        self.services.store.update_turn(self.turn.id, code=code)
        return True
