"""Keys as a terminal sends them: all at once (a paste, or a quick typist on a busy host) or a
few tens of milliseconds apart, written to the real `warroom` on a pseudo-terminal. Pilot waits
for the app to go idle between keys, which hid that Textual hands a key to the focused widget
and reads the next before the first has reached its binding: `l C…` in a room lost the `C`,
and `D l…` on the board's suggestion gave `l` to the board."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import pytest

from tests.conftest import run_cli, wait_for
from tests.helpers import configure
from tests.terminal import Terminal
from tests.test_health_states import HTTP_DOWN
from tests.tui.test_library import rounds
from tests.tui.test_terminals import nlcloud_down_and_the_lease_held
from warroom.clock import MovableClock, SystemClock

# Real terminals, one at a time (pytest-xdist group): two never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("terminals")

ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
WARROOM = [sys.executable, "-m", "warroom"]
LOGGED = b"logged (event"  # the room's notice line once the entry is in the log


def type_keys(term: Terminal, keys: list[bytes], gap: float) -> None:
    """`keys` in one write (gap 0: as a paste arrives), or each `gap` seconds after the one
    before, as a typist's do. The pause paces the input; nothing waits on it."""
    if not gap:
        term.send(b"".join(keys))
        return
    for key in keys:
        term.send(key)
        time.sleep(gap)


def entries(home, incident: str) -> list[str]:
    shown = run_cli("incident", "show", incident, "--json", home=home.root)
    assert shown.returncode == 0, shown.stderr
    return [event["data"]["text"] for event in json.loads(shown.stdout)["events"] if event["kind"] == "decision.logged"]


def incidents(home) -> list[dict]:
    listed = run_cli("incident", "list", "--json", home=home.root)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


@pytest.mark.parametrize(("size", "gap"), [((80, 24), 0.0), ((120, 40), 0.05)], ids=["80x24-at-once", "120x40-typed"])
def test_a_drill_started_from_the_suggestion_gets_the_words_typed_after_it(home, size, gap):
    """`D l Called the desk enter` on the board's suggestion: one drill, its room, the entry whole."""
    configure(home)
    # NLCloud down for the last three minutes (the trigger holds), by a 'monitor' holding the
    # lease for an hour: the TUI starts none of its own.
    rounds(home, MovableClock(SystemClock().now() - timedelta(minutes=3)), "nlcloud", HTTP_DOWN, 7)
    columns, lines = size
    term = Terminal([*WARROOM, "--home", str(home.root)], env=ENV, columns=columns, lines=lines)
    try:
        term.wait_for(b"suggested", timeout=60)  # the suggestion's line
        sent = time.perf_counter()
        type_keys(term, [b"D", b"l", *(bytes([c]) for c in b"Called the desk"), b"\r"], gap)
        term.wait_for(LOGGED, after=sent, timeout=30)
    finally:
        term.close()
    (drill,) = incidents(home)
    assert drill["mode"] == "drill" and drill["playbook"] == "quick-drill"  # the one configure() suggests
    assert entries(home, str(drill["id"])) == ["Called the desk"]
    assert run_cli("verify", home=home.root).returncode == 0


def test_a_room_opened_from_the_board_gets_the_words_typed_after_enter(home):
    """`tab enter l Phoned the duty desk enter` in one write: the room opens and the entry is
    logged whole (the first letters went to the steps, or `l` to the board's playbooks)."""
    configure(home)
    nlcloud_down_and_the_lease_held(home)
    started = run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=home.root)
    assert started.returncode == 0, started.stderr
    incident = started.stdout.strip()
    term = Terminal([*WARROOM, "--home", str(home.root)], env=ENV)
    try:
        term.wait_for(b"Primary cl", timeout=60)  # the incident's row
        sent = term.send(b"\t\rlPhoned the duty desk\r")
        term.wait_for(LOGGED, after=sent, timeout=30)
    finally:
        term.close()
    wait_for(lambda: entries(home, incident), timeout=10, what="the entry in the log")
    assert entries(home, incident) == ["Phoned the duty desk"]
