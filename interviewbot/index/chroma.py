"""The index's link to Chroma: opening the client (embedded in the data dir, or a `chroma run` server
by URL) and turning a server or network fault into one IndexServerError line."""

from __future__ import annotations

import base64
import functools

from interviewbot.config import Settings, ensure_home, parse_chroma_url
from interviewbot.errors import IndexServerError, InterviewbotError


def open_client(settings: Settings):
    """An embedded PersistentClient in the data dir, or an HttpClient for `chroma run`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        server = parse_chroma_url(settings.chroma_url)
        headers = None
        if server.username:  # e.g. a reverse proxy with basic auth in front of the server
            token = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
            headers = {"Authorization": f"Basic {token}"}
        return chromadb.HttpClient(
            host=server.base_url,  # a full URL: the client keeps its scheme, port and path
            port=server.port,
            ssl=server.scheme == "https",
            headers=headers,
            settings=chroma_settings,
        )
    ensure_home(settings)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def is_server_fault(exc: Exception) -> bool:
    """An error of the HTTP link to a Chroma server, or one the server answered with."""
    import httpx
    from chromadb.errors import ChromaError

    if isinstance(exc, httpx.HTTPError | ConnectionError | ChromaError | TimeoutError):
        return True
    # chromadb turns a refused first connection into a ValueError
    return isinstance(exc, ValueError) and "connect" in str(exc).lower()


def server_error(settings: Settings, exc: Exception, changed_index: bool) -> IndexServerError:
    """One line naming the server (password hidden), what went wrong and what to do."""
    import httpx

    server = parse_chroma_url(settings.chroma_url)
    # chromadb re-raises a refused connection as a bare ValueError: the httpx error has the reason
    cause = exc.__context__ if isinstance(exc, ValueError) and exc.__context__ else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    reason = (lines[0] if lines else type(exc).__name__)[:200]
    if server.password:
        reason = reason.replace(server.password, "***")
    after = (
        " Once it answers, `interviewbot ingest` brings the index back in line (no rebuild needed)."
        if changed_index
        else ""
    )
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError | ValueError):
        return IndexServerError(
            f"Cannot reach the Chroma server at {server.display} ({reason}). Start it (`chroma run "
            f"--path DIR --host {server.host} --port {server.port}`) or fix INTERVIEWBOT_CHROMA_URL.{after}"
        )
    return IndexServerError(
        f"The Chroma server at {server.display} failed ({reason}). See the server's log and try again.{after}"
    )


def guard_server(changes_index: bool = False):
    """In server mode, turn a Chroma server or network failure into one IndexServerError line."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except InterviewbotError:
                raise
            except Exception as exc:
                if self.settings.chroma_url and is_server_fault(exc):
                    raise server_error(self.settings, exc, changes_index) from exc
                raise

        return guarded

    return decorate
