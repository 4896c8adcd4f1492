"""The sandbox side of the judge, its entry point: `python -I -S -B _sandbox.py --fork-server FD PATH...`
starts the fork server, whose children each run one sandboxed process.

The sandbox is these files of the judge's directory, loaded by path (this one puts the directory
on sys.path just long enough to import them, before any isolation):
- `_sandbox_server`: the fork server; each forked child isolates itself and runs its role;
- `_sandbox_isolation`: namespaces, an empty /tmp, limits, an unprivileged uid, no new privileges;
- `_sandbox_candidate`: role "candidate", loads the candidate's code and serves the parent's calls;
- `_sandbox_checker`: role "checker", runs a question's `check(candidate)` code, its calls relayed;
- `_sandbox_io` and `wire`: the pipes to the parent (marshal in, validated wire lines out).

Stdlib only: these files must not import interviewbot (site-packages are not on the path).
"""

import os
import sys


def main():
    """Load the sandbox's modules from this directory, preload NumPy, serve forks until the judge exits."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _sandbox_server  # and, through it, wire and the other _sandbox_* files

    sys.path.pop(0)
    fd, *paths = sys.argv[sys.argv.index("--fork-server") + 1 :]
    _sandbox_server.preload(paths)
    _sandbox_server.serve_forks(int(fd))


if __name__ == "__main__":
    main()
