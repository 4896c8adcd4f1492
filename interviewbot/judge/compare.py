"""The judge's documented equality: how a returned value is compared with `expected`.

- Values are first normalised in the sandbox to plain JSON data: tuples and NumPy arrays become
  lists, NumPy scalars become Python numbers, sets become sorted lists, dict keys become strings.
  Anything else (a custom object) is an error: it cannot be compared, so it cannot fool `==`.
- Floats (and ints compared with floats) match with `math.isclose(rel_tol=1e-6, abs_tol=1e-6)`;
  NaN matches NaN.
- `True`/`False` only match booleans (so `1` is not accepted for `True`); ints match ints exactly.
- Lists match element-wise with the same length; dicts match with the same keys.
"""

from __future__ import annotations

import math

REL_TOL = 1e-6
ABS_TOL = 1e-6


def values_equal(got, expected) -> bool:
    """True when `got` (normalised) matches `expected` under the documented rules."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(got, bool) and isinstance(expected, bool) and got == expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        if isinstance(expected, int) and isinstance(got, int):
            return got == expected
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return math.isclose(got, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(got, (list, tuple))
            and len(got) == len(expected)
            and all(values_equal(g, e) for g, e in zip(got, expected))
        )
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and set(map(str, got)) == set(map(str, expected))
            and all(values_equal(got.get(k, got.get(str(k))), v) for k, v in expected.items())
        )
    return type(got) is type(expected) and got == expected


def normalise(value, depth: int = 0):
    """Plain JSON data from a returned value; raises TypeError for anything else."""
    if depth > 50:
        raise TypeError("the returned value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    module = type(value).__module__
    if module == "numpy":
        if hasattr(value, "tolist"):
            return normalise(value.tolist(), depth + 1)
    if isinstance(value, (list, tuple)):
        return [normalise(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [normalise(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)
    if isinstance(value, dict):
        return {str(k): normalise(v, depth + 1) for k, v in value.items()}
    raise TypeError(
        f"cannot compare a returned {type(value).__name__}; return numbers, strings, "
        "lists, tuples, dicts or NumPy arrays"
    )
