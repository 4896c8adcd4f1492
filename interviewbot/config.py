"""One Settings object from env vars, an optional .env file and defaults."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from interviewbot.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
BACKEND_LABELS = {  # the backend names (llm.py registers a factory for each) and how the UI shows them
    "offline": "Offline (no network)",
    "openai": "OpenAI",
    "openai-compatible": "OpenAI-compatible server",
}
BACKENDS = tuple(BACKEND_LABELS)
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
# Allowed ranges of the numeric settings: the env parser, `with_overrides` and UI widgets use these.
RETRIEVAL_K_RANGE = (1, 20)
LLM_RETRIES_RANGE = (0, 10)
LLM_TIMEOUT_RANGE = (0.1, LLM_TIMEOUT_MAX_S)
RANGE_ADVICE = {"INTERVIEWBOT_LLM_TIMEOUT": "; e.g. 20, or 180-300 for a slow local model."}


def _knowledge_dir() -> Path:
    return Path(os.environ.get("INTERVIEWBOT_KNOWLEDGE", PROJECT_ROOT / "knowledge"))


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build it with `load_settings()`."""

    home: Path
    knowledge_dir: Path = field(default_factory=_knowledge_dir)
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    # URLs and keys may hold secrets: kept out of repr() so a logged Settings shows none of them
    database_url: str = field(default="", repr=False)
    chroma_url: str = field(default="", repr=False)  # empty: embedded PersistentClient; else http://host:port
    backend: str = "offline"
    model: str = "gpt-4o-mini"
    api_key: str = field(default="", repr=False)
    base_url: str = ""
    structured_method: str = "auto"
    llm_timeout_s: float = LLM_TIMEOUT_DEFAULT_S  # one budget per grade / interviewer reply
    llm_max_retries: int = 2
    retrieval_k: int = 4
    judge0_url: str = ""  # empty: the local sandbox judges code
    judge0_token: str = field(default="", repr=False)

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


def _env_number(name: str, default: float, bounds: tuple[float, float], whole: bool) -> float:
    """A finite number from the environment inside `bounds`, or a ConfigError naming the range."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    lo, hi = bounds
    kind = "a whole number" if whole else "a number"
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (whole and not value.is_integer()) or not lo <= value <= hi:
        raise ConfigError(
            f"{name}={raw!r} is not allowed: use {kind} from {lo:g} to {hi:g} (default {default:g})"
            + RANGE_ADVICE.get(name, ".")
        )
    return value


def _env_int(name: str, default: int, bounds: tuple[int, int]) -> int:
    return int(_env_number(name, default, bounds, whole=True))


def _env_float(name: str, default: float, bounds: tuple[float, float]) -> float:
    return _env_number(name, default, bounds, whole=False)


def _check_range(name: str, value, bounds, whole: bool = False) -> None:
    """Values set in code (`with_overrides`, the UI) obey the same rules as the environment."""
    lo, hi = bounds
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    if not (math.isfinite(number) and lo <= number <= hi) or (whole and not float(number).is_integer()):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(
            f"{name}={value!r} is not allowed: use {kind} from {lo:g} to {hi:g}" + RANGE_ADVICE.get(name, ".")
        )


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
    _check_range("INTERVIEWBOT_RETRIEVAL_K", s.retrieval_k, RETRIEVAL_K_RANGE, whole=True)
    _check_range("INTERVIEWBOT_LLM_RETRIES", s.llm_max_retries, LLM_RETRIES_RANGE, whole=True)
    _check_range("INTERVIEWBOT_LLM_TIMEOUT", s.llm_timeout_s, LLM_TIMEOUT_RANGE)
    if s.chroma_url:
        parse_chroma_url(s.chroma_url)
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
        chroma_url=e("INTERVIEWBOT_CHROMA_URL", "").strip(),
        backend=backend,
        model=e("INTERVIEWBOT_MODEL", Settings.model),
        api_key=e("INTERVIEWBOT_API_KEY") or e("OPENAI_API_KEY", ""),
        base_url=e("OPENAI_BASE_URL", ""),
        structured_method=e("INTERVIEWBOT_STRUCTURED_METHOD", Settings.structured_method).strip().lower()
        or Settings.structured_method,
        llm_timeout_s=_env_float("INTERVIEWBOT_LLM_TIMEOUT", Settings.llm_timeout_s, LLM_TIMEOUT_RANGE),
        llm_max_retries=_env_int("INTERVIEWBOT_LLM_RETRIES", Settings.llm_max_retries, LLM_RETRIES_RANGE),
        retrieval_k=_env_int("INTERVIEWBOT_RETRIEVAL_K", Settings.retrieval_k, RETRIEVAL_K_RANGE),
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
    """Create the data directory (and its sub-folders) if needed; ConfigError when it cannot be written."""
    for d in (settings.home, settings.index_dir, settings.sets_dir, settings.user_guides_dir):
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the data directory {d} ({exc.strerror or exc}). "
                "Set INTERVIEWBOT_HOME to a directory you can write to."
            ) from exc
        # os.access sees read-only mounts even for root, who ignores permission bits
        if not os.access(d, os.W_OK | os.X_OK):
            raise ConfigError(
                f"the data directory {d} is not writable. Fix its permissions or set "
                "INTERVIEWBOT_HOME to a directory you can write to."
            )
    return settings.home


def redact_url(url: str) -> str:
    """The URL with any password replaced by *** (for messages and logs)."""
    scheme, sep, rest = url.partition("://")
    at = rest.rfind("@")  # the last @: a password may contain one, and hiding too much is safe
    if not sep or at < 0 or ":" not in rest[:at]:
        return url
    user = rest[:at].split(":", 1)[0]
    return f"{scheme}://{user}:***@{rest[at + 1 :]}"


@dataclass(frozen=True)
class ChromaEndpoint:
    """A validated Chroma server URL, split into what the HTTP client needs."""

    scheme: str
    host: str
    port: int
    path: str = ""
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def base_url(self) -> str:
        """scheme://host:port/path without credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def display(self) -> str:
        """The URL as shown to people: the password, if any, hidden."""
        if not self.username:
            return self.base_url
        secret = ":***" if self.password else ""
        return self.base_url.replace("://", f"://{self.username}{secret}@", 1)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_chroma_url(url: str) -> ChromaEndpoint:
    """Validate INTERVIEWBOT_CHROMA_URL: http(s) scheme, a host, a port (default 80 / 443)."""
    shown = redact_url(url)
    fix = "Write it as http://HOST:PORT (chroma run listens on 8000 by default) or https://HOST."
    if "://" not in url:
        raise ConfigError(f"INTERVIEWBOT_CHROMA_URL={shown!r} has no scheme. {fix}")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ConfigError(f"INTERVIEWBOT_CHROMA_URL={shown!r}: the scheme must be http or https. {fix}")
    if not parts.hostname:
        raise ConfigError(f"INTERVIEWBOT_CHROMA_URL={shown!r} names no host. {fix}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(f"INTERVIEWBOT_CHROMA_URL={shown!r}: the port must be 1-65535. {fix}")
    if parts.query or parts.fragment:
        raise ConfigError(f"INTERVIEWBOT_CHROMA_URL={shown!r}: remove the ?query or #fragment. {fix}")
    return ChromaEndpoint(
        scheme=parts.scheme.lower(),
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[parts.scheme.lower()],
        path=parts.path.rstrip("/"),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )
