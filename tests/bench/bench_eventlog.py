"""Event log benchmark: append latency (synchronous=FULL, one event per transaction) with one writer
and four writer processes, and verify time per 100,000 events. Each figure is reported beside a
floor measured in the same run on the same disk: bare sqlite3 doing the least the same job needs.

    uv run python -m tests.bench.bench_eventlog [--events 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = {"host": "bench", "terminal": None, "ssh_client": None}
START = datetime(2026, 11, 29, tzinfo=UTC)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ── the measured side: warroom's append ───────────────────────────────────────────────────────

def warroom_appends(root: Path, count: int, writer: str) -> list[float]:
    from warroom.home import Home
    from warroom.store import eventlog

    store = Home(root).open_store()
    latencies = []
    for i in range(count):
        began = time.perf_counter()
        with store.write() as session:
            eventlog.append(session, at=START + timedelta(seconds=i), kind="decision.logged", actor=writer, origin=ORIGIN,
                            object=f"incident:{i % 7}", summary=f"decision {i} by {writer}", incident_id=i % 7,
                            data={"kind": "decision", "rationale": "bench", "n": i})
        latencies.append(time.perf_counter() - began)
    store.dispose()
    return latencies


# ── the floor: one INSERT per transaction with bare sqlite3, same pragmas ─────────────────────

def bare_appends(db: Path, count: int, writer: str) -> list[float]:
    connection = sqlite3.connect(db, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, summary TEXT, data TEXT)")
    latencies = []
    for i in range(count):
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO event (at, actor, summary, data) VALUES (?, ?, ?, ?)",
                           ((START + timedelta(seconds=i)).isoformat(), writer, f"decision {i}", json.dumps({"n": i})))
        connection.execute("COMMIT")
        latencies.append(time.perf_counter() - began)
    connection.close()
    return latencies


def in_processes(kind: str, target: Path, writers: int, count: int) -> list[float]:
    """`writers` processes at once, each appending `count`; all their latencies."""
    go = target.parent / f"go-{kind}"
    procs = [subprocess.Popen([sys.executable, "-m", "tests.bench.bench_eventlog", "--child", kind, str(target), f"w{n}", str(count), str(go)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for n in range(writers)]
    go.touch()
    latencies: list[float] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        latencies += json.loads(out)
    return latencies


def child(kind: str, target: str, writer: str, count: str, go: str) -> None:
    deadline = time.monotonic() + 60
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    run = warroom_appends if kind == "warroom" else bare_appends
    print(json.dumps(run(Path(target), int(count), writer)))


# ── verify ────────────────────────────────────────────────────────────────────────────────────

def fill(root: Path, events: int) -> None:
    """`events` events, a thousand a transaction (the fill is not what is measured)."""
    from warroom.home import Home
    from warroom.store import eventlog

    store = Home(root).open_store()
    done = 0
    while done < events:
        with store.write() as session:
            for i in range(done, min(events, done + 1000)):
                eventlog.append(session, at=START + timedelta(seconds=i), kind="decision.logged", actor="bench", origin=ORIGIN,
                                object=f"incident:{i % 50}", summary=f"decision {i}", incident_id=i % 50,
                                data={"kind": "decision", "n": i, **({"supplier": "nlcloud"} if i % 10 == 0 else {})})
        done = min(events, done + 1000)
    store.dispose()


def bare_read_and_hash(db: Path) -> float:
    """The floor of any verification: read every row and SHA-256 its stored text."""
    began = time.perf_counter()
    connection = sqlite3.connect(db)
    for row in connection.execute("SELECT * FROM event ORDER BY seq"):
        hashlib.sha256("\x1f".join(map(str, row)).encode()).hexdigest()
    connection.close()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from warroom.clock import SystemClock
    from warroom.home import Home
    from warroom.services import homes, integrity

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        tmp = Path(tmp)
        rows = []

        def row(what: str, ours: list[float], floor: list[float]) -> None:
            m, f = statistics.median(ours), statistics.median(floor)
            p, fp = percentile(ours, 99), percentile(floor, 99)
            rows.append((what, f"{m * 1e3:.2f} / {p * 1e3:.2f}", f"{f * 1e3:.2f} / {fp * 1e3:.2f}", f"{m / f:.2f}× / {p / fp:.2f}×"))

        def new_home(name: str) -> Path:
            return homes.create(tmp / name, clock=SystemClock(), actor="bench", origin=ORIGIN).root

        one = new_home("one")
        row("append, 1 writer", warroom_appends(one, args.appends, "w0"), bare_appends(tmp / "bare1.db", args.appends, "w0"))
        four = new_home("four")
        row("append, 4 writer processes", in_processes("warroom", four, 4, args.appends), in_processes("bare", tmp / "bare4.db", 4, args.appends))

        big = new_home("big")
        fill(big, args.events)
        began = time.perf_counter()
        report = integrity.verify_home(Home(big))
        ours = time.perf_counter() - began
        floor = bare_read_and_hash(big / "warroom.db")
        per = 100_000 / report.events

        print(f"event log benchmark ({os.cpu_count()} cores, {args.appends} appends a writer, {report.events:,} events verified)\n")
        print("| measure | warroom median / p99 (ms) | bare sqlite3 median / p99 (ms) | ratio median / p99 |")
        print("| --- | --- | --- | --- |")
        for r in rows:
            print(f"| {' | '.join(r)} |")
        print("\n| verify | warroom (s per 100k events) | read + sha256 every row (s per 100k) | ratio |")
        print("| --- | --- | --- | --- |")
        print(f"| chain + links + integrity_check + witness | {ours * per:.2f} | {floor * per:.2f} | {ours / floor:.1f}× |")


if __name__ == "__main__":
    main()
