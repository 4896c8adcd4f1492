"""The question bank: built-in sets plus the user's custom sets, with atomic add/remove."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from pathlib import Path

from interviewbot.config import Settings, ensure_home
from interviewbot.errors import NotFoundError, ValidationError
from interviewbot.questions import Question, QuestionSet, dump_question_set, load_question_set

_SET_FILES = ("*.yaml", "*.yml", "*.json")


def question_items(sets: list[QuestionSet]):
    """Questions as index items: prompt and rubric embedded, set/track/difficulty as metadata."""
    from interviewbot.index import IndexItem

    items = []
    for qset in sets:
        for q in qset.questions:
            text = q.prompt + "\n" + "\n".join(kp.text for kp in q.key_points)
            meta = {
                "source": f"set:{qset.name}",
                "heading": q.id,
                "set": qset.name,
                "track": q.track,
                "difficulty": q.difficulty,
                "topics": ",".join(q.topics),
            }
            fingerprint = hashlib.sha256(json.dumps([text, meta], sort_keys=True).encode()).hexdigest()[:20]
            items.append(IndexItem(q.id, text, q.prompt, meta, fingerprint))
    return items


class _ParsedCache:
    """Validated sets kept as JSON in the data dir, keyed by file path, mtime and size.

    Parsing the built-in YAML takes ~0.6 s; reading this back takes a fraction of that, which
    matters for the app's first page. Any mismatch or damage means the file is parsed again.
    """

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
        entry = self.entries.get(str(path.resolve()))
        if entry and entry.get("key") == self._key(path):
            try:
                qset = QuestionSet.model_validate(entry["data"])
                qset.source = str(path)
                return qset
            except Exception:  # a stale or damaged entry: parse the file instead
                pass
        qset = load_question_set(path)
        self.entries[str(path.resolve())] = {"key": self._key(path), "data": qset.model_dump(mode="json")}
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
        self, track: str | None = None, topics: list[str] | None = None, difficulty: str | None = None
    ) -> list[Question]:
        """Questions matching the filters (topics: any overlap)."""
        wanted = {t.strip().lower().replace(" ", "-") for t in topics or [] if t.strip()}
        return [
            q
            for s in self.all_sets()
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

    def add_set(self, path: str | Path, index=None) -> QuestionSet:
        """Validate, index and store a set; on any failure nothing stored or indexed changes."""
        path = Path(path)
        qset = load_question_set(path)
        self.check_addable(qset, path.name)
        ensure_home(self.settings)
        final = self.settings.sets_dir / f"{qset.name}.yaml"
        tmp = self.settings.sets_dir / f".{qset.name}.yaml.tmp"
        tmp.write_text(dump_question_set(qset), encoding="utf-8")
        try:
            if index is not None:
                index.sync_questions(self.all_sets() + [qset])
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
