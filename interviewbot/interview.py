"""The interview engine: the `InterviewSession` state machine shared by the CLI and the app.

pick question -> ask -> take answer (text or code) -> follow-up / hint -> grade -> feedback ->
next; a summary at the end. Every step is committed to the transcript store as it happens, so
a session can be resumed after a crash or a browser refresh. What to ask is decided in
`practice`, how answers are graded in `grading`, what the interviewer says in `wording`.

A UI may call one session from several threads (Streamlit starts a new script run when a click
arrives while the previous run is still busy), so every candidate action holds the session's
lock, and an action sent with the `step` it answers is dropped when that step is already done.
"""

from __future__ import annotations

import copy
import functools
import logging
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel

from interviewbot import practice, wording
from interviewbot.answers import MAX_CODE_CHARS, clean_answer, clean_code
from interviewbot.errors import InterviewbotError, NotFoundError, ValidationError
from interviewbot.grading.policy import hint_cap
from interviewbot.judge.models import Verdict
from interviewbot.questions import DIFFICULTIES, TRACKS, Question
from interviewbot.render import feedback_markdown, summary_markdown, verdict_markdown
from interviewbot.services import Services

log = logging.getLogger(__name__)
MAX_SUBMISSIONS = 3
MAX_QUESTIONS = 50


@dataclass
class InterviewConfig:
    """What the candidate asked for."""

    tracks: list[str] = field(default_factory=lambda: ["ml_theory"])
    topics: list[str] = field(default_factory=list)
    difficulty: str | None = None  # None: adaptive, starting at medium
    num_questions: int = 5
    seed: int | None = None
    sets: list[str] = field(default_factory=list)  # question-set names; empty: every set
    question_ids: list[str] = field(default_factory=list)  # ask these first (e.g. the ones due)

    def __post_init__(self):
        bad = [t for t in self.tracks if t not in TRACKS]
        if bad or not self.tracks:
            raise ValidationError(f"unknown track(s) {bad or '(none)'}; choose from {', '.join(TRACKS)}.")
        if self.difficulty not in (None, *DIFFICULTIES):
            raise ValidationError(f"unknown difficulty {self.difficulty!r}; use easy, medium or hard.")
        if not 1 <= self.num_questions <= MAX_QUESTIONS:
            raise ValidationError(f"number of questions must be between 1 and {MAX_QUESTIONS}.")
        if self.seed is None:
            self.seed = random.randrange(1 << 30)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Message:
    """One chat message, as shown in the app and stored in the transcript."""

    role: str  # interviewer | candidate | system
    kind: str  # question | answer | code | hint | follow_up | feedback | verdict | summary | text
    content: str
    meta: dict = field(default_factory=dict)


class FollowUp(BaseModel):
    """A follow-up exchange on the current question: a design round, a probe, the complexity talk."""

    kind: str  # design_stage | follow_up | complexity
    prompt: str
    answer: str | None = None
    stage: int | None = None  # design round number (stored as "stage" in existing transcripts)


@dataclass
class Turn:
    """The question in flight and everything said about it so far."""

    id: int
    question: Question
    asked_at: float
    hints_used: int = 0
    answer: str = ""
    code: str = ""
    submissions: int = 0
    verdict: Verdict | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)
    last_run: Verdict | None = None  # the latest dry run on the visible tests (kept in memory only)

    @property
    def pending_follow_up(self) -> FollowUp | None:
        return next((f for f in self.follow_ups if f.answer is None), None)

    @property
    def awaiting(self) -> str:
        """What the candidate is expected to give next: answer | code | follow_up."""
        if self.pending_follow_up is not None:
            return "follow_up"
        return "code" if self.question.track == "coding" else "answer"

    @property
    def has_answer(self) -> bool:
        """Something gradable was given: an answer, a follow-up answer or a judged submission."""
        return bool(self.answer or self.verdict or any(f.answer for f in self.follow_ups))

    def graded_text(self) -> str:
        """What is graded: the answer and follow-up answers (coding: the discussion only)."""
        parts = [self.answer] if self.answer and self.question.track != "coding" else []
        parts += [f.answer for f in self.follow_ups if f.answer]
        return "\n\n".join(parts)

    def stored_verdict(self) -> dict | None:
        """The verdict as stored (with the submission count beside it)."""
        if self.verdict is None:
            return None
        return self.verdict.model_dump(mode="json") | {"submissions": self.submissions}


def _now() -> float:
    return time.time()


def _action(ignored=list):
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


def _iso_to_ts(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if not value:
        return _now()
    parsed = datetime.fromisoformat(str(value))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _turn_from_row(row: dict, question: Question) -> Turn:
    stored = dict(row["verdict"] or {})
    submissions = stored.pop("submissions", 0)
    return Turn(
        row["id"],
        question,
        _iso_to_ts(row["asked_at"]),
        row["hints_used"] or 0,
        row["answer"] or "",
        row["code"] or "",
        submissions,
        Verdict.model_validate(stored) if stored else None,
        [FollowUp.model_validate(f) for f in row["follow_ups"] or []],
    )


def _all_or_nothing(action):
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


class InterviewSession:
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
        self.started_at = _now()
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
        session.started_at = _iso_to_ts(data["started_at"])
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
            self.turn = _turn_from_row(row, question)

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
        now = _now()
        return {
            "question_s": now - self.turn.asked_at if self.turn else 0.0,
            "session_s": now - self.started_at,
        }

    # --- choosing questions ------------------------------------------------------------------

    def _done(self) -> bool:
        return len(self.asked) >= self.config.num_questions

    def _pick(self) -> Question | None:
        bank, store, config = self.services.bank, self.services.store, self.config
        chosen = [qid for qid in config.question_ids if qid not in self.asked]
        if chosen:
            return bank.get(chosen[0])
        track = config.tracks[len(self.asked) % len(config.tracks)]
        pool = [q for q in bank.questions(track, config.topics, sets=config.sets) if q.id not in self.asked]
        wider = [q for q in bank.questions(track, sets=config.sets) if q.id not in self.asked]
        wider = wider if config.topics else []
        rows = store.progress()  # one read serves both statistics
        rng = random.Random(f"{self.config.seed}-{len(self.asked)}")
        stats = practice.question_stats(rows), practice.topic_stats(rows)
        key = practice.priority_key(*stats, self.difficulty, rng)
        return practice.pick_question(pool, wider, key)

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
        self.turn = Turn(tid, question, _now())
        text = self.services.interviewer.phrase_question(question, self.on_token)
        if question.track == "system_design":
            first = wording.DESIGN_ROUND_PROMPTS[0]
            text = f"{text}\n\n{first}"
            self.turn.follow_ups = [FollowUp(kind="design_stage", stage=0, prompt=first)]
            self._save_turn()
        meta = {
            "question_id": question.id,
            "track": question.track,
            "difficulty": question.difficulty,
            "topics": question.topics,
            "number": len(self.asked),
            "of": self.config.num_questions,
        }
        if question.track == "coding":
            meta["starter_code"] = question.starter_code or f"def {question.entry_point}(...):\n    pass\n"
        return [self._say("interviewer", "question", text, meta)]

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

    @_action()
    @_all_or_nothing
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
        """Ask one follow-up when the first answer misses key points and the bank has one."""
        turn = self.turn
        if turn.question.track == "coding" or turn.follow_ups or not turn.question.follow_ups:
            return []
        missed = self.services.grader.missed_points(turn.question, text)
        if not missed:
            return []
        prompt = self.services.interviewer.follow_up(turn.question, text, missed, self.on_token)
        prompt = prompt or turn.question.follow_ups[0]
        turn.follow_ups.append(FollowUp(kind="follow_up", prompt=prompt))
        self._save_turn(status="answered")
        return [self._say("interviewer", "follow_up", prompt)]

    @_action()
    @_all_or_nothing
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
            turn.follow_ups.append(FollowUp(kind="complexity", prompt=wording.COMPLEXITY_PROMPT))
            out.append(self._say("interviewer", "follow_up", wording.COMPLEXITY_PROMPT))
        else:
            left = MAX_SUBMISSIONS - turn.submissions
            out.append(self._say("interviewer", "text", wording.not_accepted_yet(left)))
        self._save_turn(status="answered")
        return out

    @_action(ignored=lambda: None)
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

    @_action()
    @_all_or_nothing
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

    @_action()
    @_all_or_nothing
    def skip(self) -> list[Message]:
        """Move on without grading this question."""
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        self._save_turn(status="skipped", elapsed_s=_now() - self.turn.asked_at)
        out = [self._say("candidate", "text", "(skipped)")]
        self.turn = None
        return out + self._ask_next()

    # --- grading -----------------------------------------------------------------------------

    def grade_current(self):
        """Grade the turn in flight (offline, then the LLM grader when one is configured)."""
        turn = self.turn
        return self.services.grader.grade_turn(
            turn.question,
            turn.graded_text(),
            hints_used=turn.hints_used,
            verdict=turn.verdict,
            submissions=turn.submissions,
        )

    def _grade_and_next(self) -> list[Message]:
        out = self._grade_turn()
        return out + self._ask_next()

    def _grade_turn(self) -> list[Message]:
        """Grade and store the turn in flight; the feedback message (the turn is then closed)."""
        turn = self.turn
        graded = self.grade_current()
        feedback, elapsed = graded.feedback, _now() - turn.asked_at
        self.services.store.update_turn(
            turn.id,
            status="graded",
            feedback=feedback.model_dump(mode="json"),
            score=feedback.score,
            elapsed_s=elapsed,
            backend=self.services.backend,
            model=graded.model or self.services.model,
            usage=graded.usage,
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

    @_action()
    @_all_or_nothing
    def end(self) -> list[Message]:
        """Finish: a summary with per-track/per-topic scores and a study plan."""
        if self.finished:
            return []
        out = []
        if self.turn is not None and self.turn.has_answer:
            out = self._grade_turn()  # what was already answered is graded, not thrown away
        elif self.turn is not None:
            self._save_turn(status="skipped", elapsed_s=_now() - self.turn.asked_at)
            self.turn = None
        index = self.services.index
        summary = practice.build_summary(
            self.scores, _now() - self.started_at, lambda topics: practice.study_plan(topics, index)
        )
        self.finished = True
        msg = self._say("interviewer", "summary", summary_markdown(summary))
        self.services.store.end_session(self.id, summary=summary.model_dump(mode="json"))
        return [*out, msg]
