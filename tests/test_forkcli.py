"""The tests' forked CLI calls (tests/forkcli.py) stand in for fresh interpreters only where they
give the same: the same exit status, output and errors, from the caller's environment, folder and
umask; a call past its timeout is killed and raises TimeoutExpired, as with subprocess.run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import forkcli
from tests.conftest import wait_for
from tests.helpers import configure, start_incident

WARROOM = [sys.executable, "-m", "warroom"]


def fresh(command: list[str], env: dict[str, str], cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


@pytest.mark.parametrize("args", [
    ["incident", "list"],
    ["incident", "show", "1", "--json"],
    ["incident", "show", "999"],  # bad input: exit 2, one line
    ["log", "1", "a line\twith a tab"],  # a write: each prints the seq of its own entry
    ["nonsense"],  # click's usage error
    ["--version"],
])
def test_a_forked_call_answers_as_a_fresh_interpreter_does(home, clock, args):
    configure(home)
    start_incident(home, clock, "quick-drill")
    env = {**os.environ, "WARROOM_HOME": str(home.root), "WARROOM_NOW": "2026-11-29T13:05:00+00:00"}
    forked = forkcli.call([*WARROOM, *args], env, 120)
    assert forked is not None, "the server did not start"
    again = fresh([*WARROOM, *args], env)
    strip = (lambda text: re.sub(r"\d+", "N", text)) if args[0] == "log" else (lambda text: text)  # each write's own seq
    assert (forked.returncode, strip(forked.stdout), forked.stderr) == (again.returncode, strip(again.stdout), again.stderr)


def test_the_callers_environment_folder_and_umask_are_the_childs(home, clock, tmp_path):
    configure(home)
    start_incident(home, clock, "quick-drill")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "elsewhere")}  # where a home is looked for without --home
    env.pop("WARROOM_HOME", None)
    assert forkcli.call([*WARROOM, "--version"], env, 60) is not None  # the server runs, started under the usual umask
    before = os.getcwd()
    mask = os.umask(0o027)  # not the server's: an export's file takes its mode from it
    os.chdir(tmp_path)
    try:
        forked = forkcli.call([*WARROOM, "--home", str(home.root), "export", "1", "--format", "sitrep", "-o", "here.md"], env, 120)
        assert forked is not None and forked.returncode == 0, forked
        assert ((tmp_path / "here.md").stat().st_mode & 0o777) == 0o640  # in the caller's folder, under the caller's umask
        listed = forkcli.call([*WARROOM, "incident", "list"], env, 120)
        assert listed is not None and str(tmp_path / "elsewhere") in listed.stderr  # the caller's XDG_DATA_HOME
    finally:
        os.chdir(before)
        os.umask(mask)


def test_a_call_past_its_timeout_is_killed_and_raises_timeout_expired_as_subprocess_run_does():
    with pytest.raises(subprocess.TimeoutExpired):
        forkcli.call([*WARROOM, "simulate", "--port", "0"], dict(os.environ), 3)  # serves until stopped
    server = forkcli._server
    assert server is not None
    wait_for(lambda: not _children_of(server.process.pid), timeout=10, what="the simulator killed and reaped")


def _children_of(pid: int) -> list[str]:
    """The live children of a process (Linux: each thread's children file)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except FileNotFoundError:  # a thread (a reaper) that ended since the listing
            continue
    return found


def test_a_call_whose_locale_differs_from_the_servers_runs_fresh():
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    assert forkcli.call([*WARROOM, "--version"], env, 60) is None
