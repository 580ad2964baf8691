"""The load benchmark's own instrument (tests/bench/bench_load.py): a token counts as shown when the
emulated screen holds it, timed at the frame that completed it, not when its bytes first passed."""

from __future__ import annotations

import sys
import time

from tests.bench.bench_load import Screens, Tui, wait

# Writes half a token, waits for a line, then completes it by moving the cursor back onto the
# screen's first line: the byte stream never holds the token whole, the screen does.
PROGRAM = r"""
import sys
sys.stdout.write("tk01_"); sys.stdout.flush()
sys.stdin.readline()
sys.stdout.write("\x1b[1;6H00042"); sys.stdout.flush()
sys.stdin.readline()
"""


def test_a_token_counts_from_the_frame_that_shows_it_whole():
    tui = Tui([sys.executable, "-c", PROGRAM], {})
    screens = Screens([tui])
    try:
        wait(lambda: screens.shows(tui, "tk01_"), 30, "the first half never showed")
        assert "tk01_00042" not in tui.seen
        assert tui.rss_kb() > 0
        sent = time.monotonic()
        tui.send(b"\n")
        wait(lambda: "tk01_00042" in tui.seen, 30, "the completed token was never seen")
        assert tui.seen["tk01_00042"] >= sent
        assert screens.shows(tui, "tk01_00042")
    finally:
        tui.send(b"\n")
        screens.stop()
        tui.close()
