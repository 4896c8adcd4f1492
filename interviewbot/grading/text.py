"""Small, dependency-free text helpers for the offline grader."""

from __future__ import annotations

import functools
import re

STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just like may me might more
most my no nor not now of off on once only or other our ours out over own same she should so some
such than that the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours
one two use used using uses make makes made get gets way ways thing things well much many also
e.g eg i.e ie etc example instance something
""".split()
)

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+\s*(?:[-*\u2022]|\d+[.)])?\s*")
_SUFFIXES = (
    "ization",
    "isation",
    "ations",
    "ation",
    "ities",
    "ness",
    "ments",
    "ment",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "ly",
    "al",
    "s",
)


def tokens(text: str) -> list[str]:
    """Lowercase word tokens (hyphenated words kept whole and also split)."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        out.append(tok)
        if "-" in tok:
            out.extend(part for part in tok.split("-") if part)
    return out


@functools.lru_cache(maxsize=1 << 16)  # called for every word piece of every answer graded
def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'regularization' with 'regularize'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed content words (no stopwords, no 1-2 letter tokens except digits-free acronyms)."""
    return [
        stem(t) for t in tokens(text) if t not in STOPWORDS and (len(t) > 2 or t in {"ml", "ai", "l1", "l2"})
    ]


def sentences(text: str, max_sentences: int = 80) -> list[str]:
    """Split an answer into sentences / bullet items (bounded, so huge answers stay fast)."""
    parts = [p.strip(" -*\t") for p in _SENTENCE.split(text or "")]
    return [p for p in parts if len(p.split()) >= 2][:max_sentences]


_WORD = re.compile(r"[a-z][a-z'-]*")
_LIST_ITEM = re.compile(r"[,;:\n\u2022|]+|(?<=[.!?])\s+|\s[-*]\s|\s\d+[.)]\s")
KEYWORD_RUN = 8  # no English sentence runs this many words without a function word


def words(text: str) -> list[str]:
    """Alphabetic word tokens (numbers and formulas left out)."""
    return [t for t in tokens(text) if _WORD.fullmatch(t)]


def keyword_list(text: str) -> bool:
    """A list of bare keywords: few function words, and single-word items or a long run of bare terms."""
    ws = words(text)
    if len(ws) < KEYWORD_RUN or sum(w in STOPWORDS for w in ws) / len(ws) >= 0.12:
        return False
    items = [n for n in (len(words(item)) for item in _LIST_ITEM.split(text)) if n]
    return sorted(items)[len(items) // 2] < 2 or max(items) >= KEYWORD_RUN


def _trigrams(toks: list[str]) -> set[tuple[str, ...]]:
    return {tuple(toks[i : i + 3]) for i in range(len(toks) - 2)}


def copies_question(question: str, answer: str) -> bool:
    """The answer restates the question: almost no words of its own, and mostly the question's phrasing.

    Using the question's vocabulary is normal (short answers to long questions do); copying its
    word sequences is not."""
    asked, said = set(content_terms(question)), content_terms(answer)
    if said and sum(t not in asked for t in said) / len(said) >= 0.25:
        return False
    grams = _trigrams(tokens(answer))
    return bool(grams) and len(grams & _trigrams(tokens(question))) / len(grams) >= 0.5


def distinct_ratio(text: str) -> float:
    """Distinct words / words: low when an answer repeats itself (numbers in formulas do not count)."""
    toks = words(text)
    return len(set(toks)) / len(toks) if toks else 0.0
