"""Throw-away real servers for the fault tests: a PostgreSQL cluster and a `chroma run` server.

Both run on a free loopback port under a temporary directory and can be stopped, killed with
SIGKILL and restarted on the same data, which is what the fault tests do to them. No mocks:
the app talks to the real PostgreSQL and the real Chroma server over TCP.

PostgreSQL comes from Debian's `postgresql` package (`make test` installs it through
scripts/ensure_postgres.sh); as root the cluster runs as the unprivileged `postgres` user.
Without the binaries or the psycopg driver the tests that need them skip, saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

PG_USER = "ib"
# Random per run, so grepping output for it can only match a real leak.
PG_PASSWORD = "pw-" + secrets.token_hex(8)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live (Debian puts them off PATH, per major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    """Direct child processes of `pid` (the backends of a postmaster)."""
    kids = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.split("/")[2]))
    return kids


class PostgresCluster:
    """A PostgreSQL cluster in a temp dir: password login for `ib` over TCP, trust on its socket."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ib-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_user = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self._as_user = {"user": "postgres", "group": "postgres", "extra_groups": []}
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            cwd=self.root,
            **self._as_user,
        )

    def init(self) -> None:
        pwfile = self.root / "pw"
        pwfile.write_text("unused\n")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
            "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C", f"--pwfile={pwfile}",
        )  # fmt: skip
        self.start()
        self.admin(f"CREATE ROLE {PG_USER} LOGIN CREATEDB PASSWORD '{PG_PASSWORD}'")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def is_running(self) -> bool:
        pid = self.pid
        return pid is not None and Path(f"/proc/{pid}").exists()

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once, as a crash of the server machine would."""
        pid = self.pid
        for victim in [pid, *_children(pid)]:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10, "postmaster exit")

    def ensure_running(self) -> None:
        if not self.is_running():
            self.start()

    def admin(self, sql: str) -> None:
        """Run SQL as the superuser over the cluster's Unix socket (autocommit)."""
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user="postgres", dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(sql)

    def create_database(self) -> str:
        """A fresh empty database owned by `ib`; returns its SQLAlchemy URL (with the password)."""
        name = "t_" + secrets.token_hex(6)
        self.admin(f"CREATE DATABASE {name} OWNER {PG_USER}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by `create_database` (its files would pile up over a test run)."""
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def url(self, dbname: str, password: str = PG_PASSWORD) -> str:
        return f"postgresql+psycopg://{PG_USER}:{password}@127.0.0.1:{self.port}/{dbname}"

    def close(self) -> None:
        if self.is_running():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


class ChromaServer:
    """`chroma run` (the installed chromadb's own server) on a free port, data in `path`."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = path.parent / f"chroma-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chroma = Path(sys.executable).parent / "chroma"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(chroma),
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes all of it
            )
        _wait_for(self.healthy, 60, f"chroma run on port {self.port} answering")

    def healthy(self) -> bool:
        import httpx

        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"chroma run exited; see {self.log}")
        try:
            return httpx.get(self.url + "/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def restart(self) -> None:
        self.stop()
        self.start()

    def count(self, name: str) -> int:
        """Records in a collection, read straight from the server (0 if it does not exist yet)."""
        import httpx

        base = self.url + "/api/v2/tenants/default_tenant/databases/default_database/collections"
        found = httpx.get(f"{base}/{name}", timeout=5)
        if found.status_code != 200:
            return 0
        return int(httpx.get(f"{base}/{found.json()['id']}/count", timeout=5).json())


def _pg_skip_reason() -> str | None:
    if _pg_bin_dir() is None:
        return (
            "PostgreSQL server binaries not found: `make test` installs Debian's postgresql "
            "(scripts/ensure_postgres.sh); install it to run the PostgreSQL fault tests."
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed: pip install -e '.[postgres]' (make install does)."
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the cluster as."
    return None


@pytest.fixture(scope="session")
def pg_cluster():
    """One throw-away PostgreSQL cluster for the test run (initdb takes a few seconds)."""
    reason = _pg_skip_reason()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster(_pg_bin_dir())
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def postgres(pg_cluster):
    """The running cluster (restarted if a previous test left it down)."""
    pg_cluster.ensure_running()
    yield pg_cluster
    pg_cluster.ensure_running()


@pytest.fixture
def postgres_url(postgres):
    """The SQLAlchemy URL of a fresh, empty database (password included), dropped afterwards."""
    url = postgres.create_database()
    yield url
    postgres.ensure_running()
    postgres.drop_database(url)


@pytest.fixture
def chroma_server(tmp_path):
    """A `chroma run` server of this test's own, stopped at the end whatever happened."""
    server = ChromaServer(tmp_path / "chroma-data")
    server.start()
    try:
        yield server
    finally:
        server.kill()
