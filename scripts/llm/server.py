"""Starts llama-cpp-python's OpenAI-compatible server (from .venv-llm) on a free 127.0.0.1 port.

with LlamaServer(model_path, log_path) as server:
    server.base_url            # http://127.0.0.1:PORT/v1
    server.pause(); server.resume(); server.kill()   # faults for the fallback tests

python scripts/llm/server.py   # serve the assembled model in the foreground (Ctrl-C stops it)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LLM_PYTHON = Path(os.environ.get("LLM_VENV") or ROOT / ".venv-llm") / "bin" / "python"
MODEL_ALIAS = "qwen2.5-coder-1.5b-instruct"
CONTEXT_TOKENS = 4096
START_TIMEOUT_S = 180


def default_threads() -> int:
    """Every core on an idle machine; one when others are busy (llama.cpp's threads wait for each
    other at every layer, so one descheduled thread stalls all: 0.3 instead of 4.5 tokens/s here)."""
    cores = os.cpu_count() or 1
    return cores if os.getloadavg()[0] < 0.5 * cores else 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """One server process in its own process group, stopped on exit."""

    def __init__(self, model_path: Path, log_path: Path, threads: int | None = None):
        threads = threads or int(os.environ.get("LLM_SERVER_THREADS") or default_threads())
        self.model_path, self.log_path, self.threads = Path(model_path), Path(log_path), threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            str(LLM_PYTHON),
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(CONTEXT_TOKENS),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
        ]

    def start(self) -> LlamaServer:
        """Start and wait until the model is loaded and the API answers."""
        if not LLM_PYTHON.is_file():
            raise RuntimeError(f"{LLM_PYTHON} is missing: run scripts/llm/build_server.sh first")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        end = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the model server exited ({self.process.returncode}); see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"the model server did not start in {START_TIMEOUT_S} s; see {self.log_path}")

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def pause(self) -> None:
        """SIGSTOP: the server hangs (connections are accepted by the kernel, nothing answers)."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: the server is gone (connections are refused)."""
        self._signal(signal.SIGCONT)
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server (resumed first, so a paused one can exit)."""
        if self.process is None or self.process.poll() is not None:
            return
        self._signal(signal.SIGCONT)
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fetch_model import model_path

    server = LlamaServer(model_path(), ROOT / ".venv-llm" / "server.log")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so `with` stops the server too
    with server:
        print(f"serving {MODEL_ALIAS} at {server.base_url} (log: {server.log_path}); Ctrl-C stops it")
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
