"""Human-readable pieces of a verdict: plain words, compact cases with the first difference marked,
syntax errors with a caret, tracebacks of the candidate's own code. Pure functions over the
`Verdict` model (or its dict form), shared by the CLI, the chat and the UI.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from interviewbot.judge.compare import values_equal
from interviewbot.judge.models import VERDICT_WORDS, CodeError, FirstFailure, Verdict

SEQ_SHOWN = 8  # a list longer than this is elided around the first difference
TEXT_SHOWN = 60  # characters of a string shown
NEST_SHOWN = 3  # nesting levels shown off the path to the difference


def words(status: str) -> str:
    """A verdict or test status in plain words: "wrong_answer" -> "Wrong answer"."""
    return VERDICT_WORDS.get(status, status.replace("_", " ").capitalize())


def as_verdict(verdict: Verdict | dict) -> Verdict:
    """A Verdict from either the model or its stored dict form."""
    return verdict if isinstance(verdict, Verdict) else Verdict.model_validate(verdict)


# --- where two values first differ ---------------------------------------------------------------


def difference_path(got: Any, expected: Any) -> list | None:
    """Keys and indices down to the first difference ([] = the whole value); None when they match."""
    if values_equal(got, expected):
        return None
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        for i, (g, e) in enumerate(zip(got, expected)):
            inner = difference_path(g, e)
            if inner is not None:
                return [i, *inner]
        return [min(len(got), len(expected))]  # the first missing or extra item
    if isinstance(expected, dict) and isinstance(got, dict):
        got_by_key = {str(k): v for k, v in got.items()}
        for key, value in expected.items():
            if str(key) not in got_by_key:
                return [key]
            inner = difference_path(got_by_key[str(key)], value)
            if inner is not None:
                return [key, *inner]
        expected_keys = {str(k) for k in expected}
        return [next(k for k in got if str(k) not in expected_keys)]
    return []


def format_path(path: list) -> str:
    """`[2]["inertia"]` from [2, "inertia"]."""
    return "".join(f"[{p}]" if isinstance(p, int) else f"[{json.dumps(str(p))}]" for p in path)


def first_difference(got: Any, expected: Any) -> str | None:
    """The path to the first difference ("" = the whole value); None when the values match."""
    path = difference_path(got, expected)
    return None if path is None else format_path(path)


def _at(value: Any, path: list) -> tuple[bool, Any]:
    """(found, the item at path)."""
    for part in path:
        try:
            value = value[part] if not isinstance(value, dict) else _key(value, part)
        except (IndexError, KeyError, TypeError):
            return False, None
    return True, value


def _key(mapping: dict, key: Any) -> Any:
    return mapping[key] if key in mapping else {str(k): v for k, v in mapping.items()}[str(key)]


# --- compact one-line values ---------------------------------------------------------------------


def short_repr(value: Any, focus: list | None = None, depth: int = 0) -> str:
    """A one-line Python-style repr, elided where long, always showing the item at `focus`."""
    focus = focus or []
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return repr(value if len(value) <= TEXT_SHOWN else value[: TEXT_SHOWN - 10] + "..." + value[-7:])
    if isinstance(value, (list, tuple)):
        opener, closer = ("[", "]") if isinstance(value, list) else ("(", ")")
        if depth >= NEST_SHOWN and not focus and value:
            return f"{opener}...{closer}"
        parts = {i: short_repr(value[i], _next(focus, i), depth + 1) for i in _shown(len(value), focus)}
        one = "," if isinstance(value, tuple) and len(value) == 1 else ""
        return opener + _join(parts, len(value)) + one + closer
    if isinstance(value, dict):
        if depth >= NEST_SHOWN and not focus and value:
            return "{...}"
        keys = list(value)
        at = [i for i, k in enumerate(keys) if focus and str(k) == str(focus[0])]
        parts = {
            i: f"{short_repr(keys[i])}: {short_repr(value[keys[i]], _next(focus, keys[i]), depth + 1)}"
            for i in _shown(len(keys), at)
        }
        return "{" + _join(parts, len(keys)) + "}"
    if isinstance(value, (set, frozenset)):
        items = sorted(value, key=repr)
        return (
            "{"
            + _join({i: short_repr(items[i], None, depth + 1) for i in _shown(len(items), [])}, len(items))
            + "}"
        )
    return repr(value)


def _float(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    text = format(x, ".10g")
    return text if any(c in text for c in ".en") else text + ".0"


def _next(focus: list, here: Any) -> list | None:
    """The rest of the focus path when `here` is on it."""
    return focus[1:] if focus and str(focus[0]) == str(here) else None


def _shown(n: int, focus: list) -> list[int]:
    """Indices to show: all of a short sequence, else the ends and a window around the focus."""
    if n <= SEQ_SHOWN:
        return list(range(n))
    keep = {0, 1, 2, n - 1}
    if focus and isinstance(focus[0], int):
        keep |= {i for i in (focus[0] - 1, focus[0], focus[0] + 1) if 0 <= i < n}
    return sorted(keep)


def _join(parts: dict[int, str], n: int) -> str:
    """Shown parts in order, with "..." (and how many were left out) for each gap."""
    out, last = [], -1
    for i in sorted(parts):
        if i > last + 1:
            out.append(f"...{i - last - 1} more...")
        out.append(parts[i])
        last = i
    return ", ".join(out)


def default_test_name(args: list, kwargs: dict | None = None, width: int = 40) -> str:
    """A short name for an unnamed test from its arguments: "(2, [1, 2, 3])"."""
    parts = [short_repr(a, depth=NEST_SHOWN - 1) for a in args]
    parts += [f"{k}={short_repr(v, depth=NEST_SHOWN - 1)}" for k, v in (kwargs or {}).items()]
    text = "(" + ", ".join(parts) + ")"
    return text if len(text) <= width else text[: width - 4] + "...)"


# --- the failing case, errors ---------------------------------------------------------------------


def case_lines(failure: FirstFailure, function: str | None = None) -> list[str]:
    """`f(args) -> expected X / got Y`, then where they first differ (or the error)."""
    call_args = [short_repr(a) for a in failure.args]
    call_args += [f"{k}={short_repr(v)}" for k, v in failure.kwargs.items()]
    call = f"{function or ''}({', '.join(call_args)})"
    if failure.error:
        return [f"{call} -> expected {short_repr(failure.expected)} / raised {failure.error}"]
    focus = difference_path(failure.got, failure.expected) or []
    lines = [
        f"{call} -> expected {short_repr(failure.expected, focus)} / got {short_repr(failure.got, focus)}"
    ]
    if focus:
        found_e, e = _at(failure.expected, focus)
        found_g, g = _at(failure.got, focus)
        lines.append(
            f"first difference at {format_path(focus)}: expected "
            f"{short_repr(e) if found_e else '(nothing)'}, got {short_repr(g) if found_g else '(nothing)'}"
        )
    return lines


def syntax_error_lines(error: CodeError) -> list[str]:
    """The offending line with a caret under the column, as Python prints it."""
    lines = [f'  File "solution.py", line {error.line}' if error.line else '  File "solution.py"']
    if error.code.strip():
        stripped = error.code.rstrip("\n").lstrip()
        indent = len(error.code.rstrip("\n")) - len(stripped)
        lines.append("    " + stripped)
        if error.column:
            start = max(0, error.column - 1 - indent)
            end = error.end_column - 1 - indent if error.end_column and error.end_column > error.column else 0
            lines.append("    " + " " * start + "^" * max(1, end - start))
    return [*lines, f"{error.type}: {error.message}"]


def traceback_lines(error: CodeError) -> list[str]:
    """The exception's frames in the candidate's own file, then the exception line."""
    lines = ["Traceback (your code only):"] if error.frames else []
    for n, frame in enumerate(error.frames):
        if error.omitted_frames and n == 5:
            lines.append(f"  ... {error.omitted_frames} more frames ...")
        lines.append(f"  line {frame.line}, in {frame.function}")
        if frame.code.strip():
            lines.append("    " + frame.code.strip())
    return [*lines, f"{error.type}: {error.message}" if error.message else error.type]


def error_lines(error: CodeError) -> list[str]:
    """A syntax error with its caret, or a traceback."""
    return (
        syntax_error_lines(error) if error.column is not None or not error.frames else traceback_lines(error)
    )


# --- whole verdicts -------------------------------------------------------------------------------


def headline(verdict: Verdict | dict) -> str:
    """ "Wrong answer: 5/6 tests passed"."""
    v = as_verdict(verdict)
    return f"{words(v.verdict)}: {v.passed}/{v.total} tests passed"


def test_lines(verdict: Verdict | dict) -> list[str]:
    """One line per test: status in words, name, time."""
    v = as_verdict(verdict)
    lines = []
    for t in v.tests:
        name = t.name or f"test {t.index + 1}"
        ms = f"  {t.time_ms:.1f} ms" if t.time_ms is not None else ""
        lines.append(f"  {words(t.status):<22} {name}{' (hidden)' if t.hidden else ''}{ms}")
    return lines


def verdict_text(verdict: Verdict | dict, function: str | None = None, verbose: bool = False) -> str:
    """The whole verdict as plain text for a terminal (monospace, so carets line up)."""
    v = as_verdict(verdict)
    out = [headline(v)]
    if v.error is not None:
        out += ["", *error_lines(v.error)]
    elif v.message and not v.accepted:
        out += ["", v.message.strip()]
    ff = v.first_failure
    if ff is not None:
        out += ["", f"First failing test: {ff.name or f'test {ff.index + 1}'}"]
        out += ["  " + line for line in case_lines(ff, function)]
        if ff.stdout:
            out += ["  printed:", *("    " + line for line in ff.stdout.rstrip("\n").splitlines()[:20])]
    if v.tests:
        out += ["", "Tests:", *test_lines(v)]
    if verbose:
        out += _author_lines(v)
    return "\n".join(out)


def _author_lines(v: Verdict) -> list[str]:
    out = []
    if v.author_detail:
        out += ["", "For the author (never shown to candidates):", v.author_detail.rstrip()]
    if v.stderr_tail.strip():
        out += ["", "stderr:", v.stderr_tail.rstrip()]
    if v.isolation:
        out += ["", f"isolation: {v.isolation}"]
    return out


def _fenced(lines: list[str]) -> list[str]:
    """A text block whose fence is longer than any backtick run inside (printed output is untrusted)."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]


def verdict_markdown(verdict: Verdict | dict, function: str | None = None) -> str:
    """The verdict as Markdown for the chat: headline, error or failing case, printed output."""
    v = as_verdict(verdict)
    out = [f"**{headline(v)}**"]
    if v.error is not None:
        out += ["", *_fenced(error_lines(v.error))]
    elif v.message and not v.accepted:
        out += ["", *_fenced([v.message.strip()[:500]])]
    ff = v.first_failure
    if ff is not None:
        out += [
            "",
            f"First failing test: {ff.name or f'test {ff.index + 1}'}",
            "",
            *_fenced(case_lines(ff, function)),
        ]
        if ff.stdout:
            out += ["", "Printed:", "", *_fenced(ff.stdout.rstrip("\n")[:2000].splitlines())]
    return "\n".join(out)
