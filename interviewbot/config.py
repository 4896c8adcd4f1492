"""One Settings object from env vars, an optional .env file and defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from interviewbot.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
BACKENDS = ("offline", "openai", "openai-compatible")
STRUCTURED_METHODS = ("auto", "json_schema", "function_calling", "json_mode")
LLM_TIMEOUT_DEFAULT_S = 20.0  # a dead or hung model server falls back to offline within 30 s
LLM_TIMEOUT_MAX_S = 3600.0
LLM_TIMEOUT_HELP = (
    "Seconds one LLM grade or interviewer reply may take in all, retries included; when they run "
    "out, the offline grade or the bank's wording is used. The default (20 s) suits hosted models "
    "and fast local servers. A local model on a CPU reads a grading prompt at 30-50 tokens/s and "
    "writes 15-20 tokens/s, so a grade takes 1-3 minutes: set 180-300 (INTERVIEWBOT_LLM_TIMEOUT) "
    "for such a model. A stopped or hung server is noticed only when the time runs out."
)


def _knowledge_dir() -> Path:
    return Path(os.environ.get("INTERVIEWBOT_KNOWLEDGE", PROJECT_ROOT / "knowledge"))


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build it with `load_settings()`."""

    home: Path
    knowledge_dir: Path = field(default_factory=_knowledge_dir)
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    database_url: str = ""
    chroma_url: str = ""  # empty: embedded PersistentClient; else http://host:port
    backend: str = "offline"
    model: str = "gpt-4o-mini"
    api_key: str = ""
    base_url: str = ""
    structured_method: str = "auto"
    llm_timeout_s: float = LLM_TIMEOUT_DEFAULT_S  # one budget per grade / interviewer reply
    llm_max_retries: int = 2
    retrieval_k: int = 4
    judge0_url: str = ""  # empty: the local sandbox judges code
    judge0_token: str = ""

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def sets_dir(self) -> Path:
        return self.home / "sets"

    @property
    def user_guides_dir(self) -> Path:
        return self.home / "guides"

    @property
    def guides_dir(self) -> Path:
        return self.knowledge_dir / "guides"

    @property
    def builtin_questions_dir(self) -> Path:
        return self.knowledge_dir / "questions"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'interviewbot.db'}"

    def with_overrides(self, **changes) -> Settings:
        """A copy with some fields changed (e.g. a per-browser-session API key)."""
        return _validated(replace(self, **changes))


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number. Set it to e.g. {default}.") from None


def _validated(s: Settings) -> Settings:
    if s.backend not in BACKENDS:
        raise ConfigError(
            f"INTERVIEWBOT_BACKEND={s.backend!r} is unknown. Use one of: {', '.join(BACKENDS)}."
        )
    if s.structured_method not in STRUCTURED_METHODS:
        raise ConfigError(
            f"INTERVIEWBOT_STRUCTURED_METHOD={s.structured_method!r} is unknown. "
            f"Use one of: {', '.join(STRUCTURED_METHODS)}."
        )
    if not 0 < s.llm_timeout_s <= LLM_TIMEOUT_MAX_S:
        raise ConfigError(
            f"INTERVIEWBOT_LLM_TIMEOUT={s.llm_timeout_s:g} is out of range: use up to {LLM_TIMEOUT_MAX_S:g} "
            f"seconds (e.g. {LLM_TIMEOUT_DEFAULT_S:g}, or 180-300 for a slow local model)."
        )
    if s.llm_max_retries < 0:
        raise ConfigError("INTERVIEWBOT_LLM_RETRIES must be 0 or more.")
    if s.retrieval_k < 1 or s.retrieval_k > 20:
        raise ConfigError("INTERVIEWBOT_RETRIEVAL_K must be between 1 and 20.")
    return s


def load_settings(env_file: str | os.PathLike | None = None) -> Settings:
    """Read settings from the environment (and `.env` in the working directory if present)."""
    _load_dotenv(env_file)
    e = os.environ.get
    home = Path(e("INTERVIEWBOT_HOME") or Path.home() / ".interviewbot").expanduser()
    backend = e("INTERVIEWBOT_BACKEND", "offline").strip().lower() or "offline"
    settings = Settings(
        home=home,
        database_url=e("INTERVIEWBOT_DATABASE_URL", ""),
        chroma_url=e("INTERVIEWBOT_CHROMA_URL", ""),
        backend=backend,
        model=e("INTERVIEWBOT_MODEL", "gpt-4o-mini"),
        api_key=e("INTERVIEWBOT_API_KEY") or e("OPENAI_API_KEY", ""),
        base_url=e("OPENAI_BASE_URL", ""),
        structured_method=e("INTERVIEWBOT_STRUCTURED_METHOD", "auto").strip().lower() or "auto",
        llm_timeout_s=_env_float("INTERVIEWBOT_LLM_TIMEOUT", LLM_TIMEOUT_DEFAULT_S),
        llm_max_retries=int(_env_float("INTERVIEWBOT_LLM_RETRIES", 2)),
        retrieval_k=int(_env_float("INTERVIEWBOT_RETRIEVAL_K", 4)),
        judge0_url=e("INTERVIEWBOT_JUDGE0_URL", ""),
        judge0_token=e("INTERVIEWBOT_JUDGE0_TOKEN", ""),
    )
    return _validated(settings)


def _load_dotenv(env_file) -> None:
    path = Path(env_file) if env_file else Path.cwd() / ".env"
    if not path.is_file():
        return
    from dotenv import load_dotenv

    load_dotenv(path, override=False)


def ensure_home(settings: Settings) -> Path:
    """Create the data directory (and its sub-folders) if needed."""
    for d in (settings.home, settings.index_dir, settings.sets_dir, settings.user_guides_dir):
        d.mkdir(parents=True, exist_ok=True)
    return settings.home
