"""Keys while the monitor works: key press to repainted screen in a real terminal (120x40 pty), 1,000
simulated suppliers checked every 5 s by a running monitor (one check each 5 ms, a round always
under way) and a supplier broken or healed every 10 s; against, in the same run, the same app on
the same home with its monitor stopped (the floor). Several keys, each timed from its write to the
first frame (the screen as a terminal keeps it, pyte) that shows its own effect:

- `j` / `k`: the cursor lands on the supplier below / above it in the Suppliers table (the row by
  its name and its cursor background: any repaint writes some supplier's name);
- `enter`: the open incident's room (its first step's title); `escape` back to the board;
- `?`: the help screen (as bench_tui_wire's older figure).

Target: p99 <= 100 ms, and <= 1.5x the idle app's p99.

    uv run python -m tests.bench.bench_keys [--presses 40]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.bench.bench_load import Screens, Tui, percentile
from tests.bench.bench_tui_wire import Landscape, set_mode

NAME = re.compile(r"Simulated supplier \d+")


def table_rows(screen) -> dict[int, str]:
    """The Suppliers table's lines: line → supplier, for the names in its column (a hint or a toast
    names one elsewhere)."""
    found = [(y, m) for y, line in enumerate(screen.display) for m in [NAME.search(line)] if m]
    column = Counter(m.start() for _, m in found).most_common(1)
    return {y: m.group() for y, m in found if column and m.start() == column[0][0]}


def cursor_row(screen) -> tuple[int, str] | None:
    """The Suppliers table's cursor row (its line, its supplier): the one row whose background no
    other row has."""
    rows = table_rows(screen)
    column = NAME.search(screen.display[next(iter(rows))]).start() if rows else 0
    found = [(y, name, screen.buffer[y][column].bg) for y, name in rows.items()]
    backgrounds = Counter(bg for *_, bg in found)
    marked = [(y, name) for y, name, bg in found if backgrounds[bg] == 1]
    return marked[0] if len(marked) == 1 else None


def lands_on(screen, step: int):
    """The key's own effect: the cursor on the supplier `step` lines below (j) or above (k) it, not
    merely any repaint that writes a supplier's name (a toast, a state change)."""
    y, name = cursor_row(screen) or (None, None)
    names = table_rows(screen)
    if y is None or y + step not in names:
        raise RuntimeError(f"no supplier row {step:+d} from the cursor on the board:\n" + "\n".join(screen.display))
    target = names[y + step]

    def moved(now) -> bool:
        """On the row that was below (above) it; or, when a supplier that went down or healed
        moved the rows meanwhile (the cursor stays on its supplier), on the row now below
        (above) the supplier it was on: else the key waited its 30 s and the bench ended."""
        at, on = cursor_row(now) or (None, None)
        return on == target or (at is not None and on != name and table_rows(now).get(at - step) == name)

    return moved


def showing(text: str, gone: str | None = None):
    return lambda screen: text in "\n".join(screen.display) and (gone is None or gone not in "\n".join(screen.display))


# (name, bytes sent, what its effect is on the screen before the key, keys that undo it, what shows then)
KEYS = (
    ("j (cursor down)", b"j", lambda screen: lands_on(screen, 1), None, None),
    ("k (cursor up)", b"k", lambda screen: lands_on(screen, -1), None, None),
    ("enter (open the room)", b"\r", lambda _: showing("Confirm the outage"), b"\x1b", showing("Suppliers", "Confirm the outage")),
    ("? (help)", b"?", lambda _: showing("Incident room"), b"?", showing("Suppliers", "Incident room")),
)


class KeyTui(Tui):
    """A TUI whose frames are tested, in order, for the effect of the key last sent."""

    def __init__(self, command: list[str], env: dict[str, str]):
        super().__init__(command, env)
        self.test = None
        self.hit: float | None = None

    def feed(self, data: bytes, at: float) -> None:
        super().feed(data, at)
        if self.test is not None and self.hit is None and self.test(self.screen):
            self.hit = at


def press(tui: KeyTui, screens: Screens, key: bytes, effect, timeout: float = 30, log: list | None = None) -> float:
    """Seconds from the key's write to the arrival of the first frame showing `effect` (made from
    the screen as it stands before the key).

    The reading thread only keeps each chunk with its arrival time (Screens.record); the frames
    are emulated here, after. Emulated as they came, in the reading thread, a room's first
    full-screen frames took pyte tens of milliseconds each, and the frame with the key's effect
    was read — and timed — only after them: the bench measured its own emulator."""
    screens.replay()  # the screen as it stands before the key
    settled = time.monotonic() + 5
    while True:  # a frame caught halfway (a repaint of many rows after suppliers failed at once) has no cursor row: the next
        try:
            tui.test, tui.hit = effect(tui.screen), None
            break
        except RuntimeError:
            if time.monotonic() > settled:
                raise
            time.sleep(0.1)
            screens.replay()
    sent = time.monotonic()
    tui.send(key)
    deadline = sent + timeout
    while tui.hit is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no frame showed the effect of {key!r} within {timeout} s:\n{tui.text()}")
        with screens.lock:
            chunks, tui.chunks = tui.chunks, []
        for n, (at, data) in enumerate(chunks):
            tui.feed(data, at)  # `hit` is the arrival of the first chunk that shows it
            if tui.hit is not None:
                with screens.lock:
                    tui.chunks[:0] = chunks[n + 1:]  # what came after it, kept in order for the next key
                break
        if not chunks:
            time.sleep(0.005)
    if log is not None:
        log.append((key.decode(), sent, tui.hit))
    return tui.hit - sent


def key_latencies(home: Path, presses: int, flip=None, every: float = 10, trace: Path | None = None) -> dict[str, list[float]]:
    """Each key pressed `presses` times, in turn, at random phases of the check round. `trace`: the
    TUI runs under tests/bench/keytrace.py, and what its threads did during each slow press is
    written to trace.txt beside it (trace.jsonl the records, trace.presses.json the presses)."""
    wrapper = ["-m", "tests.bench.keytrace", str(trace.with_suffix(".jsonl"))] if trace is not None else []
    tui = KeyTui([sys.executable, *wrapper, "-m", "warroom", "--home", str(home)], env=dict(os.environ))
    log: list = []
    screens = Screens([tui])
    out: dict[str, list[float]] = {name: [] for name, *_ in KEYS}
    try:
        for what in ("Suppliers", "Simulated supplier 1"):
            deadline = time.monotonic() + 60
            while not screens.shows(tui, what):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the board never showed {what!r}:\n{tui.text()}")
                time.sleep(0.05)
        # The cursor away from the top: the suppliers broken and healed (sim-0002…6) move to the
        # top and back, and a `k` on a top row that a broken supplier took has nothing to show.
        for _ in range(8):
            tui.send(b"j")
            time.sleep(0.1)
        time.sleep(3)  # the first reads are not steady state
        screens.record()
        began, flips = time.perf_counter(), 0
        for _ in range(presses):
            for name, key, effect, undo, undone in KEYS:
                if flip is not None and time.perf_counter() - began >= flips * every:
                    flip(flips)
                    flips += 1
                time.sleep(random.uniform(0.1, 0.4))  # land the keys at every phase of the round
                out[name].append(press(tui, screens, key, effect, log=log))
                if undo is not None:
                    time.sleep(0.2)
                    press(tui, screens, undo, lambda _, shows=undone: shows)
        if trace is not None:
            dump_trace(tui, trace, log)
        return out
    finally:
        screens.stop()
        tui.close()


def dump_trace(tui: KeyTui, trace: Path, log: list) -> None:
    import json
    import signal

    records = trace.with_suffix(".jsonl")
    records.unlink(missing_ok=True)
    os.kill(tui.proc.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while not records.exists():  # written whole, then renamed
        if time.monotonic() > deadline:
            raise TimeoutError("the traced TUI wrote no records")
        time.sleep(0.2)
    trace.with_suffix(".presses.json").write_text(json.dumps(log))
    from tests.bench.keytrace_report import report

    trace.with_suffix(".txt").write_text(report(records, trace.with_suffix(".presses.json")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=40, help="presses of each key, monitor working and idle alike")
    parser.add_argument("--trace", type=Path, help="a folder: what the TUI's threads did during each slow press (tests/bench/keytrace.py)")
    args = parser.parse_args()
    if args.trace is not None:
        args.trace.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        big = Landscape(Path(tmp) / "1000", 1000, incidents=1)  # one open incident: `enter` opens it from any row
        try:
            def flip(n: int) -> None:
                set_mode(big.base, f"sim-{(n // 2) % 5 + 2:04d}", "down" if n % 2 == 0 else "up")

            live = key_latencies(big.home, args.presses, flip, trace=args.trace / "live" if args.trace else None)
            big.stop_monitor()
            big.hold_lease()
            idle = key_latencies(big.home, args.presses, trace=args.trace / "idle" if args.trace else None)  # as many: a p99 of fewer is their maximum
        finally:
            big.close()
    print(f"keys while the monitor works ({os.cpu_count()} cores; 1,000 suppliers; {args.presses} presses of each key)\n")
    print("| key | p99 (median), monitor mid-round | p99 (median), monitor idle | ratio of p99 |")
    print("| --- | --- | --- | --- |")
    every_live = [v for values in live.values() for v in values]
    every_idle = [v for values in idle.values() for v in values]
    for name in (*live, "every key"):
        ours = live.get(name, every_live)
        floor = idle.get(name, every_idle)
        print(f"| {name} | {percentile(ours, 99) * 1e3:.0f} ms ({statistics.median(ours) * 1e3:.0f}) | {percentile(floor, 99) * 1e3:.0f} ms "
              f"({statistics.median(floor) * 1e3:.0f}) | {percentile(ours, 99) / percentile(floor, 99):.2f}× |")
    print("\nTarget: p99 ≤ 100 ms and ≤ 1.5× the idle app's. The monitor runs as `warroom monitor` does (nice 10 by default).")


if __name__ == "__main__":
    main()
