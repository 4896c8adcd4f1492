"""The interview engine: the `InterviewSession` state machine shared by the CLI and the app.

pick question -> ask -> take answer (text or code) -> follow-up / hint -> grade -> feedback ->
next; a summary at the end. Every step is committed to the transcript store as it happens, so
a session can be resumed after a crash or a browser refresh. What to ask is decided in
`practice`, how answers are graded in `grading`, what the interviewer says in `wording`.

The data it keeps (config, turns, messages) is in `turn`; how each candidate action runs (one
at a time, once per step, all or nothing) in `guards`.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

from interviewbot import practice, wording
from interviewbot.answers import clean_answer
from interviewbot.coding_round import CodingRound
from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.followups import choose_probe
from interviewbot.grading.policy import hint_cap
from interviewbot.guards import action, all_or_nothing
from interviewbot.questions import Question
from interviewbot.render import feedback_markdown, summary_markdown
from interviewbot.services import Services
from interviewbot.turn import FollowUp, InterviewConfig, Message, Turn, iso_to_ts, now, turn_from_row

__all__ = ["FollowUp", "InterviewConfig", "InterviewSession", "Message", "Turn"]


class InterviewSession(CodingRound):
    """One mock interview. Methods return the new chat messages (already stored)."""

    def __init__(self, services: Services, session_id: str, config: InterviewConfig):
        self.services = services
        self.id = session_id
        self.config = config
        self.turn: Turn | None = None
        self.asked: list[str] = []
        self.scores: list[tuple[Question, float]] = []
        self.difficulty = config.difficulty or "medium"
        self.finished = False
        self.started_at = now()
        self.on_token = None  # a UI shell may set a callback(text_so_far) to stream LLM replies
        self.lock = threading.RLock()  # held by every action; a UI may hold it around one too
        self._step = 0

    # --- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, services: Services, config: InterviewConfig, on_token=None) -> InterviewSession:
        """Create a stored session and ask the first question (`on_token` streams LLM phrasing)."""
        for qid in config.question_ids:  # unknown ids and set names fail here, before anything is stored
            services.bank.get(qid)
        services.bank.questions(sets=config.sets)
        sid = services.store.create_session(
            config=config.to_dict(), backend=services.backend, model=services.model
        )
        session = cls(services, sid, config)
        session.on_token = on_token
        session._ask_next()
        return session

    @classmethod
    def resume(cls, services: Services, session_id: str) -> InterviewSession:
        """Rebuild a session from the store (after a refresh or a crash)."""
        data = services.store.get_session(session_id)
        session = cls(services, data["id"], InterviewConfig(**data["config"]))
        session.started_at = iso_to_ts(data["started_at"])
        session.finished = data["status"] != "active"
        for row in data["turns"]:
            session._replay(row)
        if not session.finished and session.turn is None and not session._done():
            session._ask_next()
        return session

    def _replay(self, row: dict) -> None:
        try:
            question = self.services.bank.get(row["question_id"])
        except NotFoundError:  # its set was removed since: keep the history, skip the turn
            return
        self.asked.append(question.id)
        if row["status"] == "graded" and row["score"] is not None:
            self._record_score(question, float(row["score"]))
        if row["status"] in ("asked", "answered"):
            self.turn = turn_from_row(row, question)

    def transcript(self) -> dict:
        """The stored session: messages in order, turns (with their feedback) and the summary."""
        return self.services.store.get_session(self.id)

    @property
    def messages(self) -> list[dict]:
        """The stored chat log, in order."""
        return self.transcript()["messages"]

    @property
    def question_number(self) -> int:
        return len(self.asked)

    @property
    def step(self) -> int:
        """The pending input's token: it changes with every action taken (waits for one in flight)."""
        with self.lock:
            return self._step

    def elapsed(self) -> dict:
        """Seconds on the current question and in the whole session."""
        current = now()
        return {
            "question_s": current - self.turn.asked_at if self.turn else 0.0,
            "session_s": current - self.started_at,
        }

    # --- choosing questions ------------------------------------------------------------------

    def _done(self) -> bool:
        return len(self.asked) >= self.config.num_questions

    def _pick(self) -> Question | None:
        rng = random.Random(f"{self.config.seed}-{len(self.asked)}")
        rows = self.services.store.progress()
        return practice.next_question(self.services.bank, self.config, self.asked, rows, self.difficulty, rng)

    def _record_score(self, question: Question, score: float) -> None:
        self.scores.append((question, score))
        if self.config.difficulty is None:
            self.difficulty = practice.adapt_difficulty(self.difficulty, score)

    # --- messages ----------------------------------------------------------------------------

    def _say(self, role: str, kind: str, content: str, meta: dict | None = None) -> Message:
        turn_id = self.turn.id if self.turn else None
        self.services.store.add_message(
            self.id, role=role, content=content, kind=kind, turn_id=turn_id, meta=meta or {}
        )
        return Message(role, kind, content, meta or {})

    def _ask_next(self) -> list[Message]:
        if self._done():
            return self.end()
        question = self._pick()
        if question is None:
            return [self._say("system", "text", wording.NO_MORE_QUESTIONS), *self.end()]
        self.asked.append(question.id)
        tid = self.services.store.start_turn(
            self.id,
            question_id=question.id,
            track=question.track,
            topics=question.topics,
            difficulty=question.difficulty,
            prompt=question.prompt,
        )
        self.turn = Turn(tid, question, now())
        self.services.grader.prepare_soon(question)
        text = self.services.interviewer.phrase_question(question, self.on_token)
        notes = self._interviewer_fallback("phrase this question", "the question is shown as written")
        if question.track == "system_design":
            first = wording.DESIGN_ROUND_PROMPTS[0]
            text = f"{text}\n\n{first}"
            self.turn.follow_ups = [FollowUp(kind="design_stage", stage=0, prompt=first)]
            self._save_turn()
        meta = self.turn.question_meta(len(self.asked), self.config.num_questions)
        return [*notes, self._say("interviewer", "question", text, meta)]

    def _interviewer_fallback(self, what: str, instead: str) -> list[Message]:
        """Record the interviewer's LLM call with the turn; say so in the chat when it fell back."""
        meta = dict(self.services.interviewer.last_meta or {})
        if meta:
            self.turn.interviewer_calls.append(meta)
        reason = meta.get("fallback_reason")
        if not reason:
            return []
        return [self._say("system", "text", f"The model could not {what} ({reason}); {instead}.")]

    def _save_turn(self, **extra) -> None:
        t = self.turn
        self.services.store.update_turn(
            t.id,
            answer=t.answer,
            code=t.code,
            hints_used=t.hints_used,
            follow_ups=[f.model_dump() for f in t.follow_ups],
            verdict=t.stored_verdict(),
            **extra,
        )

    # --- candidate actions -------------------------------------------------------------------

    def _require_turn(self, expecting: tuple[str, ...]) -> Turn:
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        if self.turn.awaiting not in expecting:
            need = {
                "code": "submit code for this coding question",
                "answer": "answer in text",
                "follow_up": "answer the follow-up question",
            }[self.turn.awaiting]
            raise ValidationError(f"the interviewer is waiting for you to {need}.")
        return self.turn

    @action()
    @all_or_nothing
    def answer(self, text: str, meta: dict | None = None) -> list[Message]:
        """A text answer: to the question, a follow-up, a design round or the complexity question.

        `meta` is stored with the candidate's message, e.g. {"spoken": True, "audio_s": 12.3, "heard": ...}.
        """
        text = clean_answer(text)
        turn = self._require_turn(("answer", "follow_up"))
        out = [self._say("candidate", "answer", text, meta)]
        pending = turn.pending_follow_up
        if pending is not None:
            pending.answer = text
            return out + self._after_follow_up(pending)
        turn.answer = text
        self._save_turn(status="answered")
        follow = self._maybe_follow_up(text)
        return out + (follow if follow else self._grade_and_next())

    def _after_follow_up(self, done: FollowUp) -> list[Message]:
        turn = self.turn
        if done.kind == "design_stage" and done.stage + 1 < len(wording.DESIGN_ROUNDS):
            stage = done.stage + 1
            prompt = wording.DESIGN_ROUND_PROMPTS[stage]
            turn.follow_ups.append(FollowUp(kind="design_stage", stage=stage, prompt=prompt))
            self._save_turn(status="answered")
            return [self._say("interviewer", "follow_up", prompt, {"stage": stage})]
        self._save_turn(status="answered")
        return self._grade_and_next()

    def _maybe_follow_up(self, text: str) -> list[Message]:
        """One follow-up probing what the first answer missed (a word on the answer first)."""
        turn = self.turn
        if turn.question.track == "coding" or turn.follow_ups:
            return []
        missed = self.services.grader.missed_points(turn.question, text)
        probe = choose_probe(turn.question, text, missed, len(turn.question.key_points))
        if probe is None:
            return []
        prompt = self.services.interviewer.follow_up(turn.question, text, missed, self.on_token)
        notes = self._interviewer_fallback("phrase a follow-up", "here is one about what was missed")
        probed = probe.key_points if not prompt else [m.text for m in missed]
        turn.follow_ups.append(FollowUp(kind="follow_up", prompt=prompt or probe.prompt, key_points=probed))
        self._save_turn(status="answered")
        out = [self._say("interviewer", "text", probe.note)] if probe.note else []
        return [*out, *notes, self._say("interviewer", "follow_up", prompt or probe.prompt)]

    @action()
    @all_or_nothing
    def hint(self) -> list[Message]:
        """The next hint on the ladder; each one lowers the score cap."""
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        turn = self.turn
        hints = turn.question.hints
        if turn.hints_used >= len(hints):
            return [self._say("interviewer", "hint", wording.NO_MORE_HINTS)]
        text = hints[turn.hints_used]
        turn.hints_used += 1
        self._save_turn()
        text = f"Hint {turn.hints_used}/{len(hints)}: {text}"
        return [self._say("interviewer", "hint", text, {"score_cap": hint_cap(turn.hints_used)})]

    @action()
    @all_or_nothing
    def skip(self) -> list[Message]:
        """Move on without grading this question."""
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        self._save_turn(status="skipped", elapsed_s=now() - self.turn.asked_at)
        out = [self._say("candidate", "text", "(skipped)")]
        self.turn = None
        return out + self._ask_next()

    # --- grading -----------------------------------------------------------------------------

    def grade_current(self):
        """Grade the turn in flight (offline, then the LLM grader when one is configured)."""
        turn = self.turn
        question, text, follow_ups = turn.graded_parts()  # each answer against what it was asked
        return self.services.grader.grade_turn(
            question,
            text,
            hints_used=turn.hints_used,
            verdict=turn.verdict,
            submissions=turn.submissions,
            follow_ups=follow_ups,
        )

    def _grade_and_next(self) -> list[Message]:
        out = self._grade_turn()
        return out + self._ask_next()

    def _grade_turn(self) -> list[Message]:
        """Grade and store the turn in flight; the feedback message (the turn is then closed)."""
        turn = self.turn
        graded = self.grade_current()
        feedback, elapsed = graded.feedback, now() - turn.asked_at
        self.services.store.update_turn(
            turn.id,
            status="graded",
            feedback=feedback.model_dump(mode="json"),
            score=feedback.score,
            elapsed_s=elapsed,
            backend=self.services.backend,
            model=graded.model or self.services.model,
            usage=graded.usage | ({"interviewer": turn.interviewer_calls} if turn.interviewer_calls else {}),
            graded_at=datetime.now(UTC).isoformat(),
            answer=turn.answer,
            follow_ups=[f.model_dump() for f in turn.follow_ups],
            hints_used=turn.hints_used,
        )
        # The feedback itself lives on the turn; the message carries its Markdown for exports.
        meta = {"elapsed_s": round(elapsed, 1)}
        out = [self._say("interviewer", "feedback", feedback_markdown(feedback), meta)]
        self._record_score(turn.question, feedback.score)
        self.turn = None
        return out

    @action()
    @all_or_nothing
    def end(self) -> list[Message]:
        """Finish: a summary with per-track/per-topic scores and a study plan."""
        if self.finished:
            return []
        out = []
        if self.turn is not None and self.turn.has_answer:
            out = self._grade_turn()  # what was already answered is graded, not thrown away
        elif self.turn is not None:
            self._save_turn(status="skipped", elapsed_s=now() - self.turn.asked_at)
            self.turn = None
        index = self.services.index
        summary = practice.build_summary(
            self.scores, now() - self.started_at, lambda topics: practice.study_plan(topics, index)
        )
        self.finished = True
        msg = self._say("interviewer", "summary", summary_markdown(summary))
        self.services.store.end_session(self.id, summary=summary.model_dump(mode="json"))
        return [*out, msg]
