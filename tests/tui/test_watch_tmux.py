"""The long-term watch in a real terminal: the TUI in tmux, `R` the risk ranking, `i` the supplier
screen, driven with send-keys and read with capture-pane."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT, need_tool, run_cli, wait_for

pytestmark = pytest.mark.xdist_group("terminals")


def test_risks_and_a_supplier_in_a_real_terminal(tmp_path):
    need_tool("tmux", "tmux")
    home = tmp_path / "home"
    created = run_cli("init", str(home))
    assert created.returncode == 0, created.stderr
    session = f"warroom-watch-{uuid.uuid4().hex[:8]}"
    command = f"cd {ROOT} && {sys.executable} -m warroom --home {home}"
    # The markers below fit 80 columns: a detached session's size follows the tmux server's rules.
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout

    def see(text: str, what: str) -> None:
        try:
            wait_for(lambda: text in screen(), timeout=60, what=what)
        except AssertionError as failed:
            raise AssertionError(f"{failed}; the screen was:\n{screen()}") from None

    try:
        see("NLCloud Hosting B.V.", "the board")
        subprocess.run(["tmux", "send-keys", "-t", session, "R"], check=True)
        see("Supplier risk · highest first", "the risk screen")
        see("outside_eu", "the top supplier's factors")
        subprocess.run(["tmux", "send-keys", "-t", session, "i"], check=True)
        see("Availability", "the supplier screen")
        see("Sourcing", "the top supplier's details")
        see("IE (parent US)", "its jurisdiction")
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        see("Supplier risk · highest first", "back on the risk screen")
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        see("Fallback register", "back on the board")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
