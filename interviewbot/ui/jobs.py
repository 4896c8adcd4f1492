"""Background jobs of the app (indexing an uploaded guide or set): a thread each, progress on the page.

Embedding a large guide takes a while on a laptop; the page stays usable meanwhile (start an
interview, browse) and shows the job's progress until it is done. Jobs run one at a time (they
all change the index) and report their outcome once, in the browser session that started them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from interviewbot.errors import InterviewbotError

WAIT_S = 2.0  # a job that ends this soon is reported at once, as if it were synchronous
_RUN_ONE_AT_A_TIME = threading.Lock()


@dataclass
class Job:
    """One background task and what the page shows of it."""

    label: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    done: int = 0
    total: int = 0
    stage: str = "waiting"
    finished: threading.Event = field(default_factory=threading.Event)
    message: str = ""  # the outcome, when finished
    failed: bool = False

    def progress(self, done: int, total: int, stage: str) -> None:
        self.done, self.total, self.stage = done, total, stage

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


@st.cache_resource(show_spinner=False)
def _registry() -> dict[str, Job]:
    return {}


def _run(job: Job, work: Callable[[Callable[[int, int, str], None]], str], cleanup) -> None:
    try:
        with _RUN_ONE_AT_A_TIME:
            job.stage = "indexing"
            job.message = work(job.progress)
    except InterviewbotError as exc:
        job.failed, job.message = True, str(exc)
    except Exception as exc:  # never a traceback on the page; the user's file is untouched
        job.failed, job.message = (
            True,
            f"Something went wrong: {type(exc).__name__}: {exc}. Nothing was added.",
        )
    finally:
        if cleanup:
            cleanup()
        job.finished.set()


def start(label: str, work, cleanup=None) -> Job:
    """Run `work(progress) -> message` in the background; wait briefly so quick jobs feel synchronous."""
    job = Job(label)
    _registry()[job.id] = job
    st.session_state.setdefault("_jobs", []).append(job.id)
    threading.Thread(target=_run, args=(job, work, cleanup), daemon=True, name=f"job-{label}").start()
    job.finished.wait(WAIT_S)
    return job


def mine() -> list[Job]:
    """This browser session's jobs that are running or not yet reported."""
    registry = _registry()
    return [registry[i] for i in st.session_state.get("_jobs", []) if i in registry]


def running() -> bool:
    return any(not job.finished.is_set() for job in mine())


def report_finished() -> None:
    """Show each finished job's outcome once, then forget it."""
    registry = _registry()
    for job in [j for j in mine() if j.finished.is_set()]:
        (st.error if job.failed else st.success)(job.message)
        st.session_state["_jobs"].remove(job.id)
        registry.pop(job.id, None)


@st.fragment(run_every=1.0)
def show_progress() -> None:
    """Progress bars of this session's running jobs; the whole page reruns when the last one ends."""
    jobs = [j for j in mine() if not j.finished.is_set()]
    for job in jobs:
        text = (
            f"{job.label}: {job.stage} {job.done}/{job.total}" if job.total else f"{job.label}: {job.stage}"
        )
        st.progress(job.fraction, text=text)
    if st.session_state.get("_jobs_were_running") and not jobs:
        st.session_state["_jobs_were_running"] = False
        st.rerun(scope="app")
    st.session_state["_jobs_were_running"] = bool(jobs)


def wait_all(timeout_s: float = 300) -> None:
    """Block until this session's jobs end (for tests and scripts; the page never blocks)."""
    deadline = time.monotonic() + timeout_s
    for job in mine():
        job.finished.wait(max(0.0, deadline - time.monotonic()))
