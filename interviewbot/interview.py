"""The interview engine: an `InterviewSession` state machine shared by the CLI and the app.

pick question -> ask -> take answer (text or code) -> follow-up / hint -> grade -> feedback ->
next; a summary at the end. Every step is committed to the transcript store as it happens, so
a session can be resumed after a crash or a browser refresh.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.grading.policy import combined_cap, hint_cap, verdict_cap
from interviewbot.questions import DIFFICULTIES, TRACKS, Question

MAX_ANSWER_CHARS = 50_000
MAX_CODE_CHARS = 100_000
MAX_SUBMISSIONS = 3
STRONG, WEAK = 7.5, 4.5  # adaptive difficulty moves up / down past these scores
DUE_SCORE = 6.0  # a question last scored below this comes back first in later sessions
DESIGN_STAGES = (
    ("requirements", "data"),
    ("features", "model"),
    ("evaluation", "serving"),
    ("monitoring", "scaling"),
)
_STAGE_PROMPTS = (
    "Let's take it phase by phase. Start with requirements and data: what are the goals, the "
    "metrics and constraints, and what data (and labels) would you use?",
    "Next, features and the model: which features would you build, and which model(s) would you "
    "start with and why?",
    "Now evaluation and serving: how would you evaluate offline and online, and how would you "
    "serve predictions within the latency budget?",
    "Finally, monitoring and scaling: what would you monitor after launch, and how does the "
    "system scale and improve over time?",
)
COMPLEXITY_PROMPT = (
    "Walk me through your approach: what are its time and space complexity, which edge cases "
    "did you handle, and could it be done better?"
)


@dataclass
class InterviewConfig:
    """What the candidate asked for."""

    tracks: list[str] = field(default_factory=lambda: ["ml_theory"])
    topics: list[str] = field(default_factory=list)
    difficulty: str | None = None  # None: adaptive, starting at medium
    num_questions: int = 5
    seed: int | None = None

    def __post_init__(self):
        bad = [t for t in self.tracks if t not in TRACKS]
        if bad or not self.tracks:
            raise ValidationError(f"unknown track(s) {bad or '(none)'}; choose from {', '.join(TRACKS)}.")
        if self.difficulty not in (None, *DIFFICULTIES):
            raise ValidationError(f"unknown difficulty {self.difficulty!r}; use easy, medium or hard.")
        if not 1 <= self.num_questions <= 50:
            raise ValidationError("number of questions must be between 1 and 50.")
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
    verdict: dict | None = None
    exchanges: list[dict] = field(default_factory=list)  # follow-ups: {kind, prompt, answer, stage}

    @property
    def pending_exchange(self) -> dict | None:
        return next((e for e in self.exchanges if e.get("answer") is None), None)

    @property
    def awaiting(self) -> str:
        """What the candidate is expected to give next: answer | code | follow_up."""
        if self.pending_exchange is not None:
            return "follow_up"
        if self.question.track == "coding":
            return "code"
        return "answer"


@dataclass
class Services:
    """Everything the engine talks to, built once per process (the app caches it)."""

    settings: object
    bank: object
    index: object
    grader: object  # OfflineGrader
    judge: object
    store: object  # TranscriptStore
    interviewer: object | None = None
    llm_grader: object | None = None
    backend: str = "offline"
    model: str | None = None

    @classmethod
    def build(cls, settings, *, store=None, index=None) -> Services:
        """Wire the default services from settings (offline unless an LLM backend is configured)."""
        from interviewbot.bank import QuestionBank
        from interviewbot.grading.offline import OfflineGrader
        from interviewbot.index import KnowledgeIndex
        from interviewbot.judge import get_judge
        from interviewbot.transcripts import TranscriptStore

        index = index or KnowledgeIndex(settings)  # the embedder and Chroma load on first use
        services = cls(
            settings=settings,
            bank=QuestionBank(settings),
            index=index,
            grader=OfflineGrader(None, index, k=settings.retrieval_k),
            judge=get_judge(settings),
            store=store or TranscriptStore.from_settings(settings),
        )
        services.use_backend(settings)
        return services

    def use_backend(self, settings) -> None:
        """Switch the LLM backend (e.g. from the Settings page); offline clears it."""
        from interviewbot.grading.llm import LLMGrader
        from interviewbot.interviewer import Interviewer
        from interviewbot.llm import get_backend

        backend = get_backend(settings)
        self.interviewer = Interviewer(backend)
        self.llm_grader = LLMGrader(backend) if backend is not None else None
        self.backend = settings.backend
        self.model = settings.model if backend is not None else None


def _now() -> float:
    return time.time()


def _iso_to_ts(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if not value:
        return _now()
    parsed = datetime.fromisoformat(str(value))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


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

    # --- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def start(cls, services: Services, config: InterviewConfig, on_token=None) -> InterviewSession:
        """Create a stored session and ask the first question (`on_token` streams LLM phrasing)."""
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
        session = cls(services, session_id, InterviewConfig(**data["config"]))
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
            self.scores.append((question, float(row["score"])))
            self._adapt(float(row["score"]))
        if row["status"] in ("asked", "answered"):
            self.turn = Turn(
                row["id"],
                question,
                _iso_to_ts(row["asked_at"]),
                row["hints_used"] or 0,
                row["answer"] or "",
                row["code"] or "",
                verdict=row["verdict"],
                exchanges=list(row["follow_ups"] or []),
            )
            self.turn.submissions = (row["verdict"] or {}).get("submissions", 0)

    @property
    def messages(self) -> list[dict]:
        """The stored chat log, in order."""
        return self.services.store.get_session(self.id)["messages"]

    @property
    def question_number(self) -> int:
        return len(self.asked)

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
        track = self.config.tracks[len(self.asked) % len(self.config.tracks)]
        pool = [q for q in self.services.bank.questions(track, self.config.topics) if q.id not in self.asked]
        if not pool and self.config.topics:  # topic exhausted: widen to the whole track
            pool = [q for q in self.services.bank.questions(track) if q.id not in self.asked]
        if not pool:
            return None
        return min(pool, key=self._priority())

    def _priority(self):
        """Sort key: due questions first (spaced repetition), then weak topics, then difficulty fit."""
        store = self.services.store
        rows = store.progress()  # one read serves both statistics
        qstats, tstats = store.question_stats(rows), store.topic_stats(rows)
        rng = random.Random(f"{self.config.seed}-{len(self.asked)}")
        noise = {}
        target = DIFFICULTIES.index(self.difficulty)

        def key(q: Question):
            seen = qstats.get(q.id)
            if seen and seen.get("last_score") is not None and seen["last_score"] < DUE_SCORE:
                due = (0, seen["last_score"])
            elif any((tstats.get(t) or {}).get("mean_score", 10) < DUE_SCORE for t in q.topics):
                due = (1, 0.0)
            else:
                due = (2 if not seen else 3, 0.0)
            fit = abs(DIFFICULTIES.index(q.difficulty) - target)
            return (due[0], fit, due[1], noise.setdefault(q.id, rng.random()))

        return key

    def _adapt(self, score: float) -> None:
        if self.config.difficulty is not None:
            return
        level = DIFFICULTIES.index(self.difficulty)
        if score >= STRONG:
            level = min(level + 1, len(DIFFICULTIES) - 1)
        elif score < WEAK:
            level = max(level - 1, 0)
        self.difficulty = DIFFICULTIES[level]

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
            out = [self._say("system", "text", "No more questions match your filters.")]
            return out + self.end()
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
        text = (
            self.services.interviewer.phrase_question(question, self.on_token)
            if self.services.interviewer
            else question.prompt
        )
        if question.track == "system_design":
            text = f"{text}\n\n{_STAGE_PROMPTS[0]}"
            self.turn.exchanges = [
                {"kind": "design_stage", "stage": 0, "prompt": _STAGE_PROMPTS[0], "answer": None}
            ]
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
            follow_ups=t.exchanges,
            verdict=t.verdict,
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

    def answer(self, text: str, meta: dict | None = None) -> list[Message]:
        """A text answer: to the question, a follow-up, a design phase or the complexity question.

        `meta` is stored with the candidate's message, e.g. {"spoken": True, "audio_s": 12.3, "heard": ...}.
        """
        text = clean_answer(text)
        turn = self._require_turn(("answer", "follow_up"))
        out = [self._say("candidate", "answer", text, meta)]
        pending = turn.pending_exchange
        if pending is not None:
            pending["answer"] = text
            return out + self._after_exchange(pending)
        turn.answer = text
        self._save_turn(status="answered")
        follow = self._maybe_follow_up(text)
        return out + (follow if follow else self._grade_and_next())

    def _after_exchange(self, exchange: dict) -> list[Message]:
        turn = self.turn
        if exchange["kind"] == "design_stage" and exchange["stage"] + 1 < len(DESIGN_STAGES):
            stage = exchange["stage"] + 1
            turn.exchanges.append(
                {"kind": "design_stage", "stage": stage, "prompt": _STAGE_PROMPTS[stage], "answer": None}
            )
            self._save_turn(status="answered")
            return [self._say("interviewer", "follow_up", _STAGE_PROMPTS[stage], {"stage": stage})]
        self._save_turn(status="answered")
        return self._grade_and_next()

    def _maybe_follow_up(self, text: str) -> list[Message]:
        """Ask one follow-up when the first answer misses key points and the bank has one."""
        turn = self.turn
        if turn.question.track == "coding" or turn.exchanges:
            return []
        results, _, _ = self.services.grader.scorer.assess(turn.question, text)
        missed = [r for r in results if r.status != "covered"]
        if not missed or not turn.question.follow_ups:
            return []
        prompt = None
        if self.services.interviewer is not None:
            prompt = self.services.interviewer.follow_up(turn.question, text, missed, self.on_token)
        prompt = prompt or turn.question.follow_ups[0]
        turn.exchanges.append({"kind": "follow_up", "prompt": prompt, "answer": None})
        self._save_turn(status="answered")
        return [self._say("interviewer", "follow_up", prompt)]

    def submit_code(self, code: str) -> list[Message]:
        """Judge the code against every test; when accepted (or out of tries) ask about complexity."""
        code = clean_code(code)
        turn = self._require_turn(("code",))
        turn.code, turn.submissions = code, turn.submissions + 1
        verdict = self.services.judge.run(turn.question, code)
        turn.verdict = verdict.model_dump(mode="json") | {"submissions": turn.submissions}
        out = [
            self._say("candidate", "code", code),
            self._say("system", "verdict", verdict_markdown(verdict), {"verdict": turn.verdict}),
        ]
        if verdict.verdict == "accepted" or turn.submissions >= MAX_SUBMISSIONS:
            turn.exchanges.append({"kind": "complexity", "prompt": COMPLEXITY_PROMPT, "answer": None})
            out.append(self._say("interviewer", "follow_up", COMPLEXITY_PROMPT))
        else:
            left = MAX_SUBMISSIONS - turn.submissions
            out.append(
                self._say(
                    "interviewer",
                    "text",
                    f"Not accepted yet. Fix it and submit again "
                    f"({left} {'try' if left == 1 else 'tries'} left), or ask for a hint.",
                )
            )
        self._save_turn(status="answered")
        return out

    def run_visible(self, code: str):
        """Run only the visible tests (a dry run: nothing is graded or stored)."""
        code = clean_code(code)
        turn = self._require_turn(("code",))
        return self.services.judge.run(turn.question, code, visible_only=True)

    def hint(self) -> list[Message]:
        """The next hint on the ladder; each one lowers the score cap."""
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        turn = self.turn
        hints = turn.question.hints
        if turn.hints_used >= len(hints):
            return [self._say("interviewer", "hint", "No more hints for this question.")]
        text = hints[turn.hints_used]
        turn.hints_used += 1
        self._save_turn()
        cap = hint_cap(turn.hints_used)
        return [
            self._say(
                "interviewer", "hint", f"Hint {turn.hints_used}/{len(hints)}: {text}", {"score_cap": cap}
            )
        ]

    def skip(self) -> list[Message]:
        """Move on without grading this question."""
        if self.finished or self.turn is None:
            raise ValidationError("this interview has ended; start a new one.")
        self._save_turn(status="skipped", elapsed_s=_now() - self.turn.asked_at)
        out = [self._say("candidate", "text", "(skipped)")]
        self.turn = None
        return out + self._ask_next()

    # --- grading -----------------------------------------------------------------------------

    def _graded_text(self) -> str:
        turn = self.turn
        parts = [turn.answer] if turn.answer else []
        parts += [e["answer"] for e in turn.exchanges if e.get("answer")]
        return "\n\n".join(parts)

    def grade_current(self):
        """Grade the turn in flight: offline always, then the LLM grader when one is configured."""
        from types import SimpleNamespace

        turn = self.turn
        verdict = SimpleNamespace(**turn.verdict) if turn.verdict else None
        text = (
            self._graded_text()
            if turn.question.track != "coding"
            else "\n\n".join(e["answer"] for e in turn.exchanges if e.get("answer"))
        )
        result = self.services.grader.grade(turn.question, text, hints_used=turn.hints_used, verdict=verdict)
        feedback, meta = result.feedback, {}
        if self.services.llm_grader is not None:
            feedback, meta = self.services.llm_grader.grade(
                turn.question, text, result.retrieved, result.feedback
            )
            feedback = _respect_caps(feedback, result.feedback.score_cap, verdict)
        return feedback, meta

    def _grade_and_next(self) -> list[Message]:
        turn = self.turn
        feedback, meta = self.grade_current()
        elapsed = _now() - turn.asked_at
        self.services.store.update_turn(
            turn.id,
            status="graded",
            feedback=feedback.model_dump(mode="json"),
            score=feedback.score,
            citations=[c.model_dump() for c in feedback.citations],
            elapsed_s=elapsed,
            backend=self.services.backend,
            model=meta.get("model") or self.services.model,
            usage=meta.get("usage") or {},
            graded_at=datetime.now(UTC).isoformat(),
            answer=turn.answer,
            follow_ups=turn.exchanges,
            hints_used=turn.hints_used,
        )
        out = [
            self._say(
                "interviewer",
                "feedback",
                feedback_markdown(feedback),
                {"feedback": feedback.model_dump(mode="json"), "elapsed_s": round(elapsed, 1)},
            )
        ]
        self.scores.append((turn.question, feedback.score))
        self._adapt(feedback.score)
        self.turn = None
        return out + self._ask_next()

    def end(self) -> list[Message]:
        """Finish: a summary with per-track/per-topic scores and a study plan."""
        if self.finished:
            return []
        if self.turn is not None:
            self._save_turn(status="skipped", elapsed_s=_now() - self.turn.asked_at)
            self.turn = None
        summary = build_summary(self.scores, self.services.index, _now() - self.started_at)
        self.finished = True
        msg = self._say("interviewer", "summary", summary_markdown(summary), {"summary": summary})
        self.services.store.end_session(self.id, summary=summary)
        return [msg]


def _respect_caps(feedback, hints_cap, verdict):
    """The LLM may phrase and judge, but hint caps and failed tests still bound the score."""
    limit = combined_cap(hints_cap, verdict_cap(verdict))
    if limit is not None and feedback.score > limit:
        feedback = feedback.model_copy(update={"score": limit, "score_cap": hints_cap})
    return feedback


def clean_answer(text: str) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError("the answer is empty: type an answer, or use skip / hint.")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValidationError(
            f"the answer is {len(text):,} characters; the limit is {MAX_ANSWER_CHARS:,}. Shorten it "
            "to the essentials (nothing was submitted)."
        )
    return text


def clean_code(code: str) -> str:
    code = (code or "").replace("\x00", "")
    if not code.strip():
        raise ValidationError("the code is empty: write the function, then submit.")
    if len(code) > MAX_CODE_CHARS:
        raise ValidationError(f"the code is {len(code):,} characters; the limit is {MAX_CODE_CHARS:,}.")
    return code


def verdict_markdown(verdict) -> str:
    """A verdict as Markdown: the outcome, the first failing visible test, the reason."""
    line = f"**{verdict.verdict.replace('_', ' ').title()}**: {verdict.passed}/{verdict.total} tests passed."
    if verdict.message and verdict.verdict != "accepted":
        line += f"\n\n{verdict.message.strip()[:500]}"
    ff = verdict.first_failure
    if ff is not None:
        ff = ff if isinstance(ff, dict) else ff.model_dump()
        if ff.get("error"):
            line += f"\n\nFirst failing visible test #{ff.get('index')}: {ff['error']}"
        else:
            line += (
                f"\n\nFirst failing visible test #{ff.get('index')}: args `{ff.get('args')}` "
                f"expected `{ff.get('expected')}`, got `{ff.get('got')}`."
            )
    return line


def feedback_markdown(fb) -> str:
    """Feedback as Markdown (used in the terminal, exports and as the chat fallback)."""
    icon = {"covered": "[x]", "partly": "[~]", "missed": "[ ]"}
    lines = [
        f"**Score: {fb.score:.1f}/10**"
        + (f" (capped at {fb.score_cap:g} for hints)" if fb.score_cap else ""),
        "",
        fb.summary,
    ]
    if fb.key_points:
        lines += ["", "Key points:"]
        for kp in fb.key_points:
            ev = f' - "{kp.evidence}"' if kp.evidence else ""
            lines.append(f"- {icon[kp.status]} {kp.text}{ev}")
    if fb.citations:
        lines += ["", "From the guides:"]
        lines += [f'- [{c.chunk_id[:8]}] {c.heading} ({c.source}): "{c.quote}"' for c in fb.citations]
    if fb.fallback_reason:
        lines += ["", f"Note: {fb.fallback_reason}"]
    if fb.next_step:
        lines += ["", f"Next: {fb.next_step}"]
    return "\n".join(lines)


def build_summary(scores: list[tuple[Question, float]], index, seconds: float) -> dict:
    """Per-track and per-topic means, strongest/weakest topics and a study plan."""
    by_track: dict[str, list[float]] = {}
    by_topic: dict[str, list[float]] = {}
    for q, s in scores:
        by_track.setdefault(q.track, []).append(s)
        for t in q.topics:
            by_topic.setdefault(t, []).append(s)
    mean = lambda xs: round(sum(xs) / len(xs), 1)
    topics = {t: mean(v) for t, v in by_topic.items()}
    ranked = sorted(topics, key=lambda t: (topics[t], t))
    weakest = [t for t in ranked if topics[t] < STRONG][:3]
    strongest = [t for t in reversed(ranked) if topics[t] >= WEAK][:3]
    return {
        "questions": len(scores),
        "overall": mean([s for _, s in scores]) if scores else None,
        "tracks": {t: mean(v) for t, v in by_track.items()},
        "topics": topics,
        "strongest": strongest,
        "weakest": weakest,
        "duration_s": round(seconds, 1),
        "study_plan": _study_plan(weakest, index),
    }


def _study_plan(topics: list[str], index) -> list[dict]:
    if not topics or index is None:
        return []
    plan = []
    for topic, hits in zip(topics, index.search_many([t.replace("-", " ") for t in topics], k=1)):
        if hits:
            plan.append(
                {"topic": topic, "heading": hits[0].heading, "source": hits[0].source, "chunk_id": hits[0].id}
            )
    return plan


def summary_markdown(summary: dict) -> str:
    """The end-of-session summary as Markdown."""
    if not summary["questions"]:
        return "Interview ended. No question was graded, so there is no score yet."
    lines = [f"**Interview complete: {summary['questions']} graded, overall {summary['overall']}/10.**", ""]
    lines += [f"- {t.replace('_', ' ')}: {s}/10" for t, s in summary["tracks"].items()]
    if summary["strongest"]:
        lines += ["", f"Strongest topics: {', '.join(summary['strongest'])}."]
    if summary["weakest"]:
        lines += ["", f"Weakest topics: {', '.join(summary['weakest'])}."]
    if summary["study_plan"]:
        lines.append("\nStudy plan:")
        lines += [f'- {p["topic"]}: read "{p["heading"]}" ({p["source"]})' for p in summary["study_plan"]]
    return "\n".join(lines)
