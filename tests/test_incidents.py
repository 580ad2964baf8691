"""Incident response end to end: CLI subprocesses, a real monitor, real webhook servers, several
processes at once; and the ladder's timing with a clock the test moves."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests import hostile
from tests.conftest import ROOT, assert_clean_failure, run_cli, wait_for
from tests.helpers import ME, QUICK, configure  # noqa: F401  # still importable from here
from warroom.errors import BadInput
from warroom.services import actors, escalation, fallbacks, incidents, lease, library, logbook, outbox


def cli_ok(home, *args) -> str:
    result = run_cli(*args, home=home.root)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout.strip()


def event_rows(home, kind: str | None = None) -> list[dict]:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT seq, at, kind, actor, summary, data FROM event ORDER BY seq").fetchall()
    finally:
        connection.close()
    out = [{"seq": s, "at": t, "kind": k, "actor": a, "summary": m, "data": json.loads(d)} for s, t, k, a, m, d in rows]
    return [r for r in out if kind is None or r["kind"] == kind]


# ── a whole incident through the CLI ───────────────────────────────────────────────────────────

def test_a_full_incident_through_the_cli(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "cloud-hosting-outage", "--drill")
    assert incident_id.isdigit()
    cli_ok(home, "step", incident_id, "confirm", "start")
    cli_ok(home, "step", incident_id, "confirm", "done", "--note", "storage cluster failure, no ETA")
    cli_ok(home, "step", incident_id, "payment-check", "skip", "--note", "no payment run this week")
    seq = cli_ok(home, "log", incident_id, "NLCloud says 6 hours", "--kind", "observation")
    cli_ok(home, "log", incident_id, "NLCloud says 8 hours", "--kind", "observation", "--corrects", seq)
    cli_ok(home, "fallback", "activate", incident_id, "secondary-dc", "--reason", "ETA 8 hours, payments at risk")
    cli_ok(home, "step", incident_id, "secondary-dc-1", "done")
    cli_ok(home, "log", incident_id, "Fail over to Groningen", "--decision", "failover", "--rationale", "ETA too long")
    cli_ok(home, "incident", "stabilise", incident_id)
    cli_ok(home, "fallback", "deactivate", incident_id, "secondary-dc", "--result", "worked", "--reason", "NLCloud back")
    cli_ok(home, "incident", "resolve", incident_id)
    cli_ok(home, "incident", "close", incident_id)

    view = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))
    assert view["incident"]["status"] == "closed" and view["incident"]["mode"] == "drill"
    steps = {s["id"]: s for s in view["steps"]}
    assert steps["confirm"]["status"] == "done" and steps["payment-check"]["status"] == "skipped"
    assert steps["secondary-dc-1"]["source"] == "fallback:secondary-dc"
    assert [d["id"] for d in view["open_decisions"]] == ["manual-payments"]
    assert all(level["state"] == "cancelled" for level in view["ladder"])  # resolved before any monitor fired them
    kinds = [e["kind"] for e in view["events"]]
    assert kinds[0] == "incident.opened" and kinds[-1] == "incident.closed"
    assert kinds.count("decision.logged") == 4  # observation, its correction, the fallback's decision, the failover decision
    correction = [e for e in view["events"] if e["data"].get("corrects") == int(seq)]
    assert correction and correction[0]["data"]["occurred_at"]
    assert view["chain"]["verified"] is True
    register = {r["id"]: r for r in json.loads(cli_ok(home, "fallbacks", "--json"))}
    assert register["secondary-dc"]["last_exercised"]["result"] == "worked" and not register["secondary-dc"]["overdue"]
    assert register["manual-batch"]["never_exercised"] is True
    assert "event log verified" in cli_ok(home, "verify")
    listed = json.loads(cli_ok(home, "incident", "list", "--json"))
    assert listed[0]["id"] == int(incident_id)


def test_start_prints_only_the_id_and_keeps_a_snapshot_of_the_playbook(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    path = home.playbooks_dir / "quick-drill.toml"
    path.write_text(path.read_text().replace('title = "Confirm"', 'title = "Renamed later"'))
    view = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))
    assert next(s for s in view["steps"] if s["id"] == "confirm")["title"] == "Confirm"
    assert view["incident"]["mode"] == "live"


# ── bad input: exit 2, nothing changed ─────────────────────────────────────────────────────────

@pytest.mark.parametrize("args,message", [
    (["step", "99", "confirm", "done"], "no incident #99"),
    (["step", "{id}", "confrim", "done"], "has no step 'confrim' (steps: confirm, assess)"),
    (["escalation", "ack", "{id}", "7"], "has no escalation level 7 (levels 1 to 2)"),
    (["escalation", "ack", "{id}", "2"], "level 2 has not fired yet"),
    (["fallback", "activate", "{id}", "satcom-backup", "--reason", "x"], "does not list fallback 'satcom-backup'"),
    (["fallback", "activate", "{id}", "moon-base", "--reason", "x"], "unknown fallback 'moon-base'"),
    (["fallback", "activate", "{id}", "secondary-dc"], "needs a decision"),
    (["fallback", "deactivate", "{id}", "secondary-dc"], "is not active in incident"),
    (["incident", "close", "{id}"], "cannot mark incident #{id} closed: it is open (resolve it first)"),
    (["log", "{id}", "x", "--decision", "nope"], "is not an expected decision"),
    (["log", "{id}", "x", "--at", "yesterday-ish"], "is not a time"),
    (["log", "{id}", "x", "--corrects", "1"], "is not a log entry of incident"),
    (["incident", "start", "no-such-playbook"], "unknown playbook 'no-such-playbook'"),
    (["incident", "show", "99"], "no incident #99"),
])
def test_bad_input_exits_2_and_changes_nothing(home, args, message):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    before = event_rows(home)
    result = run_cli(*[a.replace("{id}", incident_id) for a in args], home=home.root)
    assert_clean_failure(result, 2)
    assert message.replace("{id}", incident_id) in result.stderr
    assert event_rows(home) == before


def test_doing_a_step_twice_says_already_done_and_records_one_event(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    cli_ok(home, "step", incident_id, "confirm", "done")
    again = run_cli("step", incident_id, "confirm", "done", home=home.root)
    assert_clean_failure(again, 2)
    assert f"step confirm is already done (by {ME}" in again.stderr
    assert len(event_rows(home, "step.done")) == 1


# ── who may do what ────────────────────────────────────────────────────────────────────────────

def test_roles_in_the_services(home, clock):
    cfg = library.config(home)
    playbook = library.find(home, cfg, "cloud-hosting-outage")
    store = home.open_store()
    roles = {user: actors.resolve(cfg, user, {}) for user in ("alice", "bob", "carol", "dave", "mallory")}
    assert [roles[u].role for u in roles] == ["commander", "scribe", "coordinator", "observer", "observer"]
    with store.write() as session:
        incident = incidents.start(session, playbook=playbook, mode="drill", now=clock.now(), actor=roles["alice"])
    for user in ("dave", "mallory"):
        for attempt in (
            lambda s, a: incidents.start(s, playbook=playbook, mode="live", now=clock.now(), actor=a),
            lambda s, a: incidents.step(s, incident_id=incident.id, step_id="confirm", action="done", note=None, now=clock.now(), actor=a),
            lambda s, a: logbook.log(s, incident_id=incident.id, text="x", kind="observation", now=clock.now(), actor=a),
            lambda s, a: fallbacks.activate(s, incident_id=incident.id, fallback_id="secondary-dc", reason="x", now=clock.now(), actor=a, config=cfg),
            lambda s, a: incidents.transition(s, incident_id=incident.id, to="resolved", now=clock.now(), actor=a),
        ):
            with pytest.raises(BadInput, match="observer cannot"), store.write() as session:
                attempt(session, roles[user])
    with store.write() as session:  # a scribe and a coordinator may act
        logbook.log(session, incident_id=incident.id, text="noted", kind="observation", now=clock.now(), actor=roles["bob"])
        incidents.step(session, incident_id=incident.id, step_id="confirm", action="done", note=None, now=clock.now(), actor=roles["carol"])
    with store.read() as session:
        view = incidents.show(session, incident.id, cfg, clock.now())
    assert [e.actor for e in view.events] == ["alice", "bob", "carol"]
    store.dispose()


def test_an_unlisted_os_user_is_an_observer_through_the_cli(home):
    """The OS user running the test is not named in the example [people]: read yes, change no."""
    configure(home, people=True)
    result = run_cli("incident", "start", "quick-drill", home=home.root)
    assert_clean_failure(result, 2)
    assert "observer cannot start an incident" in result.stderr
    assert run_cli("incident", "list", home=home.root).returncode == 0


# ── the ladder, with a clock the test moves ────────────────────────────────────────────────────

HOLDER, ORIGIN = "test", {"host": "test"}


@pytest.fixture
def ladder(home, clock):
    configure(home)
    cfg = library.config(home)
    store = home.open_store()
    me = actors.resolve(cfg, ME, {})
    with store.write() as session:
        incident = incidents.start(session, playbook=library.find(home, cfg, "quick-drill"), mode="drill", now=clock.now(), actor=me)
    with store.write() as session:
        lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=3), gap_after=timedelta(days=3), origin=ORIGIN)

    def pending():
        with store.read() as session:
            return {(d.kind, d.ref): d for d in escalation.pending(session)}

    def fire(key):
        with store.write() as session:
            return escalation.fire(session, pending()[key], now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN)

    yield store, cfg, incident, me, pending, fire
    store.dispose()


def test_deadlines_are_absolute_and_fire_once_saying_how_late(ladder, clock):
    store, cfg, incident, me, pending, fire = ladder
    due = pending()
    assert due[("escalation", "1")].due_at == incident.opened_at + timedelta(seconds=2)
    assert due[("decision", "failover")].due_at == incident.opened_at + timedelta(hours=1)
    clock.advance(timedelta(minutes=10))  # the monitor was down: L1 is 9 min 58 s late
    event = fire(("escalation", "1"))
    assert event["data"]["late_seconds"] == 598.0 and "fired 9m58s late" in event["summary"]
    assert ("escalation", "1") not in pending()
    with store.write() as session:  # a second monitor holding a stale deadline fires nothing
        assert escalation.fire(session, escalation.Deadline("escalation", incident.id, "1", incident.opened_at),
                               now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN) is None
    overdue = fire(("step", "confirm"))
    assert overdue["kind"] == "step.overdue" and overdue["data"]["notify"] == []  # a drill's: no target here is marked for drills
    with store.write() as session:
        escalation.acknowledge(session, incident_id=incident.id, level=1, now=clock.now(), actor=me)
    with store.write() as session:
        incidents.transition(session, incident_id=incident.id, to="resolved", now=clock.now(), actor=me)
    assert pending() == {}  # resolving stops the ladder and the late-work alarms


def test_a_logged_decision_closes_its_deadline(ladder, clock):
    store, cfg, incident, me, pending, fire = ladder
    with store.write() as session:
        logbook.log(session, incident_id=incident.id, text="Fail over", kind="decision", decision="failover", now=clock.now(), actor=me)
    assert ("decision", "failover") not in pending()


def test_webhooks_go_through_the_outbox_with_back_off(ladder, clock):
    store, cfg, incident, me, pending, fire = ladder
    cfg = cfg.model_copy(update={"notify": {**cfg.notify, "duty-officer": cfg.notify["duty-officer"].model_copy(update={"webhook": "http://127.0.0.1:9/hook", "drills": True})}})
    with store.write() as session:
        escalation.fire(session, pending()[("escalation", "1")], now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN)
    with store.read() as session:
        (message,) = outbox.due(session, clock.now())
        payload = json.loads(message.payload)
    assert payload["event"] == "escalation.due" and payload["mode"] == "drill" and payload["notify"]["id"] == "duty-officer"
    with store.write() as session:
        outbox.record_attempt(session, message_id=message.id, error="connection refused", now=clock.now(), origin=ORIGIN)
    with store.read() as session:
        assert outbox.due(session, clock.now()) == []  # backing off
        assert len(outbox.due(session, clock.now() + timedelta(seconds=3))) == 1
    clock.advance(timedelta(hours=2))
    with store.write() as session:
        outbox.record_attempt(session, message_id=message.id, error="connection refused", now=clock.now(), origin=ORIGIN)
    failed = [e for e in _events(store) if e["kind"] == "notify.failed"]
    assert [e["data"]["final"] for e in failed] == [False, True]


def _events(store):
    from warroom.store import eventlog

    with store.engine.connect() as connection:
        return list(eventlog.records(connection))


# ── a real monitor, real webhook servers ───────────────────────────────────────────────────────

class Hook:
    """A webhook target on 127.0.0.1: records what it is sent, answers as told."""

    def __init__(self, answer: str = "204 No Content"):
        self.bodies: list[dict] = []
        self.answer = answer

        def behaviour(conn, stop):
            raw = hostile.read_request(conn, stop)
            head, _, body = raw.partition(b"\r\n\r\n")
            length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")), 0)
            while len(body) < length and not stop.is_set():
                try:
                    body += conn.recv(65536)
                except TimeoutError:
                    continue
            if self.answer == "hang":
                hostile.wait_until_closed(conn, stop)
                return
            self.bodies.append(json.loads(body))
            conn.sendall(f"HTTP/1.1 {self.answer}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())

        self.server = hostile.Server(behaviour)
        self.url = self.server.url("/hook")


def test_a_real_monitor_fires_a_2s_level_and_delivers_its_webhook(home, monitors):
    hook = Hook()
    configure(home, webhook=hook.url)
    monitors(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    fired = wait_for(lambda: event_rows(home, "escalation.due"), timeout=30, what="L1 to fire")
    assert fired[0]["data"]["level"] == 1 and fired[0]["data"]["late_seconds"] < 3
    wait_for(lambda: hook.bodies, timeout=30, what="the webhook to be called")
    assert hook.bodies[0]["incident"]["id"] == int(incident_id) and hook.bodies[0]["event"] == "escalation.due"
    wait_for(lambda: event_rows(home, "notify.delivered"), timeout=30, what="delivery to be recorded")
    wait_for(lambda: event_rows(home, "step.overdue"), timeout=30, what="the 3s step to go overdue")
    cli_ok(home, "escalation", "ack", incident_id, "1")
    view = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))
    assert view["ladder"][0]["state"] == "acknowledged" and view["ladder"][0]["acked_by"] == ME
    hook.server.close()


@pytest.mark.parametrize("answer,error", [("500 Internal Server Error", "HTTP 500"), ("hang", "no answer within 5 s")])
def test_a_failing_or_hanging_webhook_is_recorded_and_never_blocks_the_ladder(home, monitors, answer, error):
    hook = Hook(answer)
    configure(home, webhook=hook.url)
    monitors(home)
    cli_ok(home, "incident", "start", "quick-drill")
    failed = wait_for(lambda: event_rows(home, "notify.failed"), timeout=30, what="the failure to be recorded")
    assert error in failed[0]["summary"] and failed[0]["data"]["final"] is False
    # the ladder went on meanwhile: the step deadline at 3 s fired whatever the webhook did
    wait_for(lambda: event_rows(home, "step.overdue"), timeout=30, what="late work to be flagged")
    hook.server.close()


def test_a_deadline_passed_while_no_monitor_ran_fires_once_late_even_with_two_monitors(home, monitors):
    configure(home)
    cli_ok(home, "incident", "start", "quick-drill")
    opened = event_rows(home, "incident.opened")[0]
    assert not event_rows(home, "escalation.due")
    wait_for(lambda: time.time() > _ts(opened) + 6, timeout=30, what="the L1 deadline to be 4 s past")
    monitors(home)
    monitors(home)
    fired = wait_for(lambda: event_rows(home, "escalation.due"), timeout=30, what="the late level to fire")
    assert fired[0]["data"]["late_seconds"] >= 4 and f"(fired {round(fired[0]['data']['late_seconds'])}s late)" in fired[0]["summary"]
    wait_for(lambda: event_rows(home, "step.overdue"), timeout=30, what="the overdue step")
    wait_for(lambda: sum(1 for e in event_rows(home, "monitor.started")) >= 1, what="a monitor to lead")
    assert len(event_rows(home, "escalation.due")) == 1
    assert len(event_rows(home, "step.overdue")) == 1


def _ts(row: dict) -> float:
    from warroom.clock import parse_iso

    return parse_iso(row["at"]).timestamp()


# ── several coordinators at once ───────────────────────────────────────────────────────────────

def test_several_processes_acting_on_one_incident_lose_nothing(home, tmp_path):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "cloud-hosting-outage")
    jobs = [["step", incident_id, step, "done"] for step in ("confirm", "assess", "payment-check", "inform-board", "public-message")]
    jobs += [["log", incident_id, f"observation {n}", "--kind", "observation"] for n in range(10)]
    jobs += [["step", incident_id, "confirm", "done"]]  # a duplicate: exactly one of the two may win
    procs = [subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(home.root), *job], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for job in jobs]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes.count(0) == len(jobs) - 1 and codes.count(2) == 1
    view = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))
    kinds = [e["kind"] for e in view["events"]]
    assert kinds.count("step.done") == 5 and kinds.count("decision.logged") == 10
    assert view["chain"]["verified"]
    assert "event log verified" in cli_ok(home, "verify")


def test_status_shows_active_fallbacks_beside_their_supplier_and_open_incidents(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    cli_ok(home, "fallback", "activate", incident_id, "secondary-dc", "--reason", "drill")
    view = json.loads(cli_ok(home, "status", "--json"))
    nlcloud = next(s for s in view["suppliers"] if s["id"] == "nlcloud")
    assert nlcloud["fallback"]["id"] == "secondary-dc" and nlcloud["fallback"]["incident"] == int(incident_id)
    assert [i["id"] for i in view["incidents"]] == [int(incident_id)]
    assert view["incidents"][0]["next_escalation"]["level"] == 1
    assert "fallback secondary-dc active since" in cli_ok(home, "status")


def test_a_closed_incident_takes_no_acknowledgement_and_keeps_no_fallback_switched_on(ladder, clock, home):
    store, cfg, incident, me, pending, fire = ladder
    clock.advance(timedelta(seconds=5))
    fire(("escalation", "1"))
    with store.write() as session:
        fallbacks.activate(session, incident_id=incident.id, fallback_id="secondary-dc", reason="drill", now=clock.now(), actor=me, config=cfg)
    with store.write() as session:
        incidents.transition(session, incident_id=incident.id, to="resolved", now=clock.now(), actor=me)
    with pytest.raises(BadInput, match="fallback secondary-dc is still active"), store.write() as session:
        incidents.transition(session, incident_id=incident.id, to="closed", now=clock.now(), actor=me)
    with store.write() as session:
        fallbacks.deactivate(session, incident_id=incident.id, fallback_id="secondary-dc", reason=None, result="worked", now=clock.now(), actor=me)
    with store.write() as session:
        incidents.transition(session, incident_id=incident.id, to="closed", now=clock.now(), actor=me)
    before = event_rows(home)
    for args in (("escalation", "ack", str(incident.id), "1"),
                 ("fallback", "deactivate", str(incident.id), "secondary-dc", "--result", "worked")):
        result = run_cli(*args, home=home.root)
        assert_clean_failure(result, 2)
        assert f"incident #{incident.id} is closed" in result.stderr
    assert event_rows(home) == before



def test_a_supplier_event_left_out_of_the_timeline_does_not_make_it_unverified(home, clock):
    """The timeline keeps an involved supplier's state changes, not its other events (a suggestion):
    the supplier's stream is sampled, so only the incident's own stream must be complete."""
    from tests.helpers import ORIGIN
    from tests.test_health_states import HTTP_DOWN, HTTP_UP
    from tests.tui.test_board import record
    from warroom.store import eventlog

    configure(home)
    incident_id = int(cli_ok(home, "incident", "start", "quick-drill", "--drill"))
    clock.set(datetime.now(UTC) + timedelta(seconds=1))  # after the opening the CLI stamped with the real time
    for result in (HTTP_DOWN, HTTP_DOWN):
        record(home, clock, "nlcloud", result)
    store = home.open_store()
    with store.write() as session:
        eventlog.append(session, at=clock.now(), kind="playbook.suggested", actor="system", origin=ORIGIN, object="playbook:quick-drill",
                        summary="NLCloud down: playbook suggested", data={"playbook": "quick-drill", "supplier": "nlcloud"})
    store.dispose()
    for result in (HTTP_UP, HTTP_UP):
        record(home, clock, "nlcloud", result)
    view = json.loads(cli_ok(home, "incident", "show", str(incident_id), "--json"))
    assert [e["data"]["to"] for e in view["events"] if e["kind"] == "supplier.state"][-1] == "up"
    assert view["chain"]["verified"], view["chain"]


def test_instants_are_shown_in_the_war_rooms_zone_whatever_the_hosts(home):
    """The host's TZ is not the war-room's: tables show [settings] timezone (Europe/Amsterdam)."""
    from zoneinfo import ZoneInfo

    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    cli_ok(home, "fallback", "activate", incident_id, "secondary-dc", "--reason", "drill")
    def amsterdam(stored: str) -> str:
        return f"{datetime.fromisoformat(stored.replace('Z', '+00:00')).astimezone(ZoneInfo('Europe/Amsterdam')):%Y-%m-%d %H:%M}"

    opened = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))["incident"]["opened_at"]
    since = next(r for r in json.loads(cli_ok(home, "fallbacks", "--json")) if r["id"] == "secondary-dc")["active"]["since"]
    for args, shown in ((("incident", "list"), amsterdam(opened)), (("fallbacks",), f"ACTIVE since {amsterdam(since)}")):
        result = run_cli(*args, home=home.root, env={"TZ": "America/Los_Angeles"})
        assert result.returncode == 0 and shown in result.stdout, (shown, result.stdout)


def test_an_event_whose_time_was_rewritten_by_hand_is_named_not_a_crash(home):
    """The read model holds instants, not strings: an event whose stored time is not an instant
    was written outside warroom, and `incident show` (text or JSON) says so with verify's exit 3."""
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    seq = cli_ok(home, "log", incident_id, "a decision")
    connection = sqlite3.connect(home.db_path)
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("UPDATE event SET at = 'yesterday' WHERE seq = ?", (int(seq),))
    connection.commit()
    connection.close()
    for as_json in ([], ["--json"]):
        shown = run_cli("incident", "show", incident_id, *as_json, home=home.root)
        assert_clean_failure(shown, 3)
        assert f"incident #{incident_id}: event #{seq} has no readable time ('yesterday'): the log was altered" in shown.stderr
