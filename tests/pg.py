"""A throw-away PostgreSQL server for the tests: initdb in a temporary folder, postgres on a free
loopback port, trust authentication on 127.0.0.1 only, stopped and removed at the end.

One server per xdist worker (a session fixture in conftest), one new database per test. PostgreSQL
refuses to run as root, and CI runs as root: then the server runs as an unprivileged account
(Debian's `postgres`, made by its package, or `nobody`) through setpriv."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.conftest import need_tool

SUPERUSER = "warroom_test"


def _bin_dir() -> Path:
    """Where initdb and pg_ctl are: on PATH, or where Debian puts them (not on PATH there)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    return Path(need_tool("initdb", "postgresql")).resolve().parent  # skipped, or a failure under CI


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, durable: bool = False) -> None:
        """`durable`: fsync on, as a real server runs (the benchmark); off for the tests' speed."""
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="warroom-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            account = _unprivileged()
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--"]
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-instructions")
        for attempt in range(5):  # another worker may take the port between the probe and the bind
            self.port = _free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='{self.root}' -c max_connections=200"
            if not durable:
                options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start", check=False)
            if started.returncode == 0:
                break
            if attempt == 4:
                raise RuntimeError(f"postgres did not start: {started.stdout}{started.stderr}{self._log_tail()}")

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.prefix, str(self.bin / tool), *args], capture_output=True, text=True, cwd=self.root, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")
        return result

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database, and its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    import pytest

    pytest.skip("running as root, and no unprivileged account (postgres, nobody) to run PostgreSQL as")
