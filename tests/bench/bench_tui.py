"""TUI benchmark: time to first paint of `warroom` on a home with 1,000 incidents and 1,000,000
events, as a ratio to a bare Textual app showing one DataTable, both started the same way in the
same run through a real pseudo-terminal (target ratio <= 1.5). First paint = the first frame
that shows the app's own text.

    uv run python -m tests.bench.bench_tui [--events 1000000] [--incidents 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]

BARE = '''
from textual.app import App
from textual.widgets import DataTable

class Bare(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("supplier", "state")
        table.add_row("bare-baseline", "up")

Bare().run()
'''


def first_paint(command: list[str], marker: bytes, env: dict, timeout: float = 60) -> float:
    """Seconds from exec to the first output containing `marker`, in a 120x40 pty."""
    term = Terminal(command, env=env)
    try:
        return term.wait_for(marker, timeout=timeout) - term.started
    finally:
        term.close()


def build_home(root: Path, events: int, incidents_count: int) -> None:
    from warroom.clock import MovableClock
    from warroom.services import actors, homes, incidents, library
    from warroom.store import eventlog

    clock = MovableClock(datetime(2026, 1, 1, tzinfo=UTC))
    home = homes.create(root, clock=clock, actor="bench", origin={})
    config = library.config(home)
    playbook = library.find(home, config, "cloud-hosting-outage")
    actor = actors.resolve(config, "alice", {})
    store = home.open_store()
    made = 0
    with store.write() as session:
        for _ in range(incidents_count):
            incidents.start(session, playbook=playbook, mode="drill", now=clock.now(), actor=actor)
            clock.advance(timedelta(minutes=1))
    made += incidents_count
    while made < events:
        with store.write() as session:
            for i in range(made, min(events, made + 5000)):
                eventlog.append(session, at=clock.now(), kind="decision.logged", actor="alice", origin={}, incident_id=(i % incidents_count) + 1,
                                object="incident", summary=f"entry {i}", data={"kind": "observation", "text": f"entry {i}"})
        made = min(events, made + 5000)
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "home"
        began = time.perf_counter()
        build_home(root, args.events, args.incidents)
        built = time.perf_counter() - began
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE)
        ours, bare = [], []
        for _ in range(args.runs):  # interleaved, so load on the shared machine hits both alike
            bare.append(first_paint([sys.executable, str(bare_script)], b"bare-baseline", env))
            ours.append(first_paint([sys.executable, "-m", "warroom", "--home", str(root)], b"Suppliers", env))
        size = subprocess.run(["du", "-sh", str(root / "warroom.db")], capture_output=True, text=True).stdout.split()[0]
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"TUI first paint ({os.cpu_count()} cores; home: {args.incidents:,} incidents, {args.events:,} events, database {size}, built in {built:.0f} s; median of {args.runs})\n")
    print("| measure | warroom | bare Textual app with one DataTable | ratio (target) |")
    print("| --- | --- | --- | --- |")
    print(f"| time to first paint | {o:.2f} s | {b:.2f} s | {o / b:.2f} (≤ 1.5) |")


if __name__ == "__main__":
    main()
