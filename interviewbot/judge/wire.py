"""The judge's wire format: Python values as one line of JSON with type tags, safe to read from a peer
that may be hostile.

JSON carries None, bool, int, finite float, str and list as themselves; every other value is a
tagged object `{"$": TAG, ...}` (tuple, dict with any keys, set, frozenset, bytes, complex, nan/inf,
huge ints, NumPy arrays and scalars), so every JSON object on the wire is a tag. Decoding builds only
these types: never pickle, never a class or callable named by the peer, with bounds on depth, size
and big-int digits; anything else raises `WireError`.

Stdlib only, and light: the sandbox imports this file by path (it cannot import interviewbot) and
every module it loads adds to each judging's start-up, so the `json` package (which pulls in `re`)
and `base64` are imported only where the parent or a rare value needs them.
"""

import math

try:
    from _json import encode_basestring_ascii, make_encoder
except ImportError:  # pragma: no cover - a Python built without the C accelerator
    make_encoder = None

MAX_DEPTH = 100  # nesting levels of a value
MAX_INT_HEX = 200_000  # hex digits of a huge int (~800,000 bits)
PLAIN_INT = 10**4000  # JSON ints below this (Python parses at most 4300 digits)
_DTYPES = {"bool", "float16", "float32", "float64", "complex64", "complex128"}
_DTYPES |= {f"{u}int{bits}" for u in ("", "u") for bits in (8, 16, 32, 64)}
_HEX = frozenset("0123456789abcdef")


def _known_dtype(dtype) -> bool:
    """bool, [u]intN, floatN, complexN, or a fixed-width unicode string such as "<U5"."""
    if dtype in _DTYPES:
        return True
    return len(dtype) <= 8 and dtype[:2] in ("<U", ">U", "|U") and dtype[2:].isdigit() and dtype[2:].isascii()


class WireError(ValueError):
    """A value that cannot be sent, or a message that is not valid wire data."""


# --- encoding (any side) -------------------------------------------------------------------------


def encode(value, depth: int = 0):
    """JSON-ready data for a value; raises TypeError for a value that cannot cross (e.g. an object)."""
    if depth > MAX_DEPTH:
        raise TypeError("the value is nested too deeply (or contains itself)")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -PLAIN_INT < value < PLAIN_INT else {"$": "int", "v": hex(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind.__module__ == "numpy":
        return _encode_numpy(value, depth)
    return _encode_other(value, depth)


def _encode_other(value, depth: int):
    """Containers and subclasses of the builtin types (namedtuple, Counter, IntEnum...) by their base."""
    down = depth + 1
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return encode(int(value), depth)
    if isinstance(value, float):
        return encode(float(value), depth)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v, down) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(v, down) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {"$": "dict", "v": [[encode(k, down), encode(v, down)] for k, v in dict.items(value)]}
    if isinstance(value, (set, frozenset)):
        tag = "frozenset" if isinstance(value, frozenset) else "set"
        return {"$": tag, "v": [encode(v, down) for v in value]}
    if isinstance(value, (bytes, bytearray)):
        import binascii

        tag = "bytearray" if isinstance(value, bytearray) else "bytes"
        return {"$": tag, "v": binascii.b2a_base64(bytes(value), newline=False).decode("ascii")}
    if isinstance(value, complex):
        return {"$": "complex", "v": [encode(value.real, down), encode(value.imag, down)]}
    raise TypeError(
        f"cannot return a {type(value).__name__}: return numbers, strings, lists, tuples, dicts, "
        "sets, bytes or NumPy arrays"
    )


def _encode_numpy(value, depth: int):
    dtype = str(getattr(value, "dtype", ""))
    if not _known_dtype(dtype):
        raise TypeError(f"cannot return a NumPy value of dtype {dtype or type(value).__name__}")
    if type(value).__name__ == "ndarray":
        flat = [encode(v, depth + 1) for v in value.ravel().tolist()]
        return {"$": "ndarray", "dtype": dtype, "shape": list(value.shape), "v": flat}
    return {"$": "npscalar", "dtype": dtype, "v": encode(value.item(), depth + 1)}


def _refuse(value):
    raise TypeError(f"{type(value).__name__} is not wire data")


if make_encoder is not None:  # the C encoder, bound now: a solution patching `json` cannot change it
    _ENCODE = make_encoder(None, _refuse, encode_basestring_ascii, None, ":", ",", False, False, False)
else:  # pragma: no cover
    import json

    _ENCODE = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":")).iterencode


def dumps(message: dict) -> bytes:
    """One wire line (ASCII JSON, newline-terminated) for a message whose values are already encoded."""
    return ("".join(_ENCODE(message, 0)) + "\n").encode("ascii")


# --- decoding (the receiving side validates everything) -----------------------------------------


def _reject_constant(name):
    raise WireError(f"bare {name} is not allowed on the wire")


def loads(line: bytes, limit: int) -> dict:
    """Parse one wire line into a dict; WireError for anything that is not a small, valid JSON object."""
    if len(line) > limit:
        raise WireError(f"a message of {len(line):,} bytes (the limit is {limit:,})")
    import json  # the receiving side only (the parent): the sandbox never parses JSON

    try:
        text = line.decode("ascii")
        data = json.loads(text, parse_constant=_reject_constant)
    except WireError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"a line that is not ASCII JSON ({type(exc).__name__})") from None
    if type(data) is not dict:
        raise WireError(f"a JSON {type(data).__name__} where a message object was expected")
    return data


def decode(data, arrays: str = "list", depth: int = 0):
    """The Python value for wire data; `arrays` is "list" (nested lists) or "numpy" (real arrays)."""
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is list:
        return [decode(v, arrays, depth + 1) for v in data]
    if kind is not dict:
        raise WireError(f"unexpected {kind.__name__} in a value")
    tag = data.get("$")
    reader = _READERS.get(tag) if type(tag) is str else None
    if reader is None:
        raise WireError(f"unknown value tag {tag!r}")
    _fields(data, reader[1])
    return reader[0](data, arrays, depth + 1)


def _fields(data: dict, allowed: tuple[str, ...]) -> None:
    if set(data) != set(allowed):
        raise WireError(f"a {data['$']} value with fields {sorted(data)}, expected {sorted(allowed)}")


def _items(data, arrays, depth) -> list:
    if type(data["v"]) is not list:
        raise WireError(f"a {data['$']} value whose items are not a list")
    return [decode(v, arrays, depth) for v in data["v"]]


def _hashable(items: list, what: str) -> list:
    for item in items:
        try:
            hash(item)
        except TypeError:
            raise WireError(f"an unhashable {type(item).__name__} as a {what}") from None
    return items


def _dict(data, arrays, depth):
    pairs = _items(data, arrays, depth)
    if not all(type(p) is list and len(p) == 2 for p in pairs):
        raise WireError("a dict whose items are not [key, value] pairs")
    _hashable([k for k, _ in pairs], "dict key")
    return {k: v for k, v in pairs}


def _int(data, arrays, depth):
    text = data["v"] if type(data["v"]) is str else ""
    digits = text.removeprefix("-").removeprefix("0x")
    if (
        len(text) > MAX_INT_HEX
        or not text.removeprefix("-").startswith("0x")
        or not digits
        or set(digits) - _HEX
    ):
        raise WireError("a malformed big int")
    return int(text, 16)


def _float(data, arrays, depth):
    if data["v"] not in ("nan", "inf", "-inf"):
        raise WireError("a malformed special float")
    return float(data["v"])


def _bytes(data, arrays, depth):
    import base64

    try:
        raw = base64.b64decode(data["v"], validate=True) if type(data["v"]) is str else None
    except ValueError:
        raw = None
    if raw is None:
        raise WireError("malformed bytes")
    return bytearray(raw) if data["$"] == "bytearray" else raw


def _complex(data, arrays, depth):
    parts = _items(data, arrays, depth)
    if len(parts) != 2 or not all(type(p) in (int, float) for p in parts):
        raise WireError("a malformed complex number")
    return complex(*parts)


def _dtype(data) -> str:
    if type(data["dtype"]) is not str or not _known_dtype(data["dtype"]):
        raise WireError("a NumPy value with an unknown dtype")
    return data["dtype"]


def _ndarray(data, arrays, depth):
    dtype, shape, flat = _dtype(data), data["shape"], _items(data, arrays, depth)
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("a NumPy array with a malformed shape")
    if math.prod(shape) != len(flat):
        raise WireError("a NumPy array whose shape does not match its items")
    if arrays == "numpy":
        import numpy

        return numpy.array(flat, dtype=dtype).reshape(shape)
    return _nest(flat, shape)


def _nest(flat: list, shape: list):
    """Nested lists of `shape` from a flat list (what `ndarray.tolist()` gives)."""
    if not shape:
        return flat[0]
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _npscalar(data, arrays, depth):
    dtype, value = _dtype(data), decode(data["v"], arrays, depth)
    if arrays == "numpy":
        import numpy

        return numpy.array(value, dtype=dtype)[()]
    return value


_READERS = {
    "tuple": (lambda d, a, n: tuple(_items(d, a, n)), ("$", "v")),
    "set": (lambda d, a, n: set(_hashable(_items(d, a, n), "set item")), ("$", "v")),
    "frozenset": (lambda d, a, n: frozenset(_hashable(_items(d, a, n), "set item")), ("$", "v")),
    "dict": (_dict, ("$", "v")),
    "int": (_int, ("$", "v")),
    "float": (_float, ("$", "v")),
    "bytes": (_bytes, ("$", "v")),
    "bytearray": (_bytes, ("$", "v")),
    "complex": (_complex, ("$", "v")),
    "ndarray": (_ndarray, ("$", "dtype", "shape", "v")),
    "npscalar": (_npscalar, ("$", "dtype", "v")),
}
