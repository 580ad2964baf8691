"""Long-term watch benchmark: availability history (24 h / 30 d / 90 d) and the risk view over a
year of history for 1,000 suppliers, each figure beside baselines from the same run on the same
disk:

- floor: bare `sqlite3` reading the rows the history needs (90 days of supplier.state events and
  watch spans) and doing nothing with them;
- the board's own read (services.board.board), which the history must not slow down: the board
  reads only the 30-day figure, once a minute, in a thread (tui/uptime.follow_uptime).

Measured: the three windows and the 90-day window alone for every supplier (`status --json`), the
30-day figure (the board's minute read), the risk view, and the supplier screen's read of one
supplier (its status row, its availability, its fallbacks, its score: no ranking of the rest).

The year: every supplier checked by a monitor that stopped for an hour every day (365 watch spans a
supplier) and changing state every six days on average (about 120 supplier.state events a supplier),
one year of it. Built by direct inserts into a migrated home, since the reads do not depend on the
hash chain (the event log's own benchmark measures appends).

    uv run python -m tests.bench.bench_watch [--suppliers 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STATES = ("up", "up", "up", "degraded", "down", "maintenance")


def config_text(suppliers: int) -> str:
    lines = ['[settings]\ninterval = "30s"\n']
    for n in range(suppliers):
        lines.append(f'[[suppliers]]\nid = "sim-{n:04d}"\nname = "Simulated supplier {n}"\n'
                     f'criticality = "{("vital", "important", "normal")[n % 3]}"\n'
                     + (f'depends_on = ["sim-{n - 1:04d}"]\n' if n % 10 else "")
                     + f'[suppliers.sourcing]\ncountry = "{("NL", "DE", "US", "IE")[n % 4]}"\ncontract_end = 2027-0{1 + n % 9}-01\n'
                     + (f'[[suppliers.fallbacks]]\nid = "fb-{n:04d}"\ntitle = "Fallback"\nowner = "x"\n' if n % 2 else ""))
    for n in range(0, suppliers, 5):
        lines.append(f'[[services]]\nid = "svc-{n:04d}"\nname = "Service {n}"\nsector = "other"\ndepends_on = ["sim-{n:04d}"]\n')
    return "\n".join(lines)


def build(root: Path, suppliers: int) -> None:
    from warroom.clock import MovableClock, iso
    from warroom.services import homes

    home = homes.create(root, clock=MovableClock(NOW - timedelta(days=366)), actor="bench", origin={"host": "bench"})
    home.config_path.write_text(config_text(suppliers), encoding="utf-8")
    home.open_store().dispose()  # migrated
    db = sqlite3.connect(home.db_path)
    rng = random.Random(17)
    seq = db.execute("SELECT max(seq) FROM event").fetchone()[0]
    events, spans, states = [], [], []
    start = NOW - timedelta(days=365)
    for n in range(suppliers):
        sid = f"sim-{n:04d}"
        for day in range(365):  # a watched day, then an hour nobody watched
            a = start + timedelta(days=day)
            spans.append((sid, iso(a), iso(a + timedelta(hours=23))))
        at, state = start, "up"
        while True:
            at += timedelta(seconds=rng.expovariate(1 / (6 * 86400)))
            if at >= NOW:
                break
            new = rng.choice([s for s in STATES if s != state])
            seq += 1
            data = json.dumps({"supplier": sid, "from": state, "to": new, "cause": "bench"}, sort_keys=True)
            events.append((seq, iso(at), "supplier.state", "system", None, f"supplier:{sid}", "ok", "{}", f"{sid} {new}", data, None, "{}",
                           "0", f"bench-{seq}", 2))
            state = new
        states.append((sid, state, iso(at), "", 0))
    db.executemany("INSERT INTO event (seq, at, kind, actor, incident_id, object, result, origin, summary, data, key, links, prev_hash, hash, scheme)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)
    db.executemany("INSERT INTO watch_span (supplier_id, first_at, last_at) VALUES (?, ?, ?)", spans)
    db.executemany("INSERT INTO supplier_state (supplier_id, state, since, detail, streak) VALUES (?, ?, ?, ?, ?)", states)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    print(f"built: {suppliers} suppliers, {len(events):,} supplier.state events, {len(spans):,} watch spans")


def timed(action, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from warroom.clock import iso
    from warroom.home import Home
    from warroom.services import board, fallbacks, health, history, library, risk

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "home"
        began = time.perf_counter()
        build(root, args.suppliers)
        print(f"build took {time.perf_counter() - began:.0f} s")
        home = Home(root)
        config = library.config(home)
        store = home.open_store()
        since = iso(NOW - timedelta(days=90))

        def floor() -> None:
            db = sqlite3.connect(home.db_path)
            db.execute("SELECT at, data FROM event WHERE kind = 'supplier.state' AND at >= ? ORDER BY at, seq", (since,)).fetchall()
            db.execute("SELECT supplier_id, first_at, last_at FROM watch_span WHERE last_at >= ?", (since,)).fetchall()
            db.execute("SELECT supplier_id, state FROM supplier_state").fetchall()
            db.close()

        def supplier_screen(session, config, supplier_id: str) -> None:
            """What tui/watch.SupplierScreen.load reads."""
            health.status(session, config, NOW)
            history.availability(session, config, NOW, only=[supplier_id])
            fallbacks.register(session, config, NOW, supplier=supplier_id)
            risk.one(session, config, NOW, supplier_id)

        def read(action):
            def run() -> None:
                with store.read() as session:
                    action(session)
            return run

        figures = {
            "floor": timed(floor, args.runs),
            "board": timed(read(lambda s: board.board(s, config, NOW)), args.runs),
            "history": timed(read(lambda s: history.availability(s, config, NOW)), args.runs),
            "month": timed(read(lambda s: history.availability(s, config, NOW, windows={"30d": history.WINDOWS["30d"]})), args.runs),
            "quarter": timed(read(lambda s: history.availability(s, config, NOW, windows={"90d": history.WINDOWS["90d"]})), args.runs),
            "risk": timed(read(lambda s: risk.ranking(s, config, NOW)), args.runs),
            "supplier": timed(read(lambda s: supplier_screen(s, config, "sim-0500")), args.runs),
        }
        with store.read() as session:
            plan = session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT at, data FROM event WHERE kind = 'supplier.state' AND at >= ? ORDER BY at, seq", (since,)).fetchall()
            one_plan = session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT at, data FROM event WHERE kind = 'supplier.state' AND at >= ? AND object IN (?) ORDER BY at, seq",
                (since, "supplier:sim-0500")).fetchall()
        store.dispose()
    f = figures
    print(f"\nlong-term watch benchmark ({args.suppliers} suppliers, a year of history, median of {args.runs})\n")
    print("| measure | warroom (ms) | bare sqlite3, same rows (ms) | ratio | board read (ms) | ratio to the board read |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, key in (("availability 24 h / 30 d / 90 d, every supplier", "history"),
                      ("90-day uptime only, every supplier", "quarter"),
                      ("30-day uptime only (the board's minute read)", "month"), ("risk view (`warroom risks`)", "risk"),
                      ("supplier screen, one supplier (`i`: status, availability, fallbacks, score)", "supplier")):
        print(f"| {name} | {f[key] * 1000:.0f} | {f['floor'] * 1000:.0f} | {f[key] / f['floor']:.1f}× | {f['board'] * 1000:.0f} | "
              f"{f[key] / f['board']:.1f}× |")
    print("\nquery plan of the state-change read:", "; ".join(str(row[-1]) for row in plan))
    print("query plan of one supplier's state changes:", "; ".join(str(row[-1]) for row in one_plan))


if __name__ == "__main__":
    main()
