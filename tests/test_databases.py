"""The same store, services, monitor, CLI and change detection on both databases warroom runs on:
its own SQLite file, and a real PostgreSQL server (tests/pg.py) for a war-room shared by sites.

Every test here runs twice (`db_home`); what only PostgreSQL has (LISTEN/NOTIFY, one witness per
site, guard triggers a role can drop, a server that is away) is tested below them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import text

from tests.conftest import ROOT, Process, assert_clean_failure, db_args, run_cli, wait_for
from tests.helpers import append_many
from warroom import identity
from warroom.home import Home
from warroom.store import eventlog

ME = identity.os_user()
QUICK = {
    "id": "quick-drill", "title": "Quick drill",
    "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "steps": [{"id": "confirm", "title": "Confirm", "due": "1h"}],
    "escalation": [{"after": "2s", "notify": ["duty-officer"], "message": "war-room opened"}, {"after": "1h", "notify": ["cio"]}],
}


def one_person(home: Home) -> None:
    """No [people] (every OS user may act), no suppliers to check (the monitor's work here is the ladder), the quick playbook."""
    config = tomllib.loads(home.config_path.read_text())
    config.pop("people", None)
    for supplier in config["suppliers"]:
        for fallback in supplier.get("fallbacks", []):
            fallback["owner"] = ME
    home.config_path.write_text(tomli_w.dumps(config))
    (home.playbooks_dir / "quick-drill.toml").write_text(tomli_w.dumps(QUICK))


def cli(home: Home, *args: str, code: int = 0) -> str:
    result = run_cli(*db_args(home), *args, home=home.root)
    assert result.returncode == code, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout.strip()


_STORES: dict[tuple[Path, str | None], object] = {}


@pytest.fixture(autouse=True)
def _stores_closed():
    yield
    for store in _STORES.values():
        store.dispose()
    _STORES.clear()


def _store(home: Home):
    """One open store per home for the test's own reads: polling with a new engine each time would
    spend the CPU the processes under test need."""
    key = (home.root, home.db_url)
    if key not in _STORES:
        _STORES[key] = home.open_store()
    return _STORES[key]


def events(home: Home, kind: str | None = None) -> list[dict]:
    with _store(home).read() as session:
        found = list(eventlog.records(session.connection()))
    return [e for e in found if kind is None or e["kind"] == kind]


def sql(home: Home, statement: str) -> list[tuple]:
    """A statement run as the database's owner would, outside warroom (the tests' tampering)."""
    with _store(home).engine.connect() as connection:
        result = connection.execute(text(statement))
        rows = [tuple(r) for r in result] if result.returns_rows else []
        connection.commit()
        return rows


# ── on both databases ──────────────────────────────────────────────────────────────────────────

def test_appended_events_chain_and_verify_and_read_back_hash_the_same(db_home):
    store = db_home.open_store()
    append_many(store, 40)
    store.dispose()
    out = cli(db_home, "verify")
    assert "event log verified: 41 events, hash chain intact" in out
    assert "witness: signed head at seq 41 matches" in out  # the home's witness saw every write
    records = events(db_home)
    assert [r["seq"] for r in records] == list(range(1, 42))
    assert all(type(r["seq"]) is int and isinstance(r["data"], dict) for r in records)


def test_several_processes_appending_at_once_make_one_linear_chain(db_home, tmp_path):
    go = tmp_path / "go"
    environment = {**os.environ, **({"WARROOM_DB": db_home.db_url} if db_home.db_url else {})}
    writers = [subprocess.Popen([sys.executable, "-m", "tests.helpers", str(db_home.root), f"w{n}", "40", str(go)], cwd=ROOT, env=environment,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(3)]
    wait_for(lambda: all(go.with_name(f"go.w{n}").exists() for n in range(3)), timeout=60, what="every writer to be ready")
    go.touch()  # all three start appending at once
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    assert "event log verified: 121 events" in cli(db_home, "verify")
    records = events(db_home)
    assert [r["seq"] for r in records] == list(range(1, 122))
    for n in range(3):
        assert [r["data"]["n"] for r in records if r["actor"] == f"w{n}"] == list(range(40)), f"writer w{n} lost or reordered events"
    if db_home.db_url:
        # The writers queue in the database: one after another would change writer three times
        # (after home.created). On SQLite the host's writer queue lets a writer keep the lock for
        # a run of appends, so so few overlap only by chance: test_concurrency's 500 each show it.
        assert sum(1 for a, b in zip(records, records[1:], strict=False) if a["actor"] != b["actor"]) > 3, "the writers did not overlap"


def test_verify_while_a_writer_appends_raises_no_false_alarm_and_still_catches_a_cut_log(db_home, tmp_path):
    """A commit (and its witness line) landing between verify's snapshot and its reading of
    witness.log must not read as a truncation; a log really cut short still must."""
    from warroom.errors import LogAltered
    from warroom.services import integrity

    go = tmp_path / "go"
    environment = {**os.environ, **({"WARROOM_DB": db_home.db_url} if db_home.db_url else {})}
    writer = subprocess.Popen([sys.executable, "-m", "tests.helpers", str(db_home.root), "w", "1000000", str(go)], cwd=ROOT,
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: go.with_name("go.w").exists(), timeout=60, what="the writer to be ready")
        go.touch()
        wait_for(lambda: integrity.verify_home(db_home).head_seq > 20, timeout=30, what="the writer to be appending")
        heads = []
        for _ in range(30):
            report = integrity.verify_home(db_home)  # LogAltered here is the false alarm
            heads.append(report.head_seq)
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
        assert heads == sorted(heads) and heads[-1] > heads[0], f"the writer did not keep appending while verify ran: heads {heads}"
    finally:
        writer.kill()
        writer.wait()
    append_many(_store(db_home), 1, writer="last")  # witnessed as it returns (the killed writer's last may not be)
    (head,) = sql(db_home, "SELECT max(seq) FROM event")[0]
    assert integrity.verify_home(db_home).witnessed_seq == head
    if db_home.db_url:
        sql(db_home, f"SET session_replication_role = replica; DELETE FROM event WHERE seq = {head}")
    else:
        sql(db_home, "DROP TRIGGER event_no_delete")
        sql(db_home, f"DELETE FROM event WHERE seq = {head}")
    with pytest.raises(LogAltered, match=f"event log truncated: seq {head} to {head} were witnessed"):
        integrity.verify_home(db_home)


def test_an_incident_through_the_cli_then_its_export_verifies_on_its_own(db_home, tmp_path):
    one_person(db_home)
    incident = cli(db_home, "incident", "start", "cloud-hosting-outage", "--drill")
    assert incident == "1"
    cli(db_home, "log", incident, "Fail over to the stand-by site", "--kind", "decision", "--rationale", "ETA unknown")
    view = json.loads(cli(db_home, "incident", "show", incident, "--json"))
    assert [e["kind"] for e in view["events"]] == ["incident.opened", "decision.logged"]
    assert view["chain"]["verified"] and view["incident"]["opened_at"].endswith("Z")
    assert view["events"][1]["data"]["rationale"] == "ETA unknown"
    if db_home.db_url:  # read back from PostgreSQL, hashed again by nothing but the export and the key
        exported = tmp_path / "timeline.json"
        cli(db_home, "export", incident, "--format", "json", "-o", str(exported))
        assert "verified" in cli(db_home, "verify", "--export", str(exported))
    assert "state tables match the events" in cli(db_home, "verify")


def test_two_monitors_one_lease_an_escalation_fires_once_and_a_stopped_leader_hands_over(db_home):
    one_person(db_home)
    monitor_args = ["--home", str(db_home.root), *db_args(db_home), "monitor"]
    first, second = Process(*monitor_args), None
    try:
        wait_for(lambda: first.said("holding the lease"), what="the first monitor to lead")
        second = Process(*monitor_args)
        wait_for(lambda: second.said("standing by"), what="the second to stand by")
        incident = cli(db_home, "incident", "start", "quick-drill")
        fired = wait_for(lambda: events(db_home, "escalation.due"), timeout=30, what="level 1 to fire")
        assert fired[0]["data"]["level"] == 1 and fired[0]["incident_id"] == int(incident)
        first.stop(signal.SIGTERM)
        wait_for(lambda: second.said("holding the lease"), timeout=15, what="the second monitor to take over")
        started = events(db_home, "monitor.started")
        assert [e["data"]["holder"].rsplit(":", 1)[1] for e in started] == [str(first.proc.pid), str(second.proc.pid)]
        assert len(events(db_home, "escalation.due")) == 1, "one level fired once, whoever held the lease"
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert "state tables match the events" in cli(db_home, "verify")


def test_change_detection_wakes_a_reader_only_when_another_process_commits(db_home):
    from warroom.store.changes import Maybe, watch

    watcher = watch(db_home.url)
    try:
        assert not isinstance(watcher, Maybe), "this database has a cheap way to notice commits"
        assert watcher.poll(), "the first poll always reads"
        assert not watcher.poll(), "nothing committed since"
        one_person(db_home)
        cli(db_home, "incident", "start", "quick-drill")
        wait_for(watcher.poll, timeout=5, what="the other process's commit to be noticed")
        assert not watcher.poll(), "noticed once"
    finally:
        watcher.close()


def test_the_reader_shows_what_another_process_did(db_home, clock):
    from warroom.services import library
    from warroom.store.changes import watch
    from warroom.tui.reader import Reader

    one_person(db_home)
    store = db_home.open_store()
    reader = Reader(store, watch(db_home.url), library.config(db_home), clock)
    try:
        board, _ = reader.poll(forced=True, incident_id=None)
        assert board is not None and not board.board.status.incidents
        assert reader.poll(forced=False, incident_id=None) == (None, None), "nothing moved: nothing read again"
        cli(db_home, "incident", "start", "quick-drill")
        board = wait_for(lambda: reader.poll(forced=False, incident_id=None)[0], timeout=10, what="the board to show the new incident")
        assert [i.title for i in board.board.status.incidents] == ["Quick drill"]
    finally:
        reader.changes.close()
        store.dispose()


def test_0008_adds_the_certificate_end_and_the_per_supplier_event_index_and_takes_them_away(db_home, clock):
    """Down to 0007 and up again on a log with a supplier's state in it: the row keeps its state,
    its certificate end is unknown (NULL) until a round reads one, and the one-supplier read of the
    supplier screen has its index."""
    from datetime import timedelta

    from sqlalchemy import inspect

    from tests.helpers import downgrade
    from warroom.health.states import Observation
    from warroom.services import health, lease, library
    from warroom.store import migrate

    config = library.config(db_home)
    nlcloud = config.supplier("nlcloud")
    engine = _store(db_home).engine

    def record(ends):
        with _store(db_home).write() as session:
            lease.take(session, holder="t", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
            health.record(session, supplier=nlcloud, observation=Observation("up", 5.0, "fine", "ok", certificate_not_after=ends),
                          now=clock.now(), config=config, playbooks=[], holder="t", origin={})

    def shape() -> tuple[bool, bool]:
        found = inspect(engine)
        return ("certificate_not_after" in {c["name"] for c in found.get_columns("supplier_state")},
                "ix_event_object_kind_at" in {i["name"] for i in found.get_indexes("event")})

    ends = clock.now() + timedelta(days=20)
    record(ends)
    assert shape() == (True, True)
    downgrade(engine, "0007")
    assert shape() == (False, False)
    assert sql(db_home, "SELECT supplier_id, state FROM supplier_state") == [("nlcloud", "up")]
    migrate.upgrade(engine)
    assert shape() == (True, True)
    assert sql(db_home, "SELECT supplier_id, state, certificate_not_after FROM supplier_state") == [("nlcloud", "up", None)]
    record(ends)
    clock.advance(timedelta(seconds=30))
    record(None)  # a round that read no certificate keeps the last one's
    assert sql(db_home, "SELECT certificate_not_after FROM supplier_state") == [(ends.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),)]
    assert "state tables match the events" in cli(db_home, "verify")


def test_0009_leaves_an_append_fewer_index_pages_and_the_log_as_it_was(db_home, clock):
    """Down to 0008 and up again on a log with a keyed event: the event table keeps only the
    indexes a read uses (no kind-only index, no index of the hash, the key's only for events that
    have one); every event is there as it was, keys are still unique in the database itself, the
    log still refuses edits, and it verifies and goes on."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from tests.helpers import downgrade
    from warroom.store import migrate

    store = _store(db_home)
    append_many(store, 6)
    with store.write() as session:
        eventlog.append(session, at=clock.now(), kind="escalation.due", actor="system", origin={}, object="incident:1", summary="due",
                        incident_id=1, data={"level": 1}, key="fire:1:1")

    def shape() -> tuple[set[str], bool]:
        found = inspect(store.engine)
        indexes = {i["name"] for i in found.get_indexes("event")}
        hash_unique = any(c["column_names"] == ["hash"] for c in found.get_unique_constraints("event")) or any(
            i["unique"] and i["column_names"] == ["hash"] for i in found.get_indexes("event"))
        return indexes, hash_unique

    lean = {"ix_event_incident_seq", "ix_event_kind_at", "ix_event_object_kind_at", "ux_event_key"}
    assert shape() == (lean, False)
    before = sql(db_home, "SELECT * FROM event ORDER BY seq")
    downgrade(store.engine, "0008")
    assert shape()[0] >= {"ix_event_kind"} and shape()[1]
    store.dispose()
    migrate.upgrade(store.engine)
    assert shape() == (lean, False)
    assert sql(db_home, "SELECT * FROM event ORDER BY seq") == before
    keyed = next(c for c in before if c[10] == "fire:1:1")
    with pytest.raises(IntegrityError):
        sql(db_home, "INSERT INTO event (seq, at, kind, actor, incident_id, object, result, origin, summary, data, key, links, prev_hash, hash, scheme) "
                     "VALUES (1000, 'x', 'x', 'x', NULL, 'x', 'ok', '{}', 'x', '{}', 'fire:1:1', '{}', 'x', 'y', 2)")
    with pytest.raises(DBAPIError, match="append-only"):
        sql(db_home, f"UPDATE event SET summary = 'rewritten' WHERE seq = {keyed[0]}")
    with pytest.raises(eventlog.Duplicate), store.write() as session:
        eventlog.append(session, at=clock.now(), kind="escalation.due", actor="system", origin={}, object="incident:1", summary="due",
                        incident_id=1, data={"level": 1}, key="fire:1:1")
    append_many(store, 2, start=6)
    assert "state tables match the events" in cli(db_home, "verify")


# ── PostgreSQL only ────────────────────────────────────────────────────────────────────────────

@pytest.fixture
def pg_home(pg_cluster, tmp_path, clock):
    from warroom.services import homes

    return homes.create(tmp_path / "site-a", clock=clock, actor="alice", origin={}, db_url=pg_cluster.new_database())


def test_init_on_postgresql_makes_no_sqlite_file_and_warroom_db_names_the_database(pg_home, tmp_path):
    assert not (pg_home.root / "warroom.db").exists()
    one_person(pg_home)
    result = run_cli("incident", "start", "quick-drill", home=pg_home.root, env={"WARROOM_DB": pg_home.db_url})
    assert result.returncode == 0, result.stderr
    assert [e["kind"] for e in events(pg_home)] == ["home.created", "incident.opened"]
    refused = run_cli("--db", f"sqlite:///{tmp_path / 'x.db'}", "init", str(tmp_path / "other"))
    assert_clean_failure(refused, 2)
    assert "--db with init names a PostgreSQL database" in refused.stderr and not (tmp_path / "other").exists()


def test_each_site_witnesses_the_shared_log_and_sees_it_cut_off(pg_home, tmp_path, clock, caplog):
    from warroom.services import homes

    site_b = homes.create(tmp_path / "site-b", clock=clock, actor="bob", origin={}, db_url=pg_home.db_url)
    assert "was missing" not in caplog.text, "a site joining at seq 2 starts its witness there: nothing went missing"
    for site in (site_b, pg_home):  # seq 3-5 at site B, 6-8 at site A
        store = site.open_store()
        append_many(store, 3, writer=site.root.name)
        store.dispose()
    for site in (pg_home, site_b):
        assert "event log verified: 8 events" in cli(site, "verify")
    # The newest events cut off, as a role that owns the tables can (triggers off for its session):
    # the chain that is left is still a chain; site A's witness saw more.
    sql(pg_home, "SET session_replication_role = replica; DELETE FROM event WHERE seq > 6")
    result = run_cli(*db_args(pg_home), "verify", home=pg_home.root)
    assert_clean_failure(result, 3)
    assert "event log truncated: seq 7 to 8 were witnessed" in result.stderr
    assert_clean_failure(run_cli(*db_args(site_b), "verify", home=site_b.root), 3)  # its stream cache names the cut


def test_postgresql_refuses_edits_and_verify_names_a_dropped_guard_or_an_altered_event(pg_home):
    one_person(pg_home)
    cli(pg_home, "incident", "start", "quick-drill")
    for statement, refusal in (("UPDATE event SET summary = 'nothing happened' WHERE seq = 2", "the event log is append-only"),
                               ("UPDATE incident SET title = 'Another title'", "its playbook, snapshot, mode, title")):
        with pytest.raises(Exception, match=refusal):
            sql(pg_home, statement)
    sql(pg_home, "ALTER TABLE escalation DISABLE TRIGGER escalation_fires_once")
    result = run_cli(*db_args(pg_home), "verify", home=pg_home.root)
    assert_clean_failure(result, 3)
    assert "guard trigger escalation_fires_once is dropped or disabled" in result.stderr
    sql(pg_home, "ALTER TABLE escalation ENABLE TRIGGER escalation_fires_once")
    sql(pg_home, "SET session_replication_role = replica; UPDATE event SET summary = 'nothing happened' WHERE seq = 2")
    result = run_cli(*db_args(pg_home), "verify", home=pg_home.root)
    assert_clean_failure(result, 3)
    assert "event log altered at seq 2" in result.stderr


def test_several_processes_opening_a_new_database_migrate_it_once(pg_cluster, tmp_path, clock):
    from warroom.services import homes
    from warroom.store import migrate

    home = homes.create(tmp_path / "home", clock=clock, actor="alice", origin={}, db_url=pg_cluster.new_database())
    fresh = Home(home.root, pg_cluster.new_database())
    openers = [subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(fresh.root), "--db", fresh.db_url, "incident", "list"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for opener in openers:
        _, err = opener.communicate(timeout=60)
        assert opener.returncode == 0, err
    assert sql(fresh, "SELECT version_num FROM alembic_version") == [(migrate.HEAD,)]
    # Down past the guards and the hash scheme and up again: their PostgreSQL forms both ways.
    from tests.helpers import downgrade

    engine = _store(fresh).engine
    downgrade(engine, "0003")
    assert sql(fresh, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == [(1,)], "only the event log's own guard is left"
    migrate.upgrade(engine)
    assert "append-only and state-table guards in place" in cli(fresh, "verify", "--copy")  # empty: not the database the home witnessed


def test_a_server_that_is_away_is_one_line_and_exit_1(pg_home):
    away = pg_home.db_url.rsplit("@", 1)[0].replace("warroom_test", "warroom_test:secret") + "@127.0.0.1:1/warroom"
    result = run_cli("--db", away, "incident", "list", home=pg_home.root)
    assert_clean_failure(result, 1)
    assert result.stderr.startswith("warroom: cannot reach the database postgresql+psycopg://warroom_test:***@127.0.0.1:1/warroom")
    assert len(result.stderr.strip().splitlines()) == 1 and "secret" not in result.stderr


def test_a_listener_whose_connection_dropped_listens_again(pg_home):
    from warroom.store.changes import Notified, watch

    watcher = watch(pg_home.url)
    assert isinstance(watcher, Notified)
    try:
        assert watcher.poll() and not watcher.poll()
        sql(pg_home, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")
        wait_for(watcher.poll, timeout=5, what="the lost connection to be noticed (and read again)")
        wait_for(lambda: not watcher.poll(), timeout=5, what="listening again")
        one_person(pg_home)
        cli(pg_home, "incident", "start", "quick-drill")
        wait_for(watcher.poll, timeout=5, what="a commit after the reconnection")
    finally:
        watcher.close()


def _worked_incident(home: Home) -> None:
    """An incident whose rows have moved on (a step done, a fallback stood down, resolved, closed):
    rows in a state that no service creates, which is what a restore loads."""
    from datetime import UTC, datetime

    from warroom.services import actors, commands, library
    from warroom.vocabulary import FallbackResult, Mode, Status, StepAction

    one_person(home)
    config = library.config(home)
    ctx = commands.Context(home=home, config=config, actor=actors.current(config), now=datetime.now(UTC))
    store = _store(home)
    incident = commands.execute(store, commands.StartIncident(playbook_id="cloud-hosting-outage", mode=Mode.DRILL), ctx).value
    assert isinstance(incident, int)
    for command in (commands.MarkStep(incident, "confirm", StepAction.DONE), commands.ActivateFallback(incident, "secondary-dc", "drill"),
                    commands.DeactivateFallback(incident, "secondary-dc", FallbackResult.WORKED), commands.Transition(incident, Status.RESOLVED),
                    commands.Transition(incident, Status.CLOSED)):
        commands.execute(store, command, ctx)


def test_a_pg_dump_backup_restored_elsewhere_verifies_as_a_copy(pg_home, pg_cluster):
    """The README's backup check: pg_dump, more events, pg_restore into a scratch database (its
    guard triggers off while it loads: every row it loads has moved on from how a service creates
    it), then verify --copy."""
    _worked_incident(pg_home)
    head = events(pg_home)[-1]["seq"]
    dump = pg_home.root.parent / "warroom.dump"
    database = pg_home.db_url.rsplit("/", 1)[1]
    server = ["-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", "warroom_test"]
    subprocess.run([str(pg_cluster.bin / "pg_dump"), *server, "-Fc", "-f", str(dump), database], check=True, capture_output=True, timeout=60)
    append_many(_store(pg_home), 2)  # after the backup: the site's witness has seen two more
    scratch = Home(pg_home.root, pg_cluster.new_database())
    subprocess.run([str(pg_cluster.bin / "pg_restore"), *server, "--disable-triggers", "--single-transaction", "-d", scratch.db_url.rsplit("/", 1)[1],
                    str(dump)], check=True, capture_output=True, timeout=60)
    assert_clean_failure(run_cli(*db_args(scratch), "verify", home=scratch.root), 3)  # as the live database, it lost two events
    out = cli(scratch, "verify", "--copy")
    assert f"event log verified: {head} events" in out and "append-only and state-table guards in place" in out
    assert "witnessed later events than this database holds" in out


def test_a_nul_character_postgresql_cannot_store_is_one_line_and_nothing_recorded(pg_home):
    one_person(pg_home)
    playbook = tomllib.loads((pg_home.playbooks_dir / "quick-drill.toml").read_text())
    (pg_home.playbooks_dir / "nul.toml").write_text(tomli_w.dumps({**playbook, "id": "nul", "title": "Nul \u0000 here"}))
    result = run_cli(*db_args(pg_home), "incident", "start", "nul", home=pg_home.root)
    assert_clean_failure(result, 1)
    assert "cannot store a text that holds the NUL character" in result.stderr and "INSERT" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert [e["kind"] for e in events(pg_home)] == ["home.created"]


def test_the_board_shows_what_another_process_did(db_home, clock):
    """The real app (Textual's Pilot), its watcher on either database, another process acting."""
    import asyncio

    from textual.widgets import DataTable

    from tests.tui.test_board import until
    from warroom.tui.app import make_app

    one_person(db_home)

    async def scenario():
        app = make_app(db_home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the first load")
            table = app.screen.query_one("#incidents", DataTable)
            assert table.row_count == 0
            result = await asyncio.to_thread(run_cli, *db_args(db_home), "incident", "start", "quick-drill", "--drill", home=db_home.root)
            assert result.returncode == 0, result.stderr
            await until(pilot, lambda: table.row_count == 1, what="the new incident on the board")

    asyncio.run(scenario())
