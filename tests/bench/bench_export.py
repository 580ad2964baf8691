"""Export benchmark: one incident with 100,000 events exported to each format by the real CLI (a
child process: start-up included), each time as a ratio to `sqlite3 -json` dumping the same rows
(the incident's own events, seq order) in the same run on the same disk, and each export's peak
memory (the child's maximum resident set size, from wait4). Targets: ratio ≤ 3, peak < 200 MB.

    uv run python -m tests.bench.bench_export [--events 100000] [--runs 3] [--before DIR] [--home DIR]

Each ratio is also given in CPU time (the child's user and system time over sqlite3's), which a
machine busy with other work changes less than the wall time.

--before DIR also times the same exports by another source tree of warroom (say, `git archive
main | tar -x -C DIR`), interleaved with these, so that a change is measured against the code
before it in one run on one machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = {"host": "bench", "terminal": "pts/3", "ssh_client": "192.0.2.10"}
START = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
FORMATS = ("json", "csv", "md", "html", "sitrep")


def build(root: Path, events: int) -> None:
    """A home whose incident #1 holds `events` events: log entries, steps, notes, the kinds a long
    incident piles up, appended through the event log in transactions of 1,000."""
    from warroom.clock import MovableClock
    from warroom.services import actors, homes, incidents, library
    from warroom.store import eventlog

    clock = MovableClock(START)
    home = homes.create(root, clock=clock, actor="alice", origin=ORIGIN)
    cfg = library.config(home)
    store = home.open_store()
    me = actors.resolve(cfg, "alice", ORIGIN)
    with store.write() as session:
        incident = incidents.start(session, playbook=library.find(home, cfg, "cloud-hosting-outage"), mode="drill", now=clock.now(), actor=me)
    kinds = ("decision.logged", "step.overdue", "decision.logged", "decision.logged", "escalation.due")  # none changes a state table
    done = 1
    while done < events:
        with store.write() as session:
            for _ in range(min(1000, events - done)):
                done += 1
                clock.advance(timedelta(seconds=1))
                kind = kinds[done % len(kinds)]
                data = {"kind": "observation", "text": f"Entry {done}: the supplier says \"{done % 60} minutes\" <again> & again",
                        "rationale": "bench, with a longer rationale than most entries carry" if done % 3 else None,
                        "occurred_at": clock.now().isoformat()} if kind == "decision.logged" else {"step": "assess", "note": None, "late_seconds": done / 7}
                eventlog.append(session, at=clock.now(), kind=kind, actor="alice", origin=ORIGIN, incident_id=incident.id,
                                object=f"incident:{incident.id}", summary=f"{kind} {done}: Ångström, 🚒, <b>, \"quotes\" | pipes", data=data)
    store.dispose()


def timed(command: list[str], stdout=None, cwd: Path | None = None) -> tuple[float, int, float]:
    """Wall time, the child's peak resident memory in bytes and its CPU time (user and system: what
    a busy machine's other work changes least), `python -m` importing from `cwd` first."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[:6]} failed: {process.stderr.read().decode()[-1000:]}")
    return elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another warroom source tree, timed in the same run")
    parser.add_argument("--home", type=Path, help="a home this benchmark built before (kept from an earlier run): not built again")
    args = parser.parse_args()
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        raise SystemExit("the sqlite3 command-line shell is needed for the baseline (Debian package: sqlite3)")
    with tempfile.TemporaryDirectory() as folder:
        root = args.home or Path(folder) / "home"
        if args.home is None:
            began = time.perf_counter()
            build(root, args.events)
            print(f"built an incident of {args.events:,} events in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        out = Path(folder) / "out"
        baseline = [sqlite, "-json", str(root / "warroom.db"), "SELECT * FROM event WHERE incident_id = 1 ORDER BY seq"]
        rows = []
        for fmt in FORMATS:
            command = [sys.executable, "-m", "warroom", "--home", str(root), "export", "1", "--format", fmt, "-o", str(out)]
            ours, floor, peaks, before, before_peaks = [], [], [], [], []
            cpu: dict[str, list[float]] = {"ours": [], "floor": [], "before": []}
            for _ in range(args.runs):  # interleaved, so that a busy moment on the machine hits both
                with open(Path(folder) / "floor.json", "wb") as sink:
                    seconds, _, used = timed(baseline, sink)
                    floor.append(seconds)
                    cpu["floor"].append(used)
                seconds, peak, used = timed(command)
                ours.append(seconds)
                peaks.append(peak)
                cpu["ours"].append(used)
                if args.before is not None:
                    seconds, peak, used = timed(command, cwd=args.before.resolve())
                    before.append(seconds)
                    before_peaks.append(peak)
                    cpu["before"].append(used)
            size = out.stat().st_size
            rows.append((fmt, statistics.median(ours), statistics.median(floor), max(peaks), size,
                         statistics.median(before) if before else None, max(before_peaks) if before_peaks else None,
                         {k: statistics.median(v) for k, v in cpu.items() if v}))
    print(f"\nexport benchmark ({os.cpu_count()} cores, one incident of {args.events:,} events, median of {args.runs} runs, CLI start-up included)\n")
    print("| format | warroom export (s) | sqlite3 -json, same rows (s) | ratio (target ≤ 3) | peak memory (target < 200 MB) | file | CPU ratio |"
          + (" before: ratio | before: CPU ratio | before: peak |" if args.before else ""))
    print("| --- | --- | --- | --- | --- | --- | --- |" + (" --- | --- | --- |" if args.before else ""))
    for fmt, ours, floor, peak, size, before, before_peak, cpu in rows:
        then = (f" {before / floor:.1f}× | {cpu['before'] / cpu['floor']:.1f}× | {before_peak / 1e6:.0f} MB |"
                if before is not None and before_peak is not None else "")
        print(f"| {fmt} | {ours:.2f} | {floor:.2f} | {ours / floor:.1f}× | {peak / 1e6:.0f} MB | {size / 1e6:.1f} MB | {cpu['ours'] / cpu['floor']:.1f}× |{then}")


if __name__ == "__main__":
    main()
