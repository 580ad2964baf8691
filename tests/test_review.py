"""The after-action review's edge cases with a clock the test moves (nothing done, no targets, an
escalation fired late, an inject fired late), the facilitator's script kept from the players, the
comparison of a playbook's drills, and bad input to every drill and review command."""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from datetime import timedelta

import pytest
import tomli_w

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import fault_plan, record_fault
from tests.test_drills import DRILL
from warroom import identity
from warroom.clock import iso
from warroom.errors import BadInput
from warroom.services import actors, drills, escalation, incidents, lease, library, logbook, review
from warroom.services.views import to_json
from warroom.store import eventlog

ME = identity.os_user()
HOLDER, ORIGIN = "test", {"host": "test"}
BARE = {"id": "bare", "title": "No targets, no trigger", "steps": [{"id": "look", "title": "Look"}]}


def write_playbooks(home) -> None:
    (home.playbooks_dir / "drill-e2e.toml").write_text(tomli_w.dumps(DRILL))
    (home.playbooks_dir / "bare.toml").write_text(tomli_w.dumps(BARE))


@pytest.fixture
def room(home, clock):
    """The example people (alice commander, carol coordinator) plus frank, a facilitator."""
    config = tomllib.loads(home.config_path.read_text())
    config["people"]["frank"] = {"name": "Frank Facilitator", "role": "facilitator"}
    home.config_path.write_text(tomli_w.dumps(config))
    write_playbooks(home)
    cfg = library.config(home)
    store = home.open_store()
    with store.write() as session:
        lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=3), gap_after=timedelta(days=3), origin=ORIGIN)
    people = {name: actors.resolve(cfg, name, {}) for name in ("alice", "carol", "frank")}

    def start(playbook_id="drill-e2e", by="alice", speed=1.0, mode="drill"):
        with store.write() as session:
            return incidents.start(session, playbook=library.find(home, cfg, playbook_id), mode=mode, now=clock.now(), actor=people[by],
                                   speed=speed).id

    def read(incident_id):
        with store.read() as session:
            return review.review(session, incident_id, cfg, clock.now())

    yield store, cfg, people, start, read
    store.dispose()


def test_a_drill_where_nothing_was_done_misses_every_target_and_touches_nothing(room, clock):
    store, cfg, people, start, read = room
    incident = start()
    clock.advance(timedelta(hours=2))
    with store.write() as session:
        incidents.transition(session, incident_id=incident, to="resolved", now=clock.now(), actor=people["alice"])
    r = read(incident)
    measures = {m.name: m for m in r.measures}
    # Never acknowledged, no fallback: the drill ended before either happened, so neither has a time.
    assert measures["acknowledge"].result == "not reached" and measures["acknowledge"].seconds is None and measures["acknowledge"].by_seconds is None
    assert measures["fallback"].result == "not reached"
    assert measures["resolve"].result == "missed" and measures["resolve"].by_seconds == 3600  # 2 h against 1 h
    assert measures["open"].result == "not measured"  # no supplier fell before the drill opened
    assert {s.id: s.result for s in r.steps} == {"confirm": "untouched", "assess": "untouched", "inform": "untouched"}
    assert [(d.id, d.made) for d in r.decisions] == [("failover", False)]
    assert [(e.level, e.fired_at) for e in r.escalations] == [(1, None)]
    assert r.injects == () and (r.targets_met, r.targets_total) == (0, 3)
    assert r.wall_seconds == 7200 and r.scenario_seconds == 7200


def test_a_playbook_without_targets_measures_without_judging(room, clock):
    store, cfg, people, start, read = room
    incident = start("bare")
    clock.advance(timedelta(minutes=7))
    with store.write() as session:
        incidents.step(session, incident_id=incident, step_id="look", action="done", note=None, now=clock.now(), actor=people["alice"])
        incidents.transition(session, incident_id=incident, to="resolved", now=clock.now(), actor=people["alice"])
    r = read(incident)
    measures = {m.name: m for m in r.measures}
    assert measures["resolve"].result == "no target" and measures["resolve"].seconds == 420
    assert measures["acknowledge"].result == "not measured" and measures["open"].result == "not measured"
    assert (r.targets_met, r.targets_total) == (0, 0)
    assert [(s.id, s.result) for s in r.steps] == [("look", "done")]


def test_while_a_drill_runs_an_unmet_target_is_pending_until_its_time_passes(room, clock):
    store, cfg, people, start, read = room
    incident = start(speed=10)  # acknowledge within 5 min of scenario time: 30 s of wall-clock
    clock.advance(timedelta(seconds=20))
    assert {m.name: m.result for m in read(incident).measures}["acknowledge"] == "pending"
    clock.advance(timedelta(seconds=11))
    assert {m.name: m.result for m in read(incident).measures}["acknowledge"] == "missed"


def test_an_escalation_and_an_inject_fired_late_say_so_in_the_review(room, clock):
    store, cfg, people, start, read = room
    incident = start(speed=2)  # L1 after 1 min → 30 s; inject 1 after 1 min → 30 s; confirm due 2 min → 60 s
    clock.advance(timedelta(minutes=10))  # no monitor ran
    with store.read() as session:
        deadlines = {(d.kind, d.ref): d for d in escalation.pending(session)}
    assert deadlines[("inject", "1")].due_at == deadlines[("escalation", "1")].due_at
    with store.write() as session:
        escalation.fire(session, deadlines[("escalation", "1")], now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN)
    with store.write() as session:
        plan = drills.scripted(session, incident, 1)
        event = drills.record(session, plan, now=clock.now(), actor=people["alice"], by_monitor=True, holder=HOLDER)
    assert event["data"]["late_seconds"] == 570 and "fired 9m30s late" in event["summary"]
    with store.write() as session:  # fired once: the key is taken
        assert drills.record(session, plan, now=clock.now(), actor=people["alice"], by_monitor=True, holder=HOLDER) is None
    clock.advance(timedelta(seconds=40))
    with store.write() as session:
        escalation.acknowledge(session, incident_id=incident, level=1, now=clock.now(), actor=people["carol"])
        incidents.step(session, incident_id=incident, step_id="confirm", action="done", note=None, now=clock.now(), actor=people["carol"])
    r = read(incident)
    (level,) = r.escalations
    assert level.late and level.late_seconds == 570 and level.acked_by == "carol" and level.ack_seconds == 40
    (inject,) = r.injects
    assert inject.late_seconds == 570 and inject.first_response_seconds == 40 and inject.expect == "confirm" and inject.expect_seconds == 40
    steps = {s.id: s for s in r.steps}
    assert steps["confirm"].result == "late" and steps["confirm"].late_seconds == 640 - 60
    measures = {m.name: m for m in r.measures}
    assert measures["acknowledge"].seconds == 640 and measures["acknowledge"].scenario_seconds == 1280
    assert measures["acknowledge"].result == "missed" and measures["acknowledge"].by_seconds == 1280 - 300


def test_time_to_open_runs_from_the_supplier_change_the_trigger_matched(room, clock):
    store, cfg, people, start, read = room
    with store.write() as session:
        fell = eventlog.append(session, at=clock.now(), kind="supplier.state", actor="system", origin=ORIGIN, object="supplier:nlcloud",
                        summary="nlcloud down", data={"supplier": "nlcloud", "from": "up", "to": "down", "cause": "HTTP 503"})
    clock.advance(timedelta(minutes=3))
    incident = start(mode="live", speed=1)
    opening = {m.name: m for m in read(incident).measures}["open"]
    assert opening.seconds == 180 and opening.source == fell["seq"] and opening.result == "no target"


def test_a_decision_taken_in_time_and_logged_late_with_at_is_met(room, clock):
    """A decision by phone at 13:15, logged at 13:40 with `--at 13:15`: due 20 min after the opening
    (13:20), it was taken on time, and the inject that expected it was answered 13 min after it fired."""
    store, cfg, people, start, read = room
    incident = start()
    opened = clock.now()
    clock.advance(timedelta(minutes=2))
    with store.write() as session:
        drills.record(session, drills.scripted(session, incident, 2), now=clock.now(), actor=people["alice"],
                      by_monitor=True, holder=HOLDER)
    clock.advance(timedelta(minutes=38))
    with store.write() as session:
        logbook.log(session, incident_id=incident, text="Fail over to the secondary DC", kind="decision", decision="failover",
                      now=clock.now(), actor=people["alice"], occurred_at=opened + timedelta(minutes=15))
    r = read(incident)
    [decision] = r.decisions
    assert decision.made and decision.at == opened + timedelta(minutes=15) and decision.late_seconds is None
    [inject] = [i for i in r.injects if i.expect == "failover"]
    assert inject.expect_seconds == 13 * 60


def test_players_never_read_an_upcoming_inject_and_the_facilitator_does(room, clock):
    store, cfg, people, start, read = room
    incident = start(by="alice")
    with store.read() as session:
        for player in ("carol",):
            with pytest.raises(BadInput, match="only the drill's facilitator can read the MSEL"):
                drills.msel(session, incident_id=incident, actor=people[player], now=clock.now())
        view = json.dumps(to_json(incidents.show(session, incident, cfg, clock.now())))
        for who in ("alice", "frank"):  # the drill's starter, and a facilitator in [people]
            msel = drills.msel(session, incident_id=incident, actor=people[who], now=clock.now())
            assert [(r.n, r.state) for r in msel.injects] == [(1, "upcoming"), (2, "upcoming")]
            assert msel.injects[0].message == "Press office: journalists are calling"
    assert "journalists" not in view and "nlcloud=down" not in view
    with store.write() as session:
        with pytest.raises(BadInput, match="only the drill's facilitator can hold an inject"):
            drills.hold(session, incident_id=incident, n=2, now=clock.now(), actor=people["carol"])
        drills.hold(session, incident_id=incident, n=2, now=clock.now(), actor=people["frank"])
    clock.advance(timedelta(minutes=5))
    with store.read() as session:
        assert [d.ref for d in escalation.pending(session) if d.kind == "inject"] == ["1"]  # held: the monitor leaves it
        assert "journalists" not in json.dumps(to_json(incidents.show(session, incident, cfg, clock.now())))


@pytest.mark.parametrize("user,said", [("carol", "carol is a coordinator"), ("olga", "olga is an observer")])
def test_the_msel_refusal_names_the_role_with_its_article(room, clock, user, said):
    store, cfg, people, start, read = room
    incident = start(by="alice")
    with store.read() as session, pytest.raises(BadInput) as refused:
        drills.msel(session, incident_id=incident, actor=actors.resolve(cfg, user, {}), now=clock.now())
    assert said in str(refused.value)  # olga is not in [people]: an observer


@pytest.mark.parametrize("role,sees", [("coordinator", False), ("facilitator", True), ("commander", True)])
def test_playbook_show_keeps_the_drill_script_from_players(home, role, sees):
    config = tomllib.loads(home.config_path.read_text())
    config["people"][ME] = {"name": "Me", "role": role}
    home.config_path.write_text(tomli_w.dumps(config))
    write_playbooks(home)
    shown = run_cli("playbook", "show", "drill-e2e", home=home.root)
    data = run_cli("playbook", "show", "drill-e2e", "--json", home=home.root)
    assert shown.returncode == 0 and data.returncode == 0, shown.stderr + data.stderr
    for out in (shown.stdout, data.stdout):
        assert ("journalists" in out) == sees and ("nlcloud=down" in shown.stdout) == sees
    assert ("2 scripted injects (the facilitator's MSEL)" in shown.stdout) != sees
    assert "Fail over?" in shown.stdout  # the rest of the playbook is everyone's
    if not sees:
        assert json.loads(data.stdout)["drill"] == {"injects": [], "scripted_injects": 2}


def test_comparing_the_drills_of_a_playbook_shows_each_and_the_actions_still_open(room, clock):
    store, cfg, people, start, read = room
    first = start()
    clock.advance(timedelta(minutes=20))
    with store.write() as session:
        incidents.transition(session, incident_id=first, to="resolved", now=clock.now(), actor=people["alice"])
        action = review.add_action(session, incident_id=first, text_="Put the desk's number on the card", owner="carol", due="2026-12-15",
                                   now=clock.now(), actor=people["alice"], config=cfg)["seq"]
        done = review.add_action(session, incident_id=first, text_="Test the DNS switch", owner="alice", due="2026-12-01",
                                 now=clock.now(), actor=people["alice"], config=cfg)["seq"]
        review.set_action_status(session, incident_id=first, action=done, status="done", now=clock.now(), actor=people["alice"])
        review.observe(session, incident_id=first, kind="improvement", text_="Nobody acknowledged", target="acknowledge_within", step=None,
                       now=clock.now(), actor=people["frank"])
    second = start(speed=4)
    clock.advance(timedelta(minutes=10))
    with store.write() as session:
        incidents.transition(session, incident_id=second, to="resolved", now=clock.now(), actor=people["alice"])
    with store.read() as session:
        c = review.compare(session, "drill-e2e", cfg, clock.now())
    assert [r.incident for r in c.drills] == [first, second]
    resolves = [next(m for m in r.measures if m.name == "resolve") for r in c.drills]
    assert [(m.seconds, m.scenario_seconds, m.result) for m in resolves] == [(1200, 1200, "met"), (600, 2400, "met")]
    assert [a.seq for a in c.open_actions] == [action]
    (observation,) = c.drills[0].observations
    assert observation.kind == "improvement" and observation.target == "acknowledge_within" and observation.by == "frank"


def test_the_comparison_shows_wall_clock_beside_scenario_time_and_keeps_every_earlier_open_action(room, clock, home):
    store, cfg, people, start, read = room
    alice = people["alice"]

    def drill(speed: float, minutes: int, actions: list[tuple[str, str]]) -> tuple[int, list[int]]:
        incident = start(speed=speed)
        clock.advance(timedelta(minutes=minutes))
        seqs = []
        with store.write() as session:
            incidents.transition(session, incident_id=incident, to="resolved", now=clock.now(), actor=alice)
            for said, status in actions:
                seq = review.add_action(session, incident_id=incident, text_=said, owner="carol", due="2026-12-15", now=clock.now(),
                                        actor=alice, config=cfg)["seq"]
                if status != "open":
                    review.set_action_status(session, incident_id=incident, action=seq, status=status, now=clock.now(), actor=alice)
                seqs.append(seq)
        return incident, seqs

    first, (card,) = drill(1, 20, [("Put the desk's number on the card", "open")])
    second, (dns, _) = drill(4, 10, [("Test the DNS switch", "in-progress"), ("Print the ladder", "done")])
    third, _ = drill(2, 15, [("Not an earlier drill's", "open")])
    shown = run_cli("review", "--playbook", "drill-e2e", home=home.root)
    assert shown.returncode == 0, shown.stderr
    (resolve,) = [x for x in shown.stdout.splitlines() if x.startswith("  resolve ")]
    # one spelling of "scenario time (wall-clock)" everywhere (durations.scenario); a drill at speed 1 has one time
    assert [c.strip() for c in re.split(r"(?<=[✔✘])", resolve.removeprefix("  resolve"))][:3] == [
        "20m ✔", "40m scenario (10m wall-clock) ✔", "30m scenario (15m wall-clock) ✔"], resolve
    assert f"#{card:<6} (drill #{first}) open" in shown.stdout and f"#{dns:<6} (drill #{second}) in-progress" in shown.stdout
    assert "Print the ladder" not in shown.stdout and "Not an earlier drill's" not in shown.stdout
    data = json.loads(run_cli("review", "--playbook", "drill-e2e", "--json", home=home.root).stdout)
    (row,) = [m for m in data["measures"] if m["name"] == "resolve"]
    assert [(d["incident"], d["speed"], d["wall_seconds"], d["scenario_seconds"], d["result"]) for d in row["drills"]] == [
        (first, 1, 1200, 1200, "met"), (second, 4, 600, 2400, "met"), (third, 2, 900, 1800, "met")]
    assert [a["seq"] for a in data["open_actions"]] == [card, dns]


# ── the CLI: bad input is one line, exit 2, nothing recorded ───────────────────────────────────

@pytest.fixture
def cli_home(home):
    config = tomllib.loads(home.config_path.read_text())
    config.pop("people", None)
    for supplier in config["suppliers"]:
        for f in supplier.get("fallbacks", []):
            f["owner"] = ME
    home.config_path.write_text(tomli_w.dumps(config))
    write_playbooks(home)
    drill = run_cli("incident", "start", "drill-e2e", "--drill", "--speed", "4", home=home.root)
    live = run_cli("incident", "start", "bare", home=home.root)
    assert drill.returncode == 0 and live.returncode == 0, drill.stderr + live.stderr
    return home, drill.stdout.strip(), live.stdout.strip()


def count_events(home) -> int:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM event").fetchone()[0]
    finally:
        connection.close()


@pytest.mark.parametrize("args,message", [
    (("drill", "inject", "999", "--message", "x"), "no incident #999"),
    (("drill", "inject", "{drill}", "--fault", "nlcloud"), "write SUPPLIER=MODE"),
    (("drill", "inject", "{drill}", "--fault", "=down"), "write SUPPLIER=MODE"),
    (("drill", "inject", "{drill}", "--fault", "nosuch=down"), "no supplier 'nosuch' in warroom.toml"),
    (("drill", "inject", "{drill}", "--fault", "nlcloud=broken"), "'broken' is not a simulator mode"),
    (("drill", "inject", "{drill}", "--fault", "nlcloud=down"), "this home names no simulator"),
    (("drill", "inject", "{drill}"), "an inject needs --message TEXT or --fault SUPPLIER=MODE"),
    (("drill", "inject", "{live}", "--message", "x"), "is live, not a drill"),
    (("drill", "inject", "abc", "--message", "x"), "'abc' is not a number"),
    (("drill", "fire", "{drill}", "9"), "has no inject 9 (injects 1 to 2)"),
    (("drill", "hold", "{drill}", "0"), "is not an inject number"),
    (("drill", "skip", "999", "1"), "no incident #999"),
    (("drill", "msel", "{live}"), "is live, not a drill: it has no MSEL"),
    (("drill", "msel", "999"), "no incident #999"),
    (("incident", "start", "drill-e2e", "--speed", "5"), "--speed is for drills only"),
    (("incident", "start", "drill-e2e", "--drill", "--speed", "0"), "out of range"),
    (("incident", "start", "drill-e2e", "--drill", "--speed", "nan"), "'nan' is not a number"),
    (("incident", "start", "drill-e2e", "--drill", "--speed", "1e999"), "is not a number"),
    (("incident", "start", "drill-e2e", "--drill", "--speed", "99999"), "out of range"),
    (("review", "999"), "no incident #999"),
    (("review",), "give an incident ID or --playbook"),
    (("review", "--playbook", "nosuch"), "no drill of playbook 'nosuch'"),
    (("review", "{drill}", "observe", "strength", "Calm"), "tie the observation to one target (--target) or one step (--step)"),
    (("review", "{drill}", "observe", "strength", "Calm", "--step", "nosuch"), "has no step 'nosuch'"),
    (("review", "{drill}", "observe", "praise", "Calm", "--step", "confirm"), "'praise' is not one of"),
    (("review", "{drill}", "action", "Fix it", "--owner", "carol", "--due", "tomorrow"), "'tomorrow' is not a date"),
    (("review", "{drill}", "action", "Fix it", "--due", "2026-12-01"), "Missing option '--owner'"),
    (("review", "{drill}", "action", "Fix it", "--owner", "carol", "--due", "2026-1-5"), "'2026-1-5' is not a date (write YYYY-MM-DD"),
    (("review", "{drill}", "action", "Fix it", "--owner", "carol", "--due", "20261215"), "'20261215' is not a date"),
    (("review", "{drill}", "action", "Fix it", "--owner", "carol", "--due", "2026-02-30"), "'2026-02-30' is not a date"),
    (("review", "{drill}", "action", "Fix it", "--owner", "carol", "--due", "2020-01-01"), "due date 2020-01-01 is before incident #"),
    (("review", "{drill}", "observe", "strength", "Calm", "--target", "stabilise_within"),
     "sets no stabilise_within (its targets: acknowledge_within, fallback_within, resolve_within)"),
    (("review", "{drill}", "action-status", "1", "done"), "#1 is not a corrective action of incident"),
    (("review", "observe", "strength", "x"), "'observe' is not a number"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input_to_the_drill_and_review_commands_is_one_line_exit_2_and_records_nothing(cli_home, args, message):
    home, drill, live = cli_home
    before = count_events(home)
    result = run_cli(*(a.format(drill=drill, live=live) for a in args), home=home.root)
    assert_clean_failure(result, 2)
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 4 and not result.stdout  # click's usage errors add their usage and hint lines
    assert count_events(home) == before


def test_a_corrective_actions_owner_is_a_person_of_the_war_room(home):
    """With [people] set, the owner must be one of them (the refusal names them); nothing is recorded."""
    config = tomllib.loads(home.config_path.read_text())
    config["people"][ME] = {"name": "Me", "role": "commander"}
    home.config_path.write_text(tomli_w.dumps(config))
    write_playbooks(home)
    drill = run_cli("incident", "start", "drill-e2e", "--drill", home=home.root)
    assert drill.returncode == 0, drill.stderr
    before = count_events(home)
    refused = run_cli("review", drill.stdout.strip(), "action", "Fix it", "--owner", "carl", "--due", "2030-01-01", home=home.root)
    assert_clean_failure(refused, 2)
    people = ", ".join(sorted(config["people"]))
    assert f"--owner 'carl' is not in [people] of warroom.toml (people: {people})" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and count_events(home) == before
    ok = run_cli("review", drill.stdout.strip(), "action", "Fix it", "--owner", "carol", "--due", "2030-01-01", home=home.root)
    assert ok.returncode == 0, ok.stderr


def test_actions_recorded_before_the_checks_still_read_as_they_were(room, clock):
    """An owner nobody in [people] now and a due date no longer accepted stay in the plan as written."""
    store, cfg, people, start, read = room
    incident = start()
    with store.write() as session:
        old = eventlog.append(session, at=clock.now(), kind="review.action", actor="alice", origin=ORIGIN, incident_id=incident,
                              object=f"incident:{incident}/review", summary="corrective action",
                              data={"text": "Call the desk", "owner": "bob", "due": "2026-1-5", "status": "open"})
        review.set_action_status(session, incident_id=incident, action=old["seq"], status="in-progress", now=clock.now(), actor=people["alice"])
    (action,) = read(incident).actions
    assert (action.owner, action.due, action.status) == ("bob", "2026-1-5", "in-progress")


def test_the_review_commands_record_observations_and_actions_and_show_them(cli_home):
    home, drill, live = cli_home
    ok = [run_cli("review", drill, "observe", "strength", "Calm handover", "--step", "confirm", home=home.root),
          run_cli("review", drill, "action", "Add the desk's number", "--owner", "carol", "--due", "2026-12-15", home=home.root)]
    assert [r.returncode for r in ok] == [0, 0], [r.stderr for r in ok]
    action = ok[1].stdout.strip()
    assert run_cli("review", drill, "action-status", action, "in-progress", home=home.root).returncode == 0
    again = run_cli("review", drill, "action-status", action, "in-progress", home=home.root)  # a no-op: refused, nothing logged
    assert again.returncode == 2 and f"#{action} is in-progress already" in again.stderr and len(again.stderr.splitlines()) == 1, again.stderr
    events = json.loads(run_cli("incident", "show", drill, "--json", home=home.root).stdout)["events"]
    assert [e["kind"] for e in events].count("review.action.status") == 1
    shown = run_cli("review", drill, home=home.root)
    assert shown.returncode == 0 and "strength     (step confirm) Calm handover" in shown.stdout
    assert f"#{action:<6} in-progress  carol, due 2026-12-15: Add the desk's number" in shown.stdout
    assert "4× faster" in shown.stdout and "scenario time" in shown.stdout
    data = json.loads(run_cli("review", drill, "--json", home=home.root).stdout)
    assert data["actions"][0]["status"] == "in-progress" and data["observations"][0]["step"] == "confirm"
    compared = run_cli("review", "--playbook", "drill-e2e", home=home.root)
    assert compared.returncode == 0 and f"#{drill}" in compared.stdout
    assert "No corrective action of an earlier drill is open" in compared.stdout  # its own actions are not an earlier drill's


# ── drills never leak into live work ───────────────────────────────────────────────────────────

@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked-for-drills"])
def test_a_drill_pages_only_targets_marked_for_drills_and_every_message_says_drill(room, clock, home, marked):
    store, cfg, people, start, read = room
    cfg = cfg.model_copy(update={"notify": {**cfg.notify, "duty-officer": cfg.notify["duty-officer"].model_copy(
        update={"webhook": "http://127.0.0.1:9/hook", "drills": marked})}})
    from warroom.services import outbox

    drill, live = start(), start(mode="live")
    clock.advance(timedelta(minutes=2))
    with store.read() as session:
        due = [d for d in escalation.pending(session) if d.kind == "escalation"]
    for deadline in due:
        with store.write() as session:
            escalation.fire(session, deadline, now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN)
    with store.read() as session:
        messages = {json.loads(m.payload)["incident"]["id"]: json.loads(m.payload) for m in outbox.due(session, clock.now())}
    assert messages[live]["drill"] is False and not messages[live]["summary"].startswith("[DRILL]")
    if marked:
        assert messages[drill]["drill"] is True and messages[drill]["summary"].startswith("[DRILL] L1 due")
    else:
        assert drill not in messages


def test_the_facilitator_holds_an_inject_and_fires_it_by_hand_once(cli_home):
    home, drill, live = cli_home
    ok = run_cli("drill", "hold", drill, "1", home=home.root)
    assert ok.returncode == 0, ok.stderr
    msel = json.loads(run_cli("drill", "msel", drill, "--json", home=home.root).stdout)
    assert [(r["n"], r["state"]) for r in msel["injects"]] == [(1, "held"), (2, "upcoming")]
    fired = run_cli("drill", "fire", drill, "1", home=home.root)
    assert fired.returncode == 0, fired.stderr
    msel = json.loads(run_cli("drill", "msel", drill, "--json", home=home.root).stdout)
    assert msel["injects"][0]["state"] == "fired" and msel["injects"][0]["actual_at"]
    before = count_events(home)
    for verb in ("fire", "skip", "hold"):
        again = run_cli("drill", verb, drill, "1", home=home.root)
        assert_clean_failure(again, 2)
        assert "inject 1 was already fired" in again.stderr, again.stderr
    assert count_events(home) == before


def test_a_held_inject_is_left_alone_by_the_monitor_even_when_held_after_it_looked(room, clock):
    store, cfg, people, start, read = room
    incident = start()
    clock.advance(timedelta(minutes=2))
    with store.read() as session:
        plan = drills.scripted(session, incident, 1)  # what the monitor read, just before the facilitator held it
    with store.write() as session:
        drills.hold(session, incident_id=incident, n=1, now=clock.now(), actor=people["frank"])
    with store.write() as session:
        assert drills.record(session, plan, now=clock.now(), actor=people["alice"], by_monitor=True, holder=HOLDER) is None
    with store.read() as session:
        assert drills.scripted(session, incident, 1) is None and drills.scripted(session, incident, 1, held_too=True) is not None


def test_a_compressed_drills_export_counts_its_targets_at_its_speed(room, clock):
    store, cfg, people, start, read = room
    from warroom.services import exports

    incident = start(speed=10)
    with store.read() as session:
        timeline = exports.timeline(session, incident, cfg, clock.now(), user="alice", fmt="md")
    due = {t["target"]: t["due_at"] for t in timeline.playbook["targets"]}
    assert due["acknowledge_within"] == iso(clock.now() + timedelta(seconds=30))  # 5 min of scenario time, ten times faster
    assert due["resolve_within"] == iso(clock.now() + timedelta(minutes=6))


def test_the_review_labels_wall_clock_and_scenario_time_and_an_ended_drill_did_not_reach_what_never_happened(room, clock, home):
    store, cfg, people, start, read = room
    incident = start(speed=4)  # confirm due 2 min of scenario time: 30 s of wall-clock
    clock.advance(timedelta(seconds=90))
    with store.write() as session:
        incidents.step(session, incident_id=incident, step_id="confirm", action="done", note=None, now=clock.now(), actor=people["alice"])
        incidents.transition(session, incident_id=incident, to="resolved", now=clock.now(), actor=people["alice"])
    shown = run_cli("review", str(incident), home=home.root)
    assert shown.returncode == 0, shown.stderr
    assert "confirm                  late (4m scenario (1m wall-clock) late)" in shown.stdout, shown.stdout
    assert "acknowledge              —                    not reached" in shown.stdout, shown.stdout
    measures = {m["name"]: m for m in json.loads(run_cli("review", str(incident), "--json", home=home.root).stdout)["measures"]}
    assert measures["acknowledge"]["result"] == measures["fallback"]["result"] == "not reached"
    assert measures["resolve"]["result"] == "met"  # 90 s × 4 = 6 min, within the hour


def test_an_injects_failed_fault_is_read_from_its_own_event_and_from_injects_recorded_before_that(room, home, clock):
    """An inject is recorded before its fault is set; a fault the simulator did not take is a
    later `drill.inject_failed`. Injects recorded before that existed carry `error` themselves (as
    written then, hash and all): the MSEL, the review and the drill marks read both alike."""
    from warroom.services import drillmarks

    store, cfg, people, start, read = room
    incident = start()
    old_error = "the simulator at http://127.0.0.1:9 did not answer"
    with store.write() as session:  # exactly as drills.record wrote a failed fault before
        old = eventlog.append(session, at=clock.now(), kind="drill.inject", actor="alice", origin={}, incident_id=incident,
                              object=f"incident:{incident}/inject:ad-hoc", result=f"failed: {old_error}",
                              summary=f"[DRILL] ad-hoc inject by Alice: simulated nlcloud NOT set down: {old_error}",
                              data={"inject": None, "message": None, "fault": {"supplier": "nlcloud", "mode": "down"}, "expect": None,
                                    "planned_at": None, "late_seconds": None, "error": old_error})
        assert drillmarks.read(session).holders() == {}
    clock.advance(timedelta(seconds=5))
    plan = fault_plan(incident, "paybank", "down")
    with store.write() as session:
        new = record_fault(session, incident, "paybank", "down", now=clock.now(), actor=people["alice"])
        assert "error" not in new["data"] and drillmarks.read(session).holders() == {"paybank": incident}  # held from the moment it is recorded
    with store.write() as session:
        failed = drills.record_failed(session, plan, new, error="refused: HTTP 500", now=clock.now(), actor=people["alice"], by_monitor=False)
        assert failed["data"] == {"inject": None, "inject_seq": new["seq"], "fault": {"supplier": "paybank", "mode": "down"}, "error": "refused: HTTP 500"}
        assert drills.record_failed(session, plan, new, error="again", now=clock.now(), actor=people["alice"], by_monitor=False) is None  # once
        assert drillmarks.read(session).holders() == {}  # it did not take: nothing is held
    clock.advance(timedelta(seconds=5))
    with store.write() as session:
        took = record_fault(session, incident, "eidgate", "down", now=clock.now(), actor=people["alice"])
        assert drillmarks.read(session).holders() == {"eidgate": incident}
    with store.read() as session:
        msel = drills.msel(session, incident_id=incident, actor=people["alice"], now=clock.now())
    assert [(r.fault, r.error) for r in msel.injects if r.n is None] == [("nlcloud=down", old_error), ("paybank=down", "refused: HTTP 500"),
                                                                          ("eidgate=down", None)]
    assert [(i.seq, i.error) for i in read(incident).injects] == [(old["seq"], old_error), (new["seq"], "refused: HTTP 500"), (took["seq"], None)]
    result = run_cli("review", str(incident), home=home.root)
    assert result.returncode == 0 and f"FAULT FAILED: {old_error}" in result.stdout and "FAULT FAILED: refused: HTTP 500" in result.stdout
