"""The question bank: built-in sets plus the user's custom sets, one parse cache, atomic add/remove."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

from interviewbot.config import Settings, ensure_home
from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.questions.formats import dump_question_set, load_question_set
from interviewbot.questions.schema import Question, QuestionSet

_SET_FILES = ("*.yaml", "*.yml", "*.json")


class _ParsedCache:
    """The one cache of parsed set files: in process memory, then as JSON in the data dir.

    Keyed by file path, mtime and size. Parsing the built-in YAML takes ~0.6 s; reading the JSON
    back takes a fraction of that (the app's first page), and the memory layer makes a second
    bank in the same process (another data dir, a test) free. Any mismatch or damage means the
    file is parsed again. Only the bank's own directories go through it, never uploads.
    """

    _memory: dict[tuple, QuestionSet] = {}

    def __init__(self, settings: Settings):
        self.path = settings.home / "cache" / "question_sets.json"
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}
        self.dirty = False

    @staticmethod
    def _key(path: Path) -> list:
        stat = path.stat()
        return [stat.st_mtime_ns, stat.st_size]

    def load(self, path: Path) -> QuestionSet:
        name, key = str(path.resolve()), self._key(path)
        cached = self._memory.get((name, *key))
        if cached is None:
            cached = self._from_disk(name, key) or self._parse(path, name, key)
            self._memory[(name, *key)] = cached
        qset = cached.model_copy(deep=True)
        qset.source = str(path)
        return qset

    def _from_disk(self, name: str, key: list) -> QuestionSet | None:
        entry = self.entries.get(name)
        if not entry or entry.get("key") != key:
            return None
        try:
            return QuestionSet.model_validate(entry["data"])
        except Exception:  # a stale or damaged entry: parse the file instead
            return None

    def _parse(self, path: Path, name: str, key: list) -> QuestionSet:
        qset = load_question_set(path)
        self.entries[name] = {"key": key, "data": qset.model_dump(mode="json")}
        self.dirty = True
        return qset

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only data dir only costs speed


def _load_dir(directory: Path, builtin: bool, cache: _ParsedCache) -> list[QuestionSet]:
    sets = []
    for pattern in _SET_FILES:
        for path in sorted(directory.glob(pattern)) if directory.is_dir() else []:
            qset = cache.load(path)
            qset.builtin = builtin
            sets.append(qset)
    return sorted(sets, key=lambda s: s.name)


class QuestionBank:
    """Every loaded question set; ids are unique across all of them."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._sets: list[QuestionSet] | None = None

    def all_sets(self) -> list[QuestionSet]:
        if self._sets is None:
            cache = _ParsedCache(self.settings)
            self._sets = _load_dir(self.settings.builtin_questions_dir, True, cache) + _load_dir(
                self.settings.sets_dir, False, cache
            )
            cache.save()
        return self._sets

    def questions(
        self,
        track: str | None = None,
        topics: list[str] | None = None,
        difficulty: str | None = None,
        sets: list[str] | None = None,
    ) -> list[Question]:
        """Questions matching the filters (topics: any overlap; sets: by name, unknown names rejected)."""
        wanted = {t.strip().lower().replace(" ", "-") for t in topics or [] if t.strip()}
        chosen = [self.get_set(name) for name in sets] if sets else self.all_sets()
        return [
            q
            for s in chosen
            for q in s.questions
            if (not track or q.track == track)
            and (not difficulty or q.difficulty == difficulty)
            and (not wanted or wanted & set(q.topics))
        ]

    def topics(self, track: str | None = None) -> list[str]:
        return sorted({t for q in self.questions(track) for t in q.topics})

    def get(self, question_id: str) -> Question:
        """The question with this id, or a NotFoundError suggesting close ids."""
        for s in self.all_sets():
            if (q := s.get(question_id)) is not None:
                return q
        ids = [q.id for s in self.all_sets() for q in s.questions]
        close = difflib.get_close_matches(question_id, ids, n=3)
        hint = (
            f" Did you mean {', '.join(close)}?" if close else " List ids with `interviewbot questions list`."
        )
        raise NotFoundError(f"no question with id {question_id!r}.{hint}")

    def get_set(self, name: str) -> QuestionSet:
        for s in self.all_sets():
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.all_sets())
        raise NotFoundError(f"no question set named {name!r}. Known sets: {names}.")

    def check_addable(self, qset: QuestionSet, filename: str) -> None:
        """Reject a set whose name or ids collide with what is already loaded."""
        if any(s.name == qset.name for s in self.all_sets()):
            raise ValidationError(
                f"{filename}: a set named {qset.name!r} already exists; rename the set (`name:`) "
                f"or remove the old one with `interviewbot questions remove {qset.name}`."
            )
        owners = {q.id: s.name for s in self.all_sets() for q in s.questions}
        clashes = [
            f"question id {q.id!r} is already used in set {owners[q.id]!r}; rename it"
            for q in qset.questions
            if q.id in owners
        ]
        if clashes:
            raise ValidationError(f"{filename}: {len(clashes)} duplicate id(s); nothing was saved.", clashes)

    def taken(self) -> dict:
        """The ids (with their set) and set names already loaded: a new set may not reuse them."""
        return {
            "ids": {q.id: s.name for s in self.all_sets() for q in s.questions},
            "names": {s.name for s in self.all_sets()},
        }

    def preview_upload(self, path: str | Path) -> QuestionSet:
        """Parse and validate a set file, clashes with loaded sets included; nothing is stored."""
        return load_question_set(path, taken=self.taken())

    def add_set(self, source: QuestionSet | str | Path, index=None, progress=None) -> QuestionSet:
        """Store and index a set (a file, or one `preview_upload` parsed); all or nothing."""
        if isinstance(source, QuestionSet):
            qset = source
            self.check_addable(qset, Path(qset.source or qset.name).name)
        else:
            qset = self.preview_upload(source)
        ensure_home(self.settings)
        final = self.settings.sets_dir / f"{qset.name}.yaml"
        tmp = self.settings.sets_dir / f".{qset.name}.yaml.tmp"
        tmp.write_text(dump_question_set(qset), encoding="utf-8")
        try:
            if index is not None:
                index.sync_questions(self.all_sets() + [qset], progress)
            os.replace(tmp, final)  # atomic: the set appears whole or not at all
        except BaseException:
            tmp.unlink(missing_ok=True)
            if index is not None:
                index.sync_questions(self.all_sets())  # drop any vectors the failed add wrote
            raise
        self._sets = None
        return qset

    def remove_set(self, name: str, index=None) -> QuestionSet:
        """Delete a custom set and its vectors (built-in sets cannot be removed)."""
        qset = self.get_set(name)
        if qset.builtin:
            raise ValidationError(f"{name!r} is a built-in set and cannot be removed.")
        Path(qset.source).unlink()
        self._sets = None
        if index is not None:
            index.sync_questions(self.all_sets())
        return qset

    def export_set(self, name: str) -> str:
        """The set as YAML."""
        return dump_question_set(self.get_set(name))
