"""Prompt templates are data: prompts/*.yaml with declared variables, rendered with `$name`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from interviewbot.config import PROJECT_ROOT
from interviewbot.errors import ConfigError

PROMPTS_DIR = PROJECT_ROOT / "prompts"


@dataclass(frozen=True)
class Prompt:
    """A system + user message template with the variables it needs."""

    name: str
    variables: tuple[str, ...]
    system: str
    user: str

    def render(self, **values) -> list[tuple[str, str]]:
        """The (role, text) messages; every declared variable must be given, and no others."""
        missing = set(self.variables) - set(values)
        extra = set(values) - set(self.variables)
        if missing or extra:
            raise ConfigError(f"prompt {self.name!r}: missing {sorted(missing)}, unexpected {sorted(extra)}.")
        text = {k: str(v) for k, v in values.items()}
        return [
            ("system", Template(self.system).substitute(text)),
            ("user", Template(self.user).substitute(text)),
        ]


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    """Load prompts/<name>.yaml, checking that the template uses exactly its declared variables."""
    import yaml

    path = Path(directory) / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"prompt file {path} is missing; reinstall interviewbot.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    prompt = Prompt(data["name"], tuple(data["variables"]), data["system"], data["user"])
    used = {
        m.group("named") or m.group("braced")
        for part in (prompt.system, prompt.user)
        for m in Template.pattern.finditer(part)
        if m.group("named") or m.group("braced")
    }
    if used != set(prompt.variables):
        raise ConfigError(
            f"{path.name}: template uses {sorted(used)} but declares {sorted(prompt.variables)}."
        )
    return prompt


def prompt_names(directory: Path = PROMPTS_DIR) -> list[str]:
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))
