"""What the judge accepts from its sandboxed processes: every line is checked (encoding, size, type,
exact fields, field types and sizes, the call it answers) before anything in it is used.

A line that fails any check raises `ProtocolViolation`; the judge turns that into a
`runtime_error` verdict saying the solution interfered with the judge. Nothing here trusts the
sender: the candidate's process can write anything to any descriptor it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interviewbot.judge import wire
from interviewbot.judge.models import CodeError, Frame

LINE_LIMIT = 40 * 1024 * 1024  # bytes of one message (a returned value is refused above VALUE_LIMIT)
VALUE_LIMIT = 32 * 1024 * 1024  # the sandbox refuses to send a larger return value (a runtime error)
TEXT_LIMIT = 4000
INTERFERENCE = "Your solution interfered with the judge"


class ProtocolViolation(Exception):
    """A sandboxed process wrote something that is not a valid judge message."""


def parse(line: bytes) -> dict:
    """A message object from one line; ProtocolViolation for anything else."""
    try:
        return wire.loads(line, LINE_LIMIT)
    except wire.WireError as exc:
        raise ProtocolViolation(str(exc)) from None


def _text(limit: int = TEXT_LIMIT):
    return lambda v: type(v) is str and len(v) <= limit


def _is(*kinds):
    return lambda v: type(v) in kinds


def _optional_int(v) -> bool:
    return v is None or (type(v) is int and -1 <= v <= 10**7)


def _one_of(*values):
    return lambda v: type(v) is str and v in values


def _any(v) -> bool:
    return True


def _shape(msg: dict, fields: dict[str, Any], what: str) -> dict:
    """Exactly these fields, each passing its check."""
    if set(msg) != set(fields):
        raise ProtocolViolation(f"a {what} message with fields {sorted(map(str, msg))[:8]}")
    for name, ok in fields.items():
        if not ok(msg[name]):
            raise ProtocolViolation(f"a {what} message with an invalid {name!r}")
    return msg


def _decode(data, what: str):
    try:
        return wire.decode(data)
    except (wire.WireError, RecursionError, MemoryError, OverflowError) as exc:
        raise ProtocolViolation(f"an invalid value in a {what} message: {exc}") from None


# --- the candidate's process -----------------------------------------------------------------------


def read_hello(msg: dict) -> str:
    """The isolation the sandbox reports."""
    return _shape(msg, {"type": _one_of("hello"), "isolation": _text(200)}, "hello")["isolation"]


@dataclass
class Loaded:
    """The outcome of loading the candidate's module."""

    status: str  # ok | syntax_error | error | memory
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (call|value|module, module)
    error: CodeError | None = None


def read_load(msg: dict, source: str) -> Loaded:
    """The load message: its names when it loaded, else the located error."""
    if msg.get("type") != "load":
        raise ProtocolViolation("a message that is not the load report")
    if msg.get("status") == "ok":
        _shape(msg, {"type": _any, "status": _any, "names": _is(list)}, "load")
        return Loaded("ok", names=_names(msg["names"]))
    _shape(
        msg, {"type": _any, "status": _one_of("syntax_error", "error", "memory"), "error": _is(dict)}, "load"
    )
    return Loaded(msg["status"], error=read_error(msg["error"], source))


def _names(raw: list) -> dict[str, tuple[str, str]]:
    if len(raw) > 2000:
        raise ProtocolViolation("a load message with too many names")
    names = {}
    for item in raw:
        if not (type(item) is list and len(item) == 3 and all(type(x) is str for x in item)):
            raise ProtocolViolation("a load message with a malformed name")
        name, kind, module = item
        bad_module = kind == "module" and not all(p.isidentifier() for p in module.split("."))
        if (
            not name.isidentifier()
            or len(name) > 100
            or kind not in ("call", "value", "module")
            or bad_module
        ):
            raise ProtocolViolation("a load message with a malformed name")
        names[name] = (kind, module)
    return names


def read_error(raw: dict, source: str) -> CodeError:
    """A located error (syntax error or exception frames), its source lines filled in from `source`."""
    lines = source.splitlines()
    quote = lambda n: lines[n - 1] if n and 0 < n <= len(lines) else ""
    if "frames" in raw:
        _shape(
            raw,
            {
                "type": _text(100),
                "message": _text(),
                "frames": lambda v: type(v) is list and len(v) <= 40,
                "omitted": lambda v: type(v) is int and 0 <= v <= 10**7,
            },
            "error",
        )
        frames = [_frame(f, quote) for f in raw["frames"]]
        return CodeError(
            type=raw["type"], message=raw["message"], frames=frames, omitted_frames=raw["omitted"]
        )
    fields = {"line": _optional_int, "column": _optional_int, "end_column": _optional_int}
    _shape(raw, {"type": _text(100), "message": _text(), **fields}, "error")
    return CodeError(**raw, code=quote(raw["line"]))


def _frame(raw, quote) -> Frame:
    if not (type(raw) is list and len(raw) == 2 and type(raw[0]) is int and _text(200)(raw[1])):
        raise ProtocolViolation("an error message with a malformed frame")
    return Frame(line=raw[0], function=raw[1], code=quote(raw[0]))


@dataclass
class Reply:
    """The candidate's answer to one call."""

    ok: bool
    value: Any = None
    out: str = ""
    status: str = ""  # error | memory, when not ok
    error: CodeError | None = None
    raw_value: Any = None  # the validated wire form, relayed to check code as is


def read_result(msg: dict, call_id: int, source: str) -> Reply:
    """The reply to call `call_id`; a reply to any other call is a forgery."""
    if msg.get("type") != "result" or msg.get("i") != call_id or type(msg.get("i")) is not int:
        raise ProtocolViolation(f"a message that is not the reply to call {call_id}")
    out = _text(8000)
    if msg.get("ok") is True:
        _shape(msg, {"type": _any, "i": _any, "ok": _any, "value": _any, "out": out}, "result")
        value = _decode(msg["value"], "result")
        return Reply(True, value=value, out=msg["out"], raw_value=msg["value"])
    status = _one_of("error", "memory")
    _shape(
        msg,
        {"type": _any, "i": _any, "ok": _is(bool), "status": status, "error": _is(dict), "out": out},
        "result",
    )
    error = read_error(msg["error"], source)
    return Reply(False, out=msg["out"], status=msg["status"], error=error)


# --- the checker's process -------------------------------------------------------------------------


@dataclass
class CheckCall:
    """`check` code calling one of the candidate's top-level names (or reading a value)."""

    name: str
    get: bool
    args: Any
    kwargs: Any


@dataclass
class CheckDone:
    """The check code's outcome: passed | failed (AssertionError) | error (anything else) | candidate."""

    outcome: str
    detail: str


def read_checker(msg: dict, callable_names: set[str], value_names: set[str]) -> CheckCall | CheckDone:
    """A call request or the final outcome from the checker process."""
    if msg.get("type") == "done":
        outcome = _one_of("passed", "failed", "error", "candidate")
        _shape(msg, {"type": _any, "outcome": outcome, "detail": _text(40_000)}, "check outcome")
        return CheckDone(msg["outcome"], msg["detail"])
    fields = {
        "type": _one_of("call"),
        "name": _text(100),
        "get": _is(bool),
        "args": _is(list),
        "kwargs": _is(dict),
    }
    _shape(msg, fields, "check call")
    allowed = value_names if msg["get"] else callable_names
    if msg["name"] not in allowed:
        raise ProtocolViolation(f"a check call to an unknown name {msg['name']!r}")
    _decode(msg["args"], "check call")
    _decode(msg["kwargs"], "check call")
    return CheckCall(msg["name"], msg["get"], msg["args"], msg["kwargs"])
