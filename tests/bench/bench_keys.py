"""Keys while the monitor works: key press to repainted screen in a real terminal (120x40 pty), 1,000
simulated suppliers checked every 5 s by a running monitor (one check each 5 ms, a round always
under way) and a supplier broken or healed every 10 s; against, in the same run, the same app on
the same home with its monitor stopped (the floor). Several keys, each timed from its write to the
first output that shows its effect:

- `j` / `k`: the cursor moves down / up the Suppliers table (the rows repainted: a supplier's name);
- `enter`: the open incident's room (its first step's title); `escape` back to the board;
- `?`: the help screen (as bench_tui_wire's older figure).

Target: p99 <= 100 ms, and <= 1.5x the idle app's p99.

    uv run python -m tests.bench.bench_keys [--presses 40]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.bench_tui_wire import ENV, Landscape, p99, set_mode
from tests.terminal import Terminal

# (name, bytes sent, what the repaint shows, keys that undo it and what shows then)
KEYS = (
    ("j (cursor down)", b"j", b"Simulated supplier", None, None),
    ("k (cursor up)", b"k", b"Simulated supplier", None, None),
    ("enter (open the room)", b"\r", b"Confirm the outage", b"\x1b", b"Suppliers"),
    ("? (help)", b"?", b"Incident room", b"?", b"Suppliers"),
)


def key_latencies(home: Path, presses: int, flip=None, every: float = 10) -> dict[str, list[float]]:
    """Each key pressed `presses` times, in turn, at random phases of the check round."""
    term = Terminal([sys.executable, "-m", "warroom", "--home", str(home)], env=ENV)
    out: dict[str, list[float]] = {name: [] for name, *_ in KEYS}
    try:
        term.wait_for(b"Suppliers")
        term.wait_for(b"Simulated supplier 1", timeout=60)
        time.sleep(3)  # the first reads are not steady state
        began, flips = time.perf_counter(), 0
        for _ in range(presses):
            for name, key, shows, undo, undone in KEYS:
                if flip is not None and time.perf_counter() - began >= flips * every:
                    flip(flips)
                    flips += 1
                time.sleep(random.uniform(0.1, 0.4))  # land the keys at every phase of the round
                sent = term.send(key)
                out[name].append(term.wait_for(shows, after=sent, timeout=30) - sent)
                if undo is not None:
                    time.sleep(0.2)
                    term.wait_for(undone, after=term.send(undo), timeout=30)
        return out
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=40, help="presses of each key, monitor working (a third as many idle)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Landscape(Path(tmp) / "1000", 1000, incidents=1)  # one open incident: `enter` opens it from any row
        try:
            def flip(n: int) -> None:
                set_mode(big.base, f"sim-{(n // 2) % 5 + 2:04d}", "down" if n % 2 == 0 else "up")

            live = key_latencies(big.home, args.presses, flip)
            big.stop_monitor()
            big.hold_lease()
            idle = key_latencies(big.home, max(10, args.presses // 3))
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
        print(f"| {name} | {p99(ours) * 1e3:.0f} ms ({statistics.median(ours) * 1e3:.0f}) | {p99(floor) * 1e3:.0f} ms "
              f"({statistics.median(floor) * 1e3:.0f}) | {p99(ours) / p99(floor):.2f}× |")
    print("\nTarget: p99 ≤ 100 ms and ≤ 1.5× the idle app's. The monitor runs as `warroom monitor` does (nice 10 by default).")


if __name__ == "__main__":
    main()
