"""Event log benchmark: append latency (synchronous=FULL, one event per transaction) with one writer
and four writer processes (each writer's p99 too: a starved one shows), and verify of 100,000 events
appended through warroom and of 1,000,000 written straight to the file. Each figure is reported
beside a floor measured in the same run on the same disk: bare sqlite3 doing the least the same job
needs (for verify: read every row and SHA-256 it). One writer's appends also beside a floor that
does what the witness and the chain need at their least (a SHA-256, an Ed25519 signature, a line
appended to a file), since bare sqlite3 signs nothing: both do one fsync an append (strace -c).

Then the same appends on PostgreSQL, where it is installed: a throw-away server on loopback
(tests/pg.py, fsync on as a real one runs), beside SQLite's figures from the same run and a floor of
bare psycopg doing one INSERT a transaction.

    uv run python -m tests.bench.bench_eventlog [--events 100000] [--million 1000000] [--appends 500] [--no-postgres]
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

def warroom_appends(root: Path, count: int, writer: str, core: bool = False) -> list[float]:
    """Appends in an ORM session's write (most commands), or with `core` in a Core connection's
    (Store.write_core: what `warroom log`, a coordinator's most frequent write, appends in)."""
    from warroom.home import Home
    from warroom.store import eventlog

    store = Home(root, os.environ.get("WARROOM_DB")).open_store()
    latencies = []
    for i in range(count):
        began = time.perf_counter()
        with store.write_core() if core else store.write() as session:
            eventlog.append(session, at=START + timedelta(seconds=i), kind="decision.logged", actor=writer, origin=ORIGIN,
                            object=f"incident:{i % 7}", summary=f"decision {i} by {writer}", incident_id=i % 7,
                            data={"kind": "decision", "rationale": "bench", "n": i})
        latencies.append(time.perf_counter() - began)
    store.dispose()
    return latencies


# ── the floor: one INSERT per transaction with bare sqlite3, same pragmas ─────────────────────

def floor_table(db: Path, columns: str) -> sqlite3.Connection:
    """The floors' database: bare sqlite3 with warroom's pragmas, an event table of these columns."""
    connection = sqlite3.connect(db, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute(f"CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY, {columns})")
    return connection


def bare_appends(db: Path, count: int, writer: str) -> list[float]:
    connection = floor_table(db, "at TEXT, actor TEXT, summary TEXT, data TEXT")
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


def witnessed_bare_appends(db: Path, count: int, writer: str) -> list[float]:
    """The floor doing what every append of warroom must do beyond the INSERT, at its least: the
    SHA-256 of the new row chained to the last, the head signed with Ed25519 and appended to a
    witness file as one line (not fsynced, as warroom's). No queue, no JSON canonical form, no ORM."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    witness = db.with_suffix(".witness")
    connection = floor_table(db, "at TEXT, actor TEXT, summary TEXT, data TEXT, hash TEXT")
    latencies = []
    for i in range(count):
        began = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        head = connection.execute("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1").fetchone()
        at, data = (START + timedelta(seconds=i)).isoformat(), json.dumps({"n": i})
        seq, digest = (head[0] if head else 0) + 1, hashlib.sha256(f"{head[1] if head else ''}|{at}|{writer}|{data}".encode()).hexdigest()
        connection.execute("INSERT INTO event (seq, at, actor, summary, data, hash) VALUES (?, ?, ?, ?, ?, ?)",
                           (seq, at, writer, f"decision {i}", data, digest))
        connection.execute("COMMIT")
        signature = base64.b64encode(key.sign(f"{seq}|{digest}|{at}".encode())).decode()
        fd = os.open(witness, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(fd, f'{{"seq":{seq},"hash":"{digest}","at":"{at}","sig":"{signature}"}}\n'.encode())
        os.close(fd)
        latencies.append(time.perf_counter() - began)
    connection.close()
    return latencies


def wal_pages(db: Path, appends) -> float:
    """The pages an append writes to the WAL (the sync at its commit waits for each): `appends()`
    appends some events and says how many, while a connection kept open here keeps the WAL from
    being checkpointed away when the appender closes. Each index of the table is a page."""
    keeper = sqlite3.connect(db, isolation_level=None)
    keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = appends()
    page = keeper.execute("PRAGMA page_size").fetchone()[0]
    frames = (Path(f"{db}-wal").stat().st_size - 32) / (page + 24)  # the WAL's header, then a header and a page a frame
    keeper.close()
    return frames / count


# ── the PostgreSQL floor: one INSERT per transaction with bare psycopg ────────────────────────

def bare_pg_appends(url: str, count: int, writer: str) -> list[float]:
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bare_event (seq SERIAL PRIMARY KEY, at TEXT, actor TEXT, summary TEXT, data TEXT)")
        connection.commit()
        latencies = []
        for i in range(count):
            began = time.perf_counter()
            connection.execute("INSERT INTO bare_event (at, actor, summary, data) VALUES (%s, %s, %s, %s)",
                               ((START + timedelta(seconds=i)).isoformat(), writer, f"decision {i}", json.dumps({"n": i})))
            connection.commit()
            latencies.append(time.perf_counter() - began)
    return latencies


def in_processes(kind: str, target: Path, writers: int, count: int, url: str | None = None) -> list[float]:
    """`writers` processes at once, each appending `count`; all their latencies. `url`: the
    PostgreSQL database the warroom writers use (WARROOM_DB), or the bare ones write to."""
    return [v for one in per_writer(kind, target, writers, count, url) for v in one]


def per_writer(kind: str, target: Path, writers: int, count: int, url: str | None = None) -> list[list[float]]:
    """in_processes, each writer's latencies apart (a starved writer shows in its own p99)."""
    go = target.parent / f"go-{kind}-{writers}"
    environment = {**os.environ, **({"WARROOM_DB": url} if url else {})}
    where = url if kind == "bare-pg" else str(target)
    procs = [subprocess.Popen([sys.executable, "-m", "tests.bench.bench_eventlog", "--child", kind, where, f"w{n}", str(count), str(go)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True, env=environment) for n in range(writers)]
    go.touch()
    return [json.loads(proc.communicate(timeout=600)[0]) for proc in procs]


def child(kind: str, target: str, writer: str, count: str, go: str) -> None:
    deadline = time.monotonic() + 60
    while not Path(go).exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    if kind == "bare-pg":
        print(json.dumps(bare_pg_appends(target, int(count), writer)))
        return
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


def fill_fast(root: Path, events: int) -> None:
    """`events` events written straight into the home's database in one transaction, each row what
    eventlog.append stores (the same hashes, links and stored spelling): a million appends through
    warroom would take this machine an hour, and the fill is not what is measured."""
    from warroom.clock import iso
    from warroom.store import chain

    connection = sqlite3.connect(root / "warroom.db", isolation_level=None)
    seq, prev = connection.execute("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1").fetchone()
    heads = dict(connection.execute("SELECT stream, hash FROM stream_head").fetchall())
    seqs = dict(connection.execute("SELECT stream, seq FROM stream_head").fetchall())
    connection.execute("BEGIN")
    rows = []
    for i in range(events):
        incident_id = i % 50 + 1000  # no incident of the home's: no state table row explained
        data = {"kind": "decision", "n": i, **({"supplier": "nlcloud"} if i % 10 == 0 else {})}
        streams = chain.streams_of(incident_id, data)
        record = {"seq": seq + 1, "at": iso(START + timedelta(seconds=i)), "kind": "decision.logged", "actor": "bench",
                  "incident_id": incident_id, "object": f"incident:{incident_id}", "result": "ok", "origin": ORIGIN,
                  "summary": f"decision {i}", "data": data, "key": None, "links": {s: heads.get(s) for s in streams},
                  "prev_hash": prev, "scheme": chain.SCHEME}
        record["hash"] = prev = chain.event_hash(record)
        seq += 1
        for stream in streams:
            heads[stream], seqs[stream] = prev, seq
        rows.append((record["seq"], record["at"], record["kind"], record["actor"], incident_id, record["object"], "ok",
                     chain.jcs(ORIGIN).decode(), record["summary"], chain.jcs(data).decode(), None, chain.jcs(record["links"]).decode(),
                     record["prev_hash"], record["hash"], chain.SCHEME))
        if len(rows) == 10_000 or i == events - 1:
            connection.executemany("INSERT INTO event (seq, at, kind, actor, incident_id, object, result, origin, summary, data, key, "
                                   "links, prev_hash, hash, scheme) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            rows = []
    connection.executemany("INSERT OR REPLACE INTO stream_head (stream, seq, hash) VALUES (?, ?, ?)",
                           [(s, seqs[s], heads[s]) for s in heads])
    connection.execute("COMMIT")
    connection.close()


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
    parser.add_argument("--events", type=int, default=100_000, help="events appended through warroom, then verified")
    parser.add_argument("--million", type=int, default=1_000_000, help="events written straight to the file, then verified (0: skip)")
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--child", nargs=5)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
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
        bare_one = bare_appends(tmp / "bare1.db", args.appends, "w0")
        sqlite_one = warroom_appends(one, args.appends, "w0")
        witnessed_one = witnessed_bare_appends(tmp / "witnessed1.db", args.appends, "w0")
        row("append, 1 writer", sqlite_one, bare_one)
        row("append, 1 writer, against a floor that also hashes, signs and writes the witness line", sqlite_one, witnessed_one)
        core_one = warroom_appends(new_home("core"), args.appends, "w0", core=True)
        bare_again = bare_appends(tmp / "bare1b.db", args.appends, "w0")  # the floor again, beside it in time
        row("append, 1 writer, as `warroom log` appends (a Core connection, no ORM session)", core_one, bare_again)
        # 50 appends each: fewer than SQLite's automatic checkpoint (1,000 pages) would take away
        pages = (wal_pages(one / "warroom.db", lambda: len(warroom_appends(one, 50, "w0"))),
                 wal_pages(tmp / "bare1.db", lambda: len(bare_appends(tmp / "bare1.db", 50, "w0"))))
        four = new_home("four")
        writers = per_writer("warroom", four, 4, args.appends)
        sqlite_four = [v for one_writer in writers for v in one_writer]
        bare_writers = per_writer("bare", tmp / "bare4.db", 4, args.appends)
        row("append, 4 writer processes", sqlite_four, [v for w in bare_writers for v in w])
        worst = max(writers, key=lambda w: percentile(w, 99))
        worst_bare = max(bare_writers, key=lambda w: percentile(w, 99))
        row("append, 4 writer processes: the worst writer", worst, worst_bare)
        postgres = [] if args.no_postgres else postgres_rows(tmp, args.appends, sqlite_one, sqlite_four)

        verified = []
        for events, filler in ((args.events, fill), (args.million, fill_fast)):
            if not events:
                continue
            big = new_home(f"big{events}")
            filler(big, events)
            floor = bare_read_and_hash(big / "warroom.db")
            began = time.perf_counter()
            report = integrity.verify_home(Home(big))
            ours = time.perf_counter() - began
            verified.append((report.events, ours, floor))

        print(f"event log benchmark ({os.cpu_count()} cores, {args.appends} appends a writer)\n")
        print("| measure | warroom median / p99 (ms) | bare sqlite3 median / p99 (ms) | ratio median / p99 |")
        print("| --- | --- | --- | --- |")
        for r in rows:
            print(f"| {' | '.join(r)} |")
        print(f"\nWAL pages an append, 1 writer: warroom {pages[0]:.1f}, bare sqlite3 {pages[1]:.1f}")
        print("\nper writer p99 (ms), 4 writer processes: warroom " + ", ".join(f"{percentile(w, 99) * 1e3:.1f}" for w in writers)
              + "; bare sqlite3 " + ", ".join(f"{percentile(w, 99) * 1e3:.1f}" for w in bare_writers))
        print("\n| verify | warroom (s) | read + sha256 every row (s) | ratio |")
        print("| --- | --- | --- | --- |")
        for events, ours, floor in verified:
            print(f"| {events:,} events: chain + links + integrity_check + witness + state tables | {ours:.2f} | {floor:.2f} | {ours / floor:.1f}× |")
        if postgres:
            print(f"\nappend latency on PostgreSQL {postgres[0]} (a server on loopback, fsync on), beside SQLite in the same run\n")
            print("| measure | warroom on SQLite median / p99 (ms) | warroom on PostgreSQL median / p99 (ms) | bare psycopg median / p99 (ms) "
                  "| PostgreSQL / SQLite median / p99 | PostgreSQL / bare median / p99 |")
            print("| --- | --- | --- | --- | --- | --- |")
            for r in postgres[1:]:
                print(f"| {' | '.join(r)} |")


def postgres_rows(tmp: Path, appends: int, sqlite_one: list[float], sqlite_four: list[float]) -> list:
    """[server version, rows…] of the appends on PostgreSQL; [] where it is not installed."""
    from warroom.clock import SystemClock
    from warroom.services import homes

    try:
        from tests.pg import Cluster

        cluster = Cluster(durable=True)
    except BaseException as exc:  # not installed (need_tool skips), or it would not start
        print(f"(PostgreSQL half skipped: {exc})", file=sys.stderr)
        return []
    try:
        version = cluster._run("postgres", "--version").stdout.split()[2]

        def ms(values: list[float]) -> str:
            return f"{statistics.median(values) * 1e3:.2f} / {percentile(values, 99) * 1e3:.2f}"

        def ratio(a: list[float], b: list[float]) -> str:
            return f"{statistics.median(a) / statistics.median(b):.2f}× / {percentile(a, 99) / percentile(b, 99):.2f}×"

        out: list = [version]
        for what, writers, on_sqlite in (("append, 1 writer", 1, sqlite_one), ("append, 4 writer processes", 4, sqlite_four)):
            url = cluster.new_database()
            root = homes.create(tmp / f"pg{writers}", clock=SystemClock(), actor="bench", origin=ORIGIN, db_url=url).root
            if writers == 1:
                os.environ["WARROOM_DB"] = url
                try:
                    ours = warroom_appends(root, appends, "w0")
                finally:
                    del os.environ["WARROOM_DB"]
                floor = bare_pg_appends(cluster.new_database(), appends, "w0")
            else:
                ours = in_processes("warroom", root, writers, appends, url)
                bare = cluster.new_database()
                bare_pg_appends(bare, 0, "setup")  # its table made once, before the writers race to make it
                floor = in_processes("bare-pg", root, writers, appends, bare)
            out.append((what, ms(on_sqlite), ms(ours), ms(floor), ratio(ours, on_sqlite), ratio(ours, floor)))
        return out
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
