"""Appending test events through the real store, in-process or from a child process."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom import identity
from warroom.health.states import Result
from warroom.home import Home
from warroom.store import eventlog

# ── drills ──


def fault_plan(drill: int, supplier: str, mode: str):
    """An ad-hoc fault of a drill, as `warroom drill inject --fault SUPPLIER=MODE` plans it."""
    from warroom.services import drills

    return drills.Plan(drill, None, "", (supplier, mode), None, None)


def record_fault(session, drill: int, supplier: str, mode: str, *, now: datetime, actor) -> dict | None:
    """That fault's `drill.inject` event, recorded by a person (from then on the drill holds the supplier)."""
    from warroom.services import drills

    return drills.record(session, fault_plan(drill, supplier, mode), now=now, actor=actor, by_monitor=False)


def use_simulator(home: Home, url: str) -> None:
    """Point the home's config at the simulator at `url` (settings.simulator)."""
    import tomllib

    import tomli_w

    config = tomllib.loads(home.config_path.read_text())
    config.setdefault("settings", {})["simulator"] = url
    home.config_path.write_text(tomli_w.dumps(config))


# ── watch ──

HTTP_DOWN = Result("http", "down", None, "HTTP 503", "http-status")
HTTP_UP = Result("http", "up", 40.0, "HTTP 200", "ok")

ME = identity.os_user()  # the OS user running the tests: root in CI, anyone on a laptop

QUICK = {
    "id": "quick-drill", "title": "Quick drill", "fallbacks": ["secondary-dc"],
    "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "targets": {"acknowledge_within": "1m"},
    "steps": [{"id": "confirm", "title": "Confirm", "due": "3s"}, {"id": "assess", "title": "Assess", "due": "1h"}],
    "escalation": [{"after": "2s", "notify": ["duty-officer"], "message": "war-room opened"},
                   {"after": "1h", "notify": ["cio"]}],
    "decisions": [{"id": "failover", "question": "Fail over?", "by": "1h"}],
}


def configure(home, *, people: bool = False, webhook: str | None = None) -> None:
    """One-person home (no [people]) unless asked, a webhook on the duty officer, the quick playbook."""
    import tomllib

    import tomli_w

    config = tomllib.loads(home.config_path.read_text())
    if not people:
        config.pop("people", None)
        for supplier in config["suppliers"]:
            for f in supplier.get("fallbacks", []):
                f["owner"] = ME
    if webhook:
        config["notify"]["duty-officer"]["webhook"] = webhook
        config["notify"]["duty-officer"]["drills"] = True  # the quick playbook runs as a drill, which pages only drill targets
    home.config_path.write_text(tomli_w.dumps(config))
    (home.playbooks_dir / "quick-drill.toml").write_text(tomli_w.dumps(QUICK))


def record(home, clock, supplier_id: str, result: Result) -> None:
    """One check round's result for a supplier, recorded as the monitor records it (holding the lease)."""
    from warroom.health.states import observe
    from warroom.services import health, lease, library

    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
        health.record(session, supplier=cfg.supplier(supplier_id), observation=observe([result]), now=clock.now(),
                      config=cfg, playbooks=[], holder="t", origin={})
    store.dispose()


# ── tui ──


def start_incident(home, clock, playbook: str = "cloud-hosting-outage", mode: str = "drill") -> int:
    """An incident started by this OS user through the services, as `incident start` does."""
    from warroom.services import actors, incidents, library

    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        created = incidents.start(session, playbook=library.find(home, cfg, playbook), mode=mode, now=clock.now(),
                                  actor=actors.resolve(cfg, ME, {}))
    store.dispose()
    return created.id


def act_as_me(home, clock, do):
    """Something this OS user does (another coordinator meanwhile, in a TUI test), through the
    services in one transaction: do(session, config, actor); what it returns."""
    from warroom.services import actors, library

    cfg = library.config(home)
    store = home.open_store()
    try:
        with store.write() as session:
            return do(session, cfg, actors.resolve(cfg, ME, {}))
    finally:
        store.dispose()


ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
START = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def append_many(store, count: int, *, writer: str = "t", start: int = 0) -> None:
    """`count` events, one transaction each, spread over incidents and suppliers like a real log."""
    for i in range(start, start + count):
        with store.write() as session:
            incident = (i % 3) + 1 if i % 2 else None
            data = {"n": i, "writer": writer}
            if i % 5 == 0:
                data["supplier"] = ["nlcloud", "paybank"][i % 2]
            eventlog.append(
                session, at=START + timedelta(seconds=i), kind="test.event", actor=writer, origin=ORIGIN,
                object=f"test:{writer}", summary=f"{writer} event {i}", incident_id=incident, data=data,
            )


def downgrade(engine, target: str) -> None:
    """Take a database back to an older revision (alembic's downgrades), as a test builds an old log
    with today's services and then removes what the old schema did not have."""
    from alembic import command

    from warroom.store import migrate

    config = migrate._config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection.execution_options(warroom_write=True)
        command.downgrade(config, target)
        connection.commit()


def rehash_as_scheme1(path: Path, edit=None) -> None:
    """Rewrite a SQLite log as it was hashed before schemes existed (scheme 1, no `scheme` column
    needed): each record optionally changed by `edit`, then prev_hash, links and hash recomputed.
    A test fixture: no witness is kept."""
    import sqlite3

    from warroom.store import chain

    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    (guard,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'event_no_update'").fetchone()
    connection.execute("DROP TRIGGER event_no_update")
    has_scheme = any(row["name"] == "scheme" for row in connection.execute("PRAGMA table_info(event)"))
    records = [eventlog.record_of(_Row(r)) for r in connection.execute("SELECT * FROM event ORDER BY seq")]
    prev, heads, seqs = chain.GENESIS, {}, {}
    for record in records:
        if edit:
            edit(record)
        record["scheme"] = None
        record["prev_hash"] = prev
        streams = chain.streams_of(record["incident_id"], record["data"])
        record["links"] = {s: heads.get(s) for s in streams}
        record["hash"] = chain.event_hash(record)
        heads.update({s: record["hash"] for s in streams})
        seqs.update({s: record["seq"] for s in streams})
        prev = record["hash"]
        connection.execute("UPDATE event SET data = ?, prev_hash = ?, links = ?, hash = ? WHERE seq = ?",
                           (chain.canonical(record["data"]), record["prev_hash"], chain.canonical(record["links"]), record["hash"], record["seq"]))
        if has_scheme:
            connection.execute("UPDATE event SET scheme = NULL WHERE seq = ?", (record["seq"],))
    connection.execute(guard)
    connection.execute("DELETE FROM stream_head")  # the append cache, so that the log can go on
    connection.executemany("INSERT INTO stream_head (stream, seq, hash) VALUES (?, ?, ?)", [(s, seqs[s], h) for s, h in heads.items()])
    connection.commit()
    connection.close()


class _Row:
    def __init__(self, row) -> None:
        self._mapping = {k: row[k] for k in row.keys()}  # noqa: SIM118  (sqlite3.Row is no dict)


if __name__ == "__main__":  # python -m tests.helpers HOME WRITER COUNT [GO_FILE]
    import os
    import sys
    import time

    root, writer, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    store = Home(root, os.environ.get("WARROOM_DB")).open_store()  # the database the test's home uses
    if len(sys.argv) > 4:  # a start line, so that all writers really overlap
        go = Path(sys.argv[4])
        go.with_name(f"{go.name}.{writer}").touch()  # ready (imports done, store open): a test may wait for every writer
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
    append_many(store, count, writer=writer)
    store.dispose()


@contextmanager
def immutable(path: Path, *, otherwise: str) -> Iterator[None]:
    """`path` unwritable even for root (chattr +i), undone afterwards; skipped where chattr is
    missing or refused (`otherwise`: what covers the case then)."""
    if shutil.which("chattr") is None:
        pytest.skip(f"chattr (e2fsprogs) is not installed; {otherwise}")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i does not work here ({made.stderr.strip()}); {otherwise}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def transactions(store):
    """`write(action)` and `read(action)`: run `action(session)` in one write (or read) transaction
    of `store`, as a service call runs, and return what it returns."""

    def write(action):
        with store.write() as session:
            return action(session)

    def read(action):
        with store.read() as session:
            return action(session)

    return write, read
