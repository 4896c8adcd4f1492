"""Inside the sandbox: a sandboxed process's end of its pipes to the parent (wire lines out, marshal in).

Stdlib only, loaded by path by `_sandbox.py` (site-packages and interviewbot are not on the path).
"""

import marshal
import os

import wire  # the encoding the parent reads (loaded from the judge's directory, like this file)

_write = os.write  # bound before any candidate code runs, like the encoder in wire


def write_all(fd, data):
    """Bytes written whole (a pipe write of <= 64 KB is atomic; larger ones loop)."""
    while data:
        data = data[_write(fd, data) :]


def send(fd, message):
    """One wire line to the parent."""
    write_all(fd, wire.dumps(message))


def receive(stream):
    """The next marshal frame from the parent (trusted: it wrote it); None once it closes the pipe."""
    try:
        return marshal.load(stream)
    except EOFError:
        return None
