"""What a new log entry costs a TUI that has the incident room open (issue 15: twenty rooms at ten
entries a second). The real `warroom` on a 120x40 pseudo-terminal, in the room of an incident whose
log already holds `--entries` rows, with a monitor holding the lease (so the TUI starts none of its
own). Measured: the TUI's CPU seconds (/proc) over a window in which a writer process logs `--rate`
entries a second, and over a window of the same length in which nothing is logged (the floor: the
room's clocks and polls), both in the same run; per appended row, the difference over the rows;
and bytes written to the terminal per row likewise.

    uv run python -m tests.bench.bench_room_log [--entries 3000] [--rate 10] [--seconds 20] [--columns 120 --lines 40]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.bench_load import ORIGIN, cpu_seconds, ready, until, wait
from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]
ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}


def prefill(root: Path, entries: int) -> None:
    """`entries` log entries in incident 1, a hundred a transaction."""
    from warroom.clock import SystemClock
    from warroom.home import Home
    from warroom.services import actors, library, logbook

    home = Home(root)
    config = library.config(home)
    actor = actors.resolve(config, "scribe-0", ORIGIN)
    store = home.open_store()
    clock = SystemClock()
    for start in range(0, entries, 100):
        with store.write() as session:
            for n in range(start, min(entries, start + 100)):
                logbook.log(session, incident_id=1, text=f"earlier entry {n:05d}: called the supplier's desk again", kind="observation",
                            now=clock.now(), actor=actor)
    store.dispose()


def writer(root: str, rate: str, seconds: str) -> None:
    """Logs an entry every 1/rate s through the command the CLI's `log` runs; prints how many."""
    from warroom.clock import SystemClock
    from warroom.home import Home
    from warroom.services import actors, commands, library
    from warroom.vocabulary import LogKind

    home = Home(Path(root))
    config = library.config(home)
    actor = actors.resolve(config, "scribe-1", ORIGIN)
    store = home.open_store()
    clock, period = SystemClock(), 1 / float(rate)
    t0 = ready()
    k = 0
    while (due := t0 + k * period) < t0 + float(seconds):
        until(due)
        commands.execute(store, commands.LogEntry(1, f"entry {k:05d} logged under load", LogKind.DECISION),
                         commands.Context(home, config, actor, clock.now()))
        k += 1
    store.dispose()
    print(k, flush=True)


def window(tui: Terminal, seconds: float, rate: float, root: Path, env: dict, profile: str = "") -> tuple[float, int, int]:
    """(TUI CPU seconds, bytes it wrote, rows logged) over `seconds`, a writer logging at `rate` (0:
    none); `profile`: py-spy's folded stacks of the TUI over the window, to that file."""
    child = spy = None
    if rate:
        child = subprocess.Popen([sys.executable, "-m", "tests.bench.bench_room_log", "--child", str(root), str(rate), str(seconds)],
                                 cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdin is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the writer did not start")
    start = time.monotonic() + 0.5
    if child is not None:
        assert child.stdin is not None
        child.stdin.write(f"{start}\n")
        child.stdin.flush()
    until(start)
    if profile:
        spy = subprocess.Popen(["py-spy", "record", "--format", "raw", "--rate", "200", "--duration", str(int(seconds)), "--output", profile,
                                "--pid", str(tui.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu0, at0 = cpu_seconds(tui.pid), time.perf_counter()
    until(start + seconds + 2)  # two seconds more: the last rows read and painted
    cpu1, at1 = cpu_seconds(tui.pid), time.perf_counter()
    if spy is not None:
        spy.wait(timeout=60)
    rows = int(child.communicate(timeout=60)[0].strip()) if child is not None else 0
    return cpu1 - cpu0, tui.bytes_between(at0, at1), rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=3000, help="log rows already in the room")
    parser.add_argument("--rate", type=float, default=10, help="entries logged a second")
    parser.add_argument("--seconds", type=float, default=20, help="each window's length")
    parser.add_argument("--columns", type=int, default=120)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--profile", help="py-spy's folded stacks of the TUI while entries come, to this file")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        writer(*args.child)
        return
    from tests.bench.bench_tui_wire import make_home

    env = {**os.environ, **ENV}
    env.pop("WARROOM_DB", None)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR"), ignore_cleanup_errors=True) as tmp:
        root = make_home(Path(tmp), "http://127.0.0.1:9", 5, 1, mode="live")
        prefill(root, args.entries)
        monitor = subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(root), "monitor"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tui = None
        try:
            tui = Terminal([sys.executable, "-m", "warroom", "--home", str(root)], env=env, columns=args.columns, lines=args.lines)
            tui.wait_for(b"Simulated supplier 1 unavai", timeout=120)
            tui.send(b"\r")
            tui.wait_for(b"log entry", timeout=60)
            wait(lambda: tui.bytes_between(time.perf_counter() - 3, time.perf_counter()) < 4000, 60, "the room never settled")
            idle = window(tui, args.seconds, 0, root, env)
            load = window(tui, args.seconds, args.rate, root, env, args.profile or "")
        finally:
            if tui is not None:
                os.kill(tui.pid, signal.SIGTERM)
            monitor.send_signal(signal.SIGTERM)
            monitor.wait(timeout=60)
    cpu_idle, bytes_idle, _ = idle
    cpu_load, bytes_load, rows = load
    print(f"room log ({os.cpu_count()} cores; {args.columns}x{args.lines} pty; {args.entries:,} rows in the log; "
          f"{rows} entries at {args.rate:g}/s over {args.seconds:g} s, each window +2 s)")
    print(f"  TUI CPU, quiet room (floor):   {cpu_idle:6.2f} s  ({cpu_idle / (args.seconds + 2) * 1000:.0f} ms/s)")
    print(f"  TUI CPU, entries coming:       {cpu_load:6.2f} s  ({cpu_load / (args.seconds + 2) * 1000:.0f} ms/s)")
    print(f"  per appended row:              {(cpu_load - cpu_idle) / max(rows, 1) * 1000:6.1f} ms CPU, "
          f"{(bytes_load - bytes_idle) / max(rows, 1) / 1024:.1f} KB to the terminal")


if __name__ == "__main__":
    main()
