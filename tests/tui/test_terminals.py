"""The real `warroom` in the terminals coordinators actually have: without colour (NO_COLOR),
with the mouse left to the terminal, inside GNU screen, and an SSH connection that drops
(SIGHUP) while the TUI keeps a monitor running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, need_tool, run_cli, wait_for
from tests.terminal import Terminal
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import configure
from warroom.clock import SystemClock
from warroom.health.states import observe
from warroom.services import health, lease, library

# Real terminals with a TUI and its monitor each: run one at a time (pytest-xdist group), so
# two never compete for the same two cores while a test counts seconds.
pytestmark = pytest.mark.xdist_group("terminals")

ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
WARROOM = [sys.executable, "-m", "warroom"]


def nlcloud_down_and_the_lease_held(home) -> None:
    """NLCloud recorded down by a 'monitor' that keeps the lease for an hour, so the TUI under
    test starts none of its own (it would check the example's real, unreachable suppliers)."""
    config = library.config(home)
    store = home.open_store()
    now = SystemClock().now()
    with store.write() as session:
        lease.take(session, holder="test-monitor", now=now, ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        for _ in range(config.settings.confirm):
            health.record(session, supplier=config.supplier("nlcloud"), observation=observe([HTTP_DOWN]), now=now,
                          config=config, playbooks=[], holder="test-monitor", origin={})
    store.dispose()


def grey(index: int) -> bool:
    """Is this 256-colour palette entry a shade of grey (tmux maps true colours onto the palette)?"""
    if index < 16:
        return index in (0, 7, 8, 15)
    if index >= 232:
        return True
    r, g, b = (index - 16) // 36, (index - 16) // 6 % 6, (index - 16) % 6
    return r == g == b


def test_without_colour_every_state_still_reads_as_a_word_and_a_symbol(home):
    need_tool("tmux", "tmux")
    nlcloud_down_and_the_lease_held(home)
    session = f"warroom-{uuid.uuid4().hex[:8]}"
    command = f"cd {ROOT} && NO_COLOR=1 exec {' '.join(WARROOM)} --home {home.root}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)  # the smallest screen too

    def pane(*flags: str) -> str:
        return subprocess.run(["tmux", "capture-pane", "-t", session, "-p", *flags], capture_output=True, text=True).stdout

    try:
        try:
            # The first look shows the suppliers' rows; the fallbacks come with the full read after it.
            wait_for(lambda: re.search(r"▼ DOWN\s+NLCloud Hosting", text := pane()) and "NEVER EXERCISED" in text, timeout=60,
                     what="the whole board with NLCloud down")
        except AssertionError as failed:
            raise AssertionError(f"{failed}; the screen was:\n{pane()}") from None
        text, styled = pane(), pane("-e")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert re.search(r"\? UNKNOWN\s+CaseFlow", text)  # the symbol and the word, not a colour
    assert "NEVER EXERCISED ⚠" in text
    colours = re.findall(r"\x1b\[[0-9;]*?[34]8;(?:2;(\d+);(\d+);(\d+)|5;(\d+))", styled)
    assert colours, "tmux -e shows the styles (the control for the check below)"
    assert all(r == g == b for r, g, b, indexed in colours if not indexed), "NO_COLOR: only shades of grey"
    assert all(grey(int(indexed)) for *_, indexed in colours if indexed), sorted({i for *_, i in colours if i and not grey(int(i))})


def test_with_the_mouse_off_nothing_asks_the_terminal_for_mouse_reports(home):
    nlcloud_down_and_the_lease_held(home)
    runs = {}
    for flags in ([], ["--no-mouse"]):
        term = Terminal(WARROOM + flags + ["--home", str(home.root)], env=ENV)
        try:
            term.wait_for(b"NLCloud", timeout=60)
            sent = term.send(b"l")  # the keyboard alone reaches everything: the playbook library
            term.wait_for(b"cloud-hosting-outage", after=sent, timeout=30)
            runs[bool(flags)] = b"".join(data for _, data in term.chunks)
        finally:
            term.close()
    mouse_on = re.compile(rb"\x1b\[\?(1000|1002|1003|1006|1015)h")  # button, drag, any-motion, SGR, urxvt reports
    assert mouse_on.search(runs[False]), "the default asks for mouse reports (the control case)"
    assert not mouse_on.search(runs[True]), "--no-mouse leaves the mouse to the terminal"


def test_inside_gnu_screen_the_board_draws_and_keys_work(home, tmp_path):
    need_tool("screen", "screen")
    nlcloud_down_and_the_lease_held(home)
    session = f"warroom-{uuid.uuid4().hex[:8]}"
    copy = tmp_path / "hardcopy.txt"
    command = f"cd {ROOT} && exec {' '.join(WARROOM)} --home {home.root}"
    environment = {**os.environ, "TERM": "xterm-256color", "SCREENDIR": str(tmp_path / "screens")}
    os.makedirs(environment["SCREENDIR"], mode=0o700)

    def screen(*args: str) -> None:
        subprocess.run(["screen", "-S", session, *args], env=environment, check=True, capture_output=True)

    def shows(text: str) -> bool:
        subprocess.run(["screen", "-S", session, "-X", "hardcopy", str(copy)], env=environment, capture_output=True)
        return copy.exists() and text in copy.read_text(errors="replace")

    subprocess.run(["screen", "-U", "-dmS", session, "-h", "0", "bash", "-c", command], env=environment, check=True)
    try:
        wait_for(lambda: shows("NLCloud"), timeout=60, what="the board inside screen")
        # screen's hardcopy keeps one byte a cell (the symbols come out mangled): read the words.
        wait_for(lambda: shows("NLCloud") and re.search(r"DOWN\s+NLCloud Hosting", copy.read_text(errors="replace")),
                 timeout=30, what="NLCloud down on the board")
        screen("-X", "stuff", "l")
        wait_for(lambda: shows("cloud-hosting-outage"), timeout=30, what="the playbook library after l")
        screen("-X", "stuff", "\x1b")  # escape: back to the board
        wait_for(lambda: shows("Crucial services") or shows("Suppliers"), timeout=30, what="the board again")
    finally:
        subprocess.run(["screen", "-S", session, "-X", "quit"], env=environment, capture_output=True)


def test_an_ssh_disconnect_loses_nothing_and_hands_the_monitor_over(home):
    """The TUI starts a monitor when the lease is vacant; the connection drops (the pty closes,
    SIGHUP to the session); both processes end, the monitor gives the lease back, everything
    committed is still there and the chain verifies."""
    configure(home)  # one-person home: this OS user may act
    term = Terminal(WARROOM + ["--home", str(home.root)], env=ENV)
    store = home.open_store()

    def holder() -> str | None:
        with store.read() as session:
            current = lease.current(session)
            return current.holder if current and current.expires_at > SystemClock().now() else None

    try:
        child = int(wait_for(holder, timeout=60, what="the TUI's own monitor to take the lease").rsplit(":", 1)[1])
        assert child != term.pid
        started = run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=home.root)
        assert started.returncode == 0, started.stderr
        incident = started.stdout.strip()
        # The TUI saw it: its title in the incidents table, cut short at 80 columns once the
        # ladder's first level has fired (the owed column widens), whole when the TUI was quicker.
        term.wait_for(b"Primary cl", timeout=30)
        logged = run_cli("log", incident, "Phoned the supplier's duty manager", home=home.root)
        assert logged.returncode == 0, logged.stderr
    finally:
        os.close(term.fd)  # the SSH connection drops: the kernel hangs the terminal's session up
    wait_for(lambda: os.waitpid(term.pid, os.WNOHANG) != (0, 0), timeout=20, what="the TUI to end on SIGHUP")
    def ended() -> bool:
        try:
            return " Z " in Path(f"/proc/{child}/stat").read_text()[:60]  # a zombie: it has ended
        except FileNotFoundError:
            return True

    wait_for(ended, timeout=20, what="its monitor to end too")
    assert holder() is None, "the monitor gave the lease back (or it lapsed): the next monitor takes over at once"
    store.dispose()
    shown = run_cli("incident", "show", incident, "--json", home=home.root)
    assert "Phoned the supplier's duty manager" in shown.stdout
    assert run_cli("verify", home=home.root).returncode == 0
    taker = subprocess.Popen(WARROOM + ["--home", str(home.root), "monitor"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        store = home.open_store()
        wait_for(lambda: (holder() or "").endswith(f":{taker.pid}"), timeout=15, what="a new monitor to take the lease")
        store.dispose()
    finally:
        taker.send_signal(signal.SIGTERM)
        taker.wait(timeout=15)
