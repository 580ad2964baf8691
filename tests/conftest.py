"""Shared fixtures: real homes on disk and the real CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.clock import MovableClock

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Compile warroom's own modules once, before xdist's workers start. Where the environment sets
    PYTHONDONTWRITEBYTECODE (this project's machines do), Python never writes them, and every
    `warroom` a test starts (a thousand CLI calls, monitors, TUIs in tmux) compiled each module it
    imports from source again: a fifth of a second of CPU each, on two cores the suite keeps busy.
    uv compiles the dependencies (pyproject's compile-bytecode), not the project it installs as
    editable; an installed warroom has its bytecode as any package does. A module changed since is
    compiled again on import, as ever: stale bytecode is never used."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has done it
        return
    import compileall

    try:
        compileall.compile_dir(ROOT / "warroom", quiet=2)
    except OSError:  # a checkout this account cannot write: each process compiles as before
        pass


def run_cli(*args: str, home: Path | None = None, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """`warroom ARGS` in a real subprocess, as a script would run it: forked from a process that has
    imported warroom already (tests/forkcli.py), or a fresh interpreter where that cannot stand in."""
    from tests import forkcli

    command = [sys.executable, "-m", "warroom"] + (["--home", str(home)] if home else []) + list(args)
    environment = {**os.environ, **(env or {})}
    environment.pop("WARROOM_HOME", None)
    forked = forkcli.call(command, environment, timeout)
    if forked is not None:
        return forked
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)


def assert_clean_failure(result: subprocess.CompletedProcess, code: int) -> None:
    assert result.returncode == code, f"exit {result.returncode}, expected {code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr


def need_tool(command: str, package: str) -> str:
    """The path of a system tool a test needs. Missing on a developer's machine: the test is skipped
    with the package to install. Missing under CI (CI=true), where .ci/run installs it: a failure."""
    import shutil

    found = shutil.which(command)
    if found:
        return found
    message = f"{command} is not installed (Debian package: {package}; .ci/run installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def tmpfs(where: Path, size: str, without_root: str) -> Iterator[Path]:
    """A real tmpfs of `size` mounted at `where` for a full-disk test; skipped (saying `without_root`)
    where none can be mounted: mounting needs root, which CI has."""
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(without_root)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)  # lazily: a child process may still hold a file there


def wait_for(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    """Poll `condition` until it is truthy or the deadline passes; never a bare sleep as synchronisation."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Process:
    """A child process whose output lines are collected as they come."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "warroom", *args], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def monitors():
    """Start `warroom monitor` processes on a home; all are stopped after the test."""
    started: list[Process] = []

    def start(home) -> Process:
        process = Process("--home", str(home.root), "monitor")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 29, 13, 0, tzinfo=UTC))


@pytest.fixture
def home(tmp_path: Path, clock: MovableClock):
    """A fresh home made by the real `init` code path."""
    from warroom.services import homes

    return homes.create(tmp_path / "home", clock=clock, actor="alice", origin={"host": "test", "terminal": None, "ssh_client": None})


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server (tests/pg.py), one per xdist worker; skipped where PostgreSQL
    is not installed, a failure under CI."""
    from tests.pg import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_home(request, tmp_path: Path, clock: MovableClock):
    """A fresh home on each database warroom runs on: its own SQLite file, or a new database on the
    test's PostgreSQL server (`home.db_url`; give it to the CLI with `db_args`)."""
    from warroom.services import homes

    url = request.getfixturevalue("pg_cluster").new_database() if request.param == "postgresql" else None
    return homes.create(tmp_path / "home", clock=clock, actor="alice", origin={"host": "test", "terminal": None, "ssh_client": None}, db_url=url)


def db_args(home) -> list[str]:
    """The CLI's --db for a home made by `db_home`: none for its own SQLite file."""
    return ["--db", home.db_url] if home.db_url else []


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.delenv("WARROOM_HOME", raising=False)
    monkeypatch.delenv("WARROOM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # English unless a test asks for Dutch: a developer's LANG=nl_NL must not turn the suite's CLI
    # subprocesses Dutch, and a test that chose Dutch in-process must not leave it to the next.
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield
    from warroom import i18n

    i18n.use(i18n.DEFAULT)
    os.environ.pop("LANGUAGE", None)  # set by a CLI run in-process (click's words): absent at the start, so a leak


@pytest.fixture
def dutch() -> Iterator[None]:
    """This process speaks Dutch for the test (as `--lang nl` makes the CLI choose): in-process
    faces, the TUI under Pilot and the exports. A CLI subprocess takes `--lang nl` or LANG."""
    from warroom import i18n

    i18n.use("nl")
    yield
    i18n.use(i18n.DEFAULT)


# ── drills ──


@pytest.fixture
def simulator() -> Iterator[str]:
    """A real supplier simulator (`warroom simulate`) on a free loopback port: its URL."""
    sim = Process("simulate", "--port", "0")
    port = int(wait_for(lambda: next((said for said in sim.lines if said.isdigit()), None), what="the simulator's port"))
    yield f"http://127.0.0.1:{port}"
    sim.stop()
