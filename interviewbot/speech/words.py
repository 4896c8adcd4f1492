"""Word-level text tools for transcripts: normalising, aligning two decodes, word error rate."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# Spelling that differs between two correct transcripts of the same words: British and American
# endings, and digits the recogniser writes for number words.
_BRITISH = [(re.compile(r"(\w{3,})is(e|es|ed|ing|ation|ations)$"), r"\1iz\2"), (re.compile(r"our$"), "or")]
_NUMBERS = "zero one two three four five six seven eight nine ten".split()
_TOKEN = re.compile(r"[\w']+")


def normalise(word: str) -> str:
    """A word as WER and alignment compare it: lower case, American spelling, digits as words."""
    word = word.lower().strip("'")
    if word.isdigit() and int(word) < len(_NUMBERS):
        return _NUMBERS[int(word)]
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def tokens(text: str) -> list[str]:
    """Normalised words; hyphenated words count as their parts ("bias-variance" = "bias variance")."""
    return [normalise(t) for t in _TOKEN.findall(text.replace("-", " ").replace("_", " "))]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words."""
    ref, hyp = tokens(reference), tokens(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h))
    return row[-1] / len(ref)


@dataclass(frozen=True)
class Change:
    """Words the term-aware decode wrote where the plain decode heard something else.

    `at` is the index of the first replaced word in the plain transcript (split on whitespace).
    """

    heard: str
    written: str
    at: int = 0

    def to_dict(self) -> dict:
        return {"heard": self.heard, "written": self.written, "at": self.at}


def _key(surface: str) -> str:
    """How a written word is compared: its normalised parts joined ("Bias-variance," = "biasvariance")."""
    return "".join(tokens(surface))


def merge_biased(plain: str, biased: str, max_words: int) -> tuple[str, list[Change]]:
    """The plain transcript with short stretches re-spelt by the biased decode, and each real change.

    The biased decode may only replace what the plain decode heard, stretch for stretch, and at
    most `max_words` words on either side: words it adds or drops, and long rewrites, are not taken
    (a prompted decoder can skip speech or echo its prompt). Changes of spelling or hyphenation
    only are taken without being reported.
    """
    a, b = plain.split(), biased.split()
    matcher = SequenceMatcher(a=[_key(w) for w in a], b=[_key(w) for w in b], autojunk=False)
    words: list[str] = []
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "replace" and max(i2 - i1, j2 - j1) <= max_words:
            words += b[j1:j2]
            heard, written = " ".join(a[i1:i2]), " ".join(b[j1:j2])
            if tokens(heard) != tokens(written):
                changes.append(Change(heard.strip(".,;:!?"), written.strip(".,;:!?"), i1))
        else:
            words += a[i1:i2]
    return " ".join(words), changes
