"""The state tables beside the event log (incident, incident_step, escalation, fallback_activation,
supplier_state) cannot be changed behind the log's back: the database refuses what no service does,
and `verify` rebuilds every row from the events and names the first one that differs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import downgrade
from tests.test_incidents import configure
from warroom.clock import MovableClock
from warroom.config import Config
from warroom.errors import LogAltered
from warroom.health.states import Observation
from warroom.home import Home
from warroom.services import actors, escalation, fallbacks, health, homes, incidents, integrity, lease, library, logbook, outbox, suggestions
from warroom.store import chain, eventlog, migrate, statecheck
from warroom.store.engine import Store, create_private_file, make_engine

ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
HOLDER = "test-monitor"
STATE_TABLES = ("incident", "incident_step", "escalation", "fallback_activation", "supplier_state")


def work_through(store: Store, cfg: Config, clock: MovableClock, home: Home) -> None:
    """Every service that writes a state table, as a real response would call them: incident #1 a
    drill worked through to closed, #2 a live incident left open."""
    me = actors.resolve(cfg, "alice", ORIGIN)
    quick = library.find(home, cfg, "quick-drill")
    nlcloud = next(s for s in cfg.suppliers if s.id == "nlcloud")

    def write(action):
        with store.write() as session:
            return action(session)

    def observe(state: str):
        write(lambda s: health.record(s, supplier=nlcloud, observation=Observation(state, 12.0, f"probe says {state}", "test"),
                                      now=clock.now(), config=cfg, playbooks=[quick], holder=HOLDER, origin=ORIGIN))

    def fire(incident_id: int, kind: str, ref: str):
        with store.read() as session:
            deadline = next(d for d in escalation.pending(session) if (d.incident_id, d.kind, d.ref) == (incident_id, kind, ref))
        write(lambda s: escalation.fire(s, deadline, now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN))

    def step(incident_id: int, step_id: str, action: str, note: str | None = None):
        write(lambda s: incidents.step(s, incident_id=incident_id, step_id=step_id, action=action, note=note, now=clock.now(), actor=me))

    write(lambda s: lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=30), gap_after=timedelta(days=30), origin=ORIGIN))
    observe("down")
    first = write(lambda s: incidents.start(s, playbook=quick, mode="drill", now=clock.now(), actor=me)).id
    step(first, "confirm", "start")
    step(first, "confirm", "done", "storage cluster failure")
    step(first, "assess", "start", "looking at the blast radius")
    clock.advance(timedelta(seconds=10))
    fire(first, "escalation", "1")
    with store.read() as session:
        (message,) = outbox.due(session, clock.now())
    write(lambda s: outbox.record_attempt(s, message_id=message.id, error="connection refused", now=clock.now(), origin=ORIGIN))
    write(lambda s: escalation.acknowledge(s, incident_id=first, level=1, now=clock.now(), actor=me))
    write(lambda s: fallbacks.activate(s, incident_id=first, fallback_id="secondary-dc", reason="ETA 8 hours", now=clock.now(), actor=me, config=cfg))
    step(first, "secondary-dc-1", "done")
    write(lambda s: fallbacks.deactivate(s, incident_id=first, fallback_id="secondary-dc", reason="back", result="worked", now=clock.now(), actor=me))
    clock.advance(timedelta(minutes=2))
    write(lambda s: fallbacks.activate(s, incident_id=first, fallback_id="secondary-dc", reason="down again", now=clock.now(), actor=me, config=cfg))
    seq = write(lambda s: logbook.log(s, incident_id=first, text="NLCloud says 6 hours", kind="observation", now=clock.now(), actor=me,
                                        occurred_at=clock.now() - timedelta(minutes=1)))["seq"]
    write(lambda s: logbook.log(s, incident_id=first, text="Fail over", kind="decision", decision="failover", rationale="too long",
                                  corrects=None, now=clock.now(), actor=me))
    write(lambda s: logbook.log(s, incident_id=first, text="NLCloud says 8 hours", kind="observation", corrects=seq, now=clock.now(), actor=me))
    observe("down")  # down for 2 minutes now: the quick drill's trigger suggests it
    with store.read() as session:
        (suggested,) = suggestions.pending(session, clock.now())
    write(lambda s: suggestions.dismiss(s, suggestion=suggested.seq, now=clock.now(), actor=me))
    observe("up")
    observe("up")  # confirmed
    second = write(lambda s: incidents.start(s, playbook=quick, mode="live", now=clock.now(), actor=me)).id
    step(second, "confirm", "skip", "the supplier confirmed it")
    clock.advance(timedelta(hours=2))
    fire(second, "escalation", "1")
    fire(second, "step", "assess")
    fire(second, "decision", "failover")
    step(first, "assess", "done")
    for to in ("stabilised", "resolved"):
        write(lambda s, to=to: incidents.transition(s, incident_id=first, to=to, now=clock.now(), actor=me))
    write(lambda s: fallbacks.deactivate(s, incident_id=first, fallback_id="secondary-dc", reason=None, result="partial", now=clock.now(), actor=me))
    write(lambda s: incidents.transition(s, incident_id=first, to="closed", now=clock.now(), actor=me, note="after-action review booked"))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    clock = MovableClock(datetime(2026, 11, 29, 13, 0, tzinfo=UTC))
    root = tmp_path_factory.mktemp("template") / "home"
    home = homes.create(root, clock=clock, actor="alice", origin=ORIGIN)
    configure(home, webhook="http://127.0.0.1:9/hook")
    store = home.open_store()
    work_through(store, library.config(home), clock, home)
    store.dispose()
    return root


def copy_of(template: Path, where: Path) -> Path:
    root = where / "home"
    shutil.copytree(template, root)
    return root


def rows(root: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(root / "warroom.db")
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def tamper(root: Path, sql: str, *, drop_triggers: bool) -> None:
    """What someone with the database file and the sqlite3 module can do; with `drop_triggers`,
    first remove every guard the state tables have, as such a person can."""
    connection = sqlite3.connect(root / "warroom.db")
    try:
        if drop_triggers:
            marks = ", ".join("?" * len(STATE_TABLES))
            for (name,) in connection.execute(f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", STATE_TABLES).fetchall():
                connection.execute(f'DROP TRIGGER "{name}"')
        connection.execute(sql)
        connection.commit()
    finally:
        connection.close()


# ── a normal run verifies clean ───────────────────────────────────────────────────────────────

def test_every_service_leaves_tables_that_verify(template, tmp_path):
    root = copy_of(template, tmp_path)
    kinds = {k for (k,) in rows(root, "SELECT DISTINCT kind FROM event")}
    assert {"incident.opened", "step.started", "step.done", "step.skipped", "escalation.due", "escalation.acknowledged", "step.overdue",
            "decision.overdue", "fallback.activated", "fallback.deactivated", "decision.logged", "incident.stabilised", "incident.resolved",
            "incident.closed", "supplier.state", "playbook.suggested", "playbook.dismissed", "notify.failed", "monitor.started"} <= kinds
    assert rows(root, "SELECT id, status FROM incident ORDER BY id") == [(1, "closed"), (2, "open")]
    assert rows(root, "SELECT incident_id, level, fired_at IS NOT NULL, acked_by, cancelled FROM escalation ORDER BY 1, 2") == [
        (1, 1, 1, "alice", 0), (1, 2, 0, None, 1), (2, 1, 1, None, 0), (2, 2, 0, None, 0)]
    assert rows(root, "SELECT id, result FROM fallback_activation ORDER BY id") == [(1, "worked"), (2, "partial")]
    result = run_cli("verify", home=root)
    assert result.returncode == 0, result.stderr
    assert "state tables match the events" in result.stdout and "not checked" not in result.stdout
    shown = run_cli("incident", "show", "2", home=root)
    assert shown.returncode == 0, shown.stderr
    assert "chain: verified, complete" in shown.stdout
    # Incident #1's timeline leaves out the suggestion's events of the supplier:nlcloud stream,
    # which `incident show` reports as a gap in that stream (a problem of its own): its rows
    # are compared here directly.
    store = Home(root).open_store()
    with store.read() as session:
        for incident_id in (1, 2):
            own = list(eventlog.records(session.connection(), incident_id=incident_id))
            assert statecheck.incident_difference(session.connection(), incident_id, own) is None
    store.dispose()


# ── each change no service makes: refused, and caught once the guards are gone ─────────────────

LATER = "2026-11-29T15:30:00.000000Z"
CASES = {
    "incident status and title": ("UPDATE incident SET status = 'closed', title = 'Nothing happened' WHERE id = 2",
                                  "incident: ", "table incident, row id=2, column title: stored 'Nothing happened', derived from the events 'Quick drill'"),
    "incident opened_at": (f"UPDATE incident SET opened_at = '{LATER}' WHERE id = 1",
                           "incident: its playbook, snapshot", "table incident, row id=1, column opened_at"),
    "incident reopened": ("UPDATE incident SET status = 'open', closed_at = NULL WHERE id = 1",
                          "incident: ", "table incident, row id=1, column status: stored 'open', derived from the events 'closed'"),
    "incident snapshot": ("UPDATE incident SET playbook = replace(playbook, 'Confirm', 'Ignore') WHERE id = 2",
                          "incident: its playbook, snapshot", "table incident, row id=2, column playbook: stored text of sha256"),
    "step status": ("UPDATE incident_step SET status = 'pending' WHERE incident_id = 2 AND step_id = 'confirm'",
                    "incident_step: status moves only", "table incident_step, row incident_id=2 step_id='confirm', column status: stored 'pending', derived from the events 'skipped'"),
    "step changed_by": ("UPDATE incident_step SET changed_by = 'mallory' WHERE incident_id = 2 AND step_id = 'confirm'",
                        "incident_step: who changed a step", "table incident_step, row incident_id=2 step_id='confirm', column changed_by: stored 'mallory', derived from the events 'alice'"),
    "step note": ("UPDATE incident_step SET note = 'nothing to see' WHERE incident_id = 1 AND step_id = 'confirm'",
                  "incident_step: who changed a step", "table incident_step, row incident_id=1 step_id='confirm', column note: stored 'nothing to see'"),
    "step done without an event": (f"UPDATE incident_step SET status = 'done', changed_by = 'alice', changed_at = '{LATER}' WHERE incident_id = 2 AND step_id = 'assess'",
                                   None, "table incident_step, row incident_id=2 step_id='assess', column status: stored 'done', derived from the events 'pending'"),
    "escalation acked_by": ("UPDATE escalation SET acked_by = 'mallory' WHERE incident_id = 1 AND level = 1",
                            "escalation: a level is acknowledged once", "table escalation, row incident_id=1 level=1, column acked_by: stored 'mallory', derived from the events 'alice'"),
    "escalation fired_at": (f"UPDATE escalation SET fired_at = '{LATER}' WHERE incident_id = 1 AND level = 1",
                            "escalation: a level fires once", "table escalation, row incident_id=1 level=1, column fired_at"),
    "escalation uncancelled": ("UPDATE escalation SET cancelled = 0 WHERE incident_id = 1 AND level = 2",
                               "escalation: only a level that has not fired", "table escalation, row incident_id=1 level=2, column cancelled"),
    "activation reason": ("UPDATE fallback_activation SET reason = 'routine test' WHERE id = 1",
                          "fallback_activation: what was activated", "table fallback_activation, row id=1 (activation 1 of incident 1), column reason: stored 'routine test', derived from the events 'ETA 8 hours'"),
    "activation result": ("UPDATE fallback_activation SET result = 'failed' WHERE id = 1",
                          "fallback_activation: an activation is stood down once", "table fallback_activation, row id=1 (activation 1 of incident 1), column result: stored 'failed', derived from the events 'worked'"),
    "supplier state": ("UPDATE supplier_state SET state = 'down' WHERE supplier_id = 'nlcloud'",
                       None, "table supplier_state, row supplier_id='nlcloud', column state: stored 'down', derived from the events 'up'"),
    "supplier since": ("UPDATE supplier_state SET since = '2026-11-29T12:00:00.000000Z' WHERE supplier_id = 'nlcloud'",
                       "supplier_state: since changes", "table supplier_state, row supplier_id='nlcloud', column since"),
    "step deleted": ("DELETE FROM incident_step WHERE incident_id = 1 AND step_id = 'assess'",
                     "incident_step: steps are never deleted", "table incident_step, row incident_id=1 step_id='assess': missing, though the events create it"),
    "activation deleted": ("DELETE FROM fallback_activation WHERE id = 2",
                           "fallback_activation: activations are never deleted", "table fallback_activation, row activation 2 of incident 1: missing"),
    "incident deleted": ("DELETE FROM incident WHERE id = 2", "incident: incidents are never deleted", "table incident, row id=2: missing"),
    "fake step": ("INSERT INTO incident_step (incident_id, step_id, position, title, source, status) VALUES (2, 'all-clear', 9, 'All clear', 'playbook', 'pending')",
                  "incident_step: playbook steps are created with their incident", "table incident_step, row incident_id=2 step_id='all-clear': stored, but no event explains it"),
    "fake done step": ("INSERT INTO incident_step (incident_id, step_id, position, title, source, status, changed_by) VALUES (2, 'x', 9, 'X', 'playbook', 'done', 'alice')",
                       "incident_step: ", "table incident_step, row incident_id=2 step_id='x': stored, but no event explains it"),
    "fake level": (f"INSERT INTO escalation (incident_id, level, notify, message, due_at, cancelled) VALUES (2, 3, '[\"cio\"]', '', '{LATER}', 0)",
                   "escalation: a ladder is created pending, with its incident", "table escalation, row incident_id=2 level=3: stored, but no event explains it"),
    "fake activation": (f"INSERT INTO fallback_activation (fallback_id, supplier_id, incident_id, mode, reason, activated_at, activated_by, deactivated_at, deactivated_by, result) "
                        f"VALUES ('secondary-dc', 'nlcloud', 2, 'live', 'tested', '{LATER}', 'alice', '{LATER}', 'alice', 'worked')",
                        "fallback_activation: a fallback is activated", "table fallback_activation, row id=3 (activation 1 of incident 2): stored, but no event explains it"),
    "fake closed incident": ("INSERT INTO incident (playbook_id, playbook_version, playbook, mode, title, status, opened_by, opened_at, closed_at) "
                             f"VALUES ('quick-drill', 1, '{{}}', 'drill', 'Drill that went well', 'closed', 'alice', '{LATER}', '{LATER}')",
                             "incident: an incident is created open", "table incident, row id=3: stored, but no event explains it"),
}


@pytest.mark.parametrize("case", [c for c, (_, refusal, _) in CASES.items() if refusal])  # the others a service does too, with its event
def test_a_change_no_service_makes_is_refused(template, tmp_path, case):
    sql, refusal, _ = CASES[case]
    root = copy_of(template, tmp_path)
    words = sql.split()
    table = words[1] if words[0] == "UPDATE" else words[2]
    before = rows(root, f"SELECT * FROM {table}")
    with pytest.raises(sqlite3.IntegrityError, match=refusal):
        tamper(root, sql, drop_triggers=False)
    assert rows(root, f"SELECT * FROM {table}") == before


@pytest.mark.parametrize("case", CASES)
def test_a_change_behind_the_logs_back_is_caught_by_verify(template, tmp_path, case):
    sql, _, named = CASES[case]
    root = copy_of(template, tmp_path)
    tamper(root, sql, drop_triggers=True)
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert f"state tables differ from the event log: {named}" in result.stderr


def test_the_issues_own_tamper_with_the_sqlite3_shell(template, tmp_path):
    """`sqlite3 warroom.db "update incident set …"`: refused; with the triggers dropped, verify exits 3
    and `incident show` no longer says the chain is verified."""
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        pytest.skip("no sqlite3 shell on this host")
    root = copy_of(template, tmp_path)
    statement = "update incident set status='closed', title='Nothing happened'"
    refused = subprocess.run([sqlite, str(root / "warroom.db"), statement], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "incident: " in refused.stderr
    assert rows(root, "SELECT title FROM incident ORDER BY id") == [("Quick drill",), ("Quick drill",)]
    triggers = [n for (n,) in rows(root, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'incident'")]
    dropped = subprocess.run([sqlite, str(root / "warroom.db"), *[f"drop trigger {n}" for n in triggers], statement],
                             capture_output=True, text=True, timeout=60)
    assert dropped.returncode == 0, dropped.stderr
    shown = run_cli("incident", "show", "2", home=root)
    assert shown.returncode == 0, shown.stderr
    assert "CLOSED" in shown.stdout and "chain: verified" not in shown.stdout
    assert "chain: NOT VERIFIED: the incident's tables differ from its events: table incident, row id=2, column title" in shown.stdout
    as_json = json.loads(run_cli("incident", "show", "2", "--json", home=root).stdout)
    assert as_json["chain"]["verified"] is False and "column title" in as_json["chain"]["problem"]
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert "state tables differ from the event log: table incident, row id=1, column title" in result.stderr


def test_a_difference_is_shown_as_one_safe_line(template, tmp_path):
    root = copy_of(template, tmp_path)
    tamper(root, "UPDATE incident_step SET note = 'ok' || char(27) || ']0;owned' || char(7) || char(10) || 'seq 99 forged' "
                 "WHERE incident_id = 1 AND step_id = 'confirm'", drop_triggers=True)
    result = run_cli("verify", home=root)
    assert_clean_failure(result, 3)
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "state tables differ" in line]
    assert "column note" in line and "seq 99 forged" in line


# ── older logs: events written before they carried what a rebuild needs ───────────────────────

NEW_FIELDS = {"incident.opened": ("snapshot_sha256",), "fallback.activated": ("activation", "steps"), "fallback.deactivated": ("activation",)}


def old_format(path: Path) -> None:
    """Rewrite a log as the services wrote it before this change: without the new data fields, every
    hash recomputed (a test fixture: no witness is kept)."""
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    (guard,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'event_no_update'").fetchone()
    connection.execute("DROP TRIGGER event_no_update")
    records = [eventlog.record_of(_Row(r)) for r in connection.execute("SELECT * FROM event ORDER BY seq")]
    prev, heads = chain.GENESIS, {}
    for record in records:
        for name in NEW_FIELDS.get(record["kind"], ()):
            record["data"].pop(name, None)
        record["prev_hash"] = prev
        streams = chain.streams_of(record["incident_id"], record["data"])
        record["links"] = {s: heads.get(s) for s in streams}
        record["hash"] = chain.event_hash(record)
        heads.update({s: record["hash"] for s in streams})
        prev = record["hash"]
        connection.execute("UPDATE event SET data = ?, prev_hash = ?, links = ?, hash = ? WHERE seq = ?",
                           (chain.canonical(record["data"]), record["prev_hash"], chain.canonical(record["links"]), record["hash"], record["seq"]))
    for stream, head in heads.items():  # the append cache follows the rewritten chain
        connection.execute("UPDATE stream_head SET hash = ? WHERE stream = ?", (head, stream))
    connection.execute(guard)
    connection.commit()
    connection.close()


@pytest.fixture(scope="module")
def old_home(tmp_path_factory) -> Path:
    """A home whose database was worked by every service and taken back to revision 0003, its log in the old format."""
    clock = MovableClock(datetime(2026, 11, 29, 13, 0, tzinfo=UTC))
    root = tmp_path_factory.mktemp("old") / "home"
    home = homes.create(root, clock=clock, actor="alice", origin=ORIGIN)
    configure(home, webhook="http://127.0.0.1:9/hook")
    for name in ("warroom.db", "warroom.db-wal", "warroom.db-shm", "witness.log"):
        (root / name).unlink(missing_ok=True)
    create_private_file(root / "warroom.db", group_shared=False)
    engine = make_engine(home.url)
    migrate.upgrade(engine)
    work_through(Store(engine), library.config(home), clock, home)
    downgrade(engine, "0003")  # the guards and the hashing scheme go; old_format hashes as scheme 1
    engine.dispose()
    old_format(root / "warroom.db")
    return root


def verify_without_witness(root: Path) -> integrity.Report:
    store = Home(root).open_store()  # migrates to the head: the guards arrive
    try:
        return integrity.verify(store, None, own_database=True)
    finally:
        store.dispose()


def test_an_old_format_database_upgraded_by_the_migration_still_verifies(old_home, tmp_path):
    root = copy_of(old_home, tmp_path)
    assert "snapshot_sha256" not in rows(root, "SELECT data FROM event WHERE kind = 'incident.opened'")[0][0]
    report = verify_without_witness(root)
    assert migrate.current(make_engine(Home(root).url)) == migrate.HEAD
    shown = str(report)
    assert "state tables match the events" in shown
    assert "not checked: the playbook snapshot of incidents #1, #2 (opened before incident.opened bound it)" in shown
    assert "not checked: the row ids of fallback activations and the titles and positions of their steps in incident #1" in shown
    with pytest.raises(sqlite3.IntegrityError, match="incident_step: status moves only"):  # the guards hold from now on
        tamper(root, "UPDATE incident_step SET status = 'pending' WHERE incident_id = 2 AND step_id = 'confirm'", drop_triggers=False)


@pytest.mark.parametrize("sql,named", [
    ("UPDATE incident_step SET changed_by = 'mallory' WHERE incident_id = 1 AND step_id = 'secondary-dc-1'",
     "table incident_step, row incident_id=1 step_id='secondary-dc-1', column changed_by: stored 'mallory'"),
    ("UPDATE incident SET title = 'Nothing happened' WHERE id = 1", "table incident, row id=1, column title"),
    ("UPDATE fallback_activation SET result = 'failed' WHERE id = 1", "table fallback_activation, row id=1 (activation 1 of incident 1), column result"),
    ("INSERT INTO incident_step (incident_id, step_id, position, title, source, status) VALUES (1, 'manual-batch-1', 9, 'X', 'fallback:manual-batch', 'pending')",
     "table incident_step, row incident_id=1 step_id='manual-batch-1': stored, but no event explains it"),
])
def test_what_an_old_format_log_can_prove_is_still_checked(old_home, tmp_path, sql, named):
    root = copy_of(old_home, tmp_path)
    verify_without_witness(root)  # migrated
    tamper(root, sql, drop_triggers=True)
    with pytest.raises(LogAltered) as caught:
        verify_without_witness(root)
    assert f"state tables differ from the event log: {named}" in str(caught.value)


class _Row:
    def __init__(self, row: sqlite3.Row):
        self._mapping = {k: row[k] for k in row.keys()}  # noqa: SIM118 (iterating a sqlite3.Row gives its values)
