"""How candidate actions run: one at a time, once per step, and all or nothing.

A UI may call one session from several threads (Streamlit starts a new script run when a click
arrives while the previous run is still busy), so every candidate action holds the session's
lock, and an action sent with the `step` it answers is dropped when that step is already done.
An action that fails (a database that does not take a write) leaves the session in memory as it
was, so the user can send it again.
"""

from __future__ import annotations

import copy
import functools
import logging

from interviewbot.errors import InterviewbotError

log = logging.getLogger("interviewbot.interview")


def action(ignored=list):
    """A candidate action: run under the session lock, once per pending step.

    Called with `step=` (the step the candidate was answering, see `InterviewSession.step`), an
    action whose step is already done is a repeat (a double click, a second Enter) and returns
    `ignored()` without storing anything. Every action taken moves the session to the next step,
    also one that fails or is cut short: it may have stored part of its work, which must not be
    done twice (a UI draws its inputs again after each action, with the new step).
    """

    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, step: int | None = None, **kwargs):
            with self.lock:
                if step is not None and step != self._step:
                    log.info(
                        "dropped a repeated %s (step %s is done; now %s)", method.__name__, step, self._step
                    )
                    return ignored()
                try:
                    return method(self, *args, **kwargs)
                finally:
                    self._step += 1

        return run

    return wrap


def all_or_nothing(action):
    """A candidate action either completes or leaves the session as it was (e.g. a failed save).

    Writes are committed one by one, so a database that fails half-way can leave an extra
    message behind, but the session in memory never runs ahead of what the user was told.
    """

    @functools.wraps(action)
    def run(self, *args, **kwargs):
        saved = copy.deepcopy(self.turn), list(self.asked), list(self.scores), self.difficulty, self.finished
        try:
            return action(self, *args, **kwargs)
        except InterviewbotError:
            self.turn, self.asked, self.scores, self.difficulty, self.finished = saved
            raise

    return run
