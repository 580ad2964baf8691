"""TUI benchmark: time to content of `warroom` on a home of 200 suppliers (each with a recorded
state), 1,000 incidents and 1,000,000 events, as a ratio to a bare Textual app showing one DataTable,
both started the same way in the same run through a real 120x40 pseudo-terminal (target ratio <=
1.5). Content = the first supplier row with its state word on screen (not the panel's title, which
is painted before any data); for the bare app, its first DataTable row.

warroom is timed twice in the same run: as installed, its bytecode compiled (a copy of the package,
compiled as pip, or uv with this project's compile-bytecode, compiles every package, Textual's
for the floor among them); and from this source tree, which this machine's environment
(PYTHONDONTWRITEBYTECODE, an editable install) makes Python compile again at every start.

    uv run python -m tests.bench.bench_tui [--events 1000000] [--incidents 1000] [--suppliers 200] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
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


_ESCAPE = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78cDEHM])")


def first_content(command: list[str], row: re.Pattern[bytes], env: dict, timeout: float = 60) -> float:
    """Seconds from exec to the first output whose text, escapes taken out, matches `row`, in a
    120x40 pty. Textual writes a line's cells together, so a row and its state word arrive as one
    run of text between cursor moves."""
    term = Terminal(command, env=env)
    try:
        return term.wait_for(lambda seen: row.search(_ESCAPE.sub(b"", seen)), timeout=timeout) - term.started
    finally:
        term.close()


# The board's first supplier row: a state symbol and word, then a supplier's name, on one line.
OURS = re.compile(rb"(up|down|degraded|maintenance|unknown) +Simulated supplier \d+")
FLOOR = re.compile(rb"bare-baseline +up")


def build_home(root: Path, events: int, incidents_count: int, suppliers: int) -> None:
    from tests.bench.bench_tui_wire import PLAYBOOK, landscape
    from warroom.clock import MovableClock
    from warroom.health.states import Observation
    from warroom.services import actors, health, homes, incidents, lease, library
    from warroom.store import eventlog

    clock = MovableClock(datetime(2026, 1, 1, tzinfo=UTC))
    home = homes.create(root, clock=clock, actor="bench", origin={}, config_text=landscape("http://127.0.0.1:9", suppliers))
    for bundled in home.playbooks_dir.glob("*.toml"):
        bundled.unlink()  # they name the example's suppliers, not these
    (home.playbooks_dir / "bench-outage.toml").write_text(PLAYBOOK)
    config = library.config(home)
    playbook = library.find(home, config, "bench-outage")
    actor = actors.resolve(config, "alice", {})
    store = home.open_store()
    with store.write() as session:  # every supplier with a confirmed state; the lease held, so the TUI starts no monitor
        lease.take(session, holder="bench-idle", now=clock.now(), ttl=timedelta(days=3650), gap_after=timedelta(days=3650), origin={})
        for _ in range(config.settings.confirm):
            for n, supplier in enumerate(config.suppliers):
                state = "down" if n % 17 == 0 else "up"
                health.record(session, supplier=supplier, observation=Observation(state, 20.0, f"probe says {state}", "bench"), now=clock.now(),
                              config=config, playbooks=[], holder="bench-idle", origin={})
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
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the home in DIR and keep it; a home already there is used as it is")
    args = parser.parse_args()
    env = {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "home"
        began = time.perf_counter()
        if not (root / "warroom.db").exists():
            build_home(root, args.events, args.incidents, args.suppliers)
        built = time.perf_counter() - began
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE)
        installed = Path(tmp) / "installed"
        shutil.copytree(ROOT / "warroom", installed / "warroom", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "playbooks", installed / "warroom" / "_bundled" / "playbooks")  # as the wheel carries them
        compileall.compile_dir(installed / "warroom", quiet=1)
        os.chdir(tmp)  # `python -m` puts the working directory first on the path: each run imports the warroom its PYTHONPATH names
        ours, source, bare = [], [], []
        for _ in range(args.runs):  # interleaved, so load on the shared machine hits all alike
            bare.append(first_content([sys.executable, str(bare_script)], FLOOR, env))
            ours.append(first_content([sys.executable, "-m", "warroom", "--home", str(root)], OURS, env | {"PYTHONPATH": str(installed)}))
            source.append(first_content([sys.executable, "-m", "warroom", "--home", str(root)], OURS, env | {"PYTHONPATH": str(ROOT)}))
        os.chdir(ROOT)
        size = subprocess.run(["du", "-sh", str(root / "warroom.db")], capture_output=True, text=True).stdout.split()[0]
    o, s, b = statistics.median(ours), statistics.median(source), statistics.median(bare)
    print(f"TUI time to content ({os.cpu_count()} cores, 120x40 pty; home: {args.suppliers:,} suppliers, {args.incidents:,} incidents, "
          f"{args.events:,} events, database {size}, built in {built:.0f} s; median of {args.runs})\n")
    print("| measure | warroom | bare Textual app, one DataTable | ratio (target) |")
    print("| --- | --- | --- | --- |")
    print(f"| first supplier row with its state on screen (bare: its first row) | {o:.2f} s | {b:.2f} s | {o / b:.2f} (≤ 1.5) |")
    print(f"| the same, warroom compiled from source at each start (this machine's editable install) | {s:.2f} s | {b:.2f} s | {s / b:.2f} |")


if __name__ == "__main__":
    main()
