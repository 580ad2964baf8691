"""Drills (issue 12): a compressed drill run by a real monitor against the real simulator, its
injects fired once at their time (late ones saying how late, across a monitor killed mid-drill),
the facilitator's script kept from the players, and the after-action review's numbers checked
against times this test computes from the events itself."""

from __future__ import annotations

import json
import signal
import sqlite3
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import tomli_w

from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from tests.helpers import record_fault, use_simulator
from warroom import identity
from warroom.clock import parse_iso
from warroom.demo import demo_config

ME = identity.os_user()
SPEED = 60

DRILL = {
    "id": "drill-e2e", "title": "Drill end to end", "fallbacks": ["secondary-dc"],
    "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "targets": {"acknowledge_within": "5m", "fallback_within": "10m", "resolve_within": "1h"},
    "steps": [{"id": "confirm", "title": "Confirm", "due": "2m"}, {"id": "assess", "title": "Assess", "due": "30m"},
              {"id": "inform", "title": "Inform"}],
    "escalation": [{"after": "1m", "notify": ["duty-officer"], "message": "drill opened"}],
    "decisions": [{"id": "failover", "question": "Fail over?", "by": "20m"}],
    "drill": {"injects": [
        {"at": "1m", "message": "Press office: journalists are calling", "expect": "confirm"},
        {"at": "2m", "fault": {"supplier": "nlcloud", "mode": "down"}, "expect": "failover"},
    ]},
}


@pytest.fixture
def drill_home(tmp_path, simulator, clock):
    from warroom.services import homes

    port = int(simulator.rsplit(":", 1)[1])
    home = homes.create(tmp_path / "home", clock=clock, actor=ME, origin={}, config_text=demo_config(port, interval="1s", commander=ME))
    (home.playbooks_dir / "drill-e2e.toml").write_text(tomli_w.dumps(DRILL))
    return home


def cli(home, *args) -> str:
    result = run_cli(*args, home=home.root)
    assert result.returncode == 0, f"{args}: {result.stderr}"
    return result.stdout.strip()


def rows(home, kind: str | None = None) -> list[dict]:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        found = connection.execute("SELECT seq, at, kind, actor, summary, data, incident_id FROM event ORDER BY seq").fetchall()
    finally:
        connection.close()
    out = [{"seq": s, "at": parse_iso(t), "kind": k, "actor": a, "summary": m, "data": json.loads(d), "incident": i}
           for s, t, k, a, m, d, i in found]
    return [r for r in out if kind is None or r["kind"] == kind]


def modes(simulator: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{simulator}/_control", timeout=5) as response:
        return json.loads(response.read())


def test_a_compressed_drill_end_to_end_with_a_real_monitor_and_the_real_simulator(drill_home, simulator, monitors):
    home = drill_home
    monitors(home)
    wait_for(lambda: any(r["data"].get("supplier") == "nlcloud" and r["data"].get("to") == "up" for r in rows(home, "supplier.state")),
             what="the monitor to see nlcloud up")
    incident = int(cli(home, "incident", "start", "drill-e2e", "--drill", "--speed", str(SPEED)))
    shown = json.loads(cli(home, "incident", "show", str(incident), "--json"))
    assert shown["incident"]["speed"] == SPEED and shown["incident"]["mode"] == "drill"

    # Both injects fire, each once: the message reaches the timeline, the fault breaks nlcloud for real.
    injects = wait_for(lambda: len(rows(home, "drill.inject")) == 2 and rows(home, "drill.inject"), timeout=30, what="both injects")
    message, fault = injects
    assert message["data"]["message"] == "Press office: journalists are calling" and message["actor"] == "system"
    assert fault["data"]["fault"] == {"supplier": "nlcloud", "mode": "down"} and "error" not in fault["data"]
    wait_for(lambda: modes(simulator)["nlcloud"] == "down", what="the fault set (after its inject is recorded)")
    down = wait_for(lambda: [r for r in rows(home, "supplier.state") if r["data"].get("supplier") == "nlcloud" and r["data"]["to"] == "down"],
                    timeout=30, what="the monitor to record nlcloud down")
    timeline = json.loads(cli(home, "incident", "show", str(incident), "--json"))["events"]
    assert [e["seq"] for e in timeline if e["kind"] == "drill.inject"] == [message["seq"], fault["seq"]]
    assert down[0]["seq"] in [e["seq"] for e in timeline]  # the supplier's fall is in the drill's timeline

    # The team responds.
    cli(home, "step", str(incident), "confirm", "done")
    wait_for(lambda: rows(home, "escalation.due"), timeout=30, what="L1 to fire")
    cli(home, "escalation", "ack", str(incident), "1")
    cli(home, "fallback", "activate", str(incident), "secondary-dc", "--reason", "drill: NLCloud down")
    cli(home, "log", str(incident), "Fail over to Groningen", "--decision", "failover")
    cli(home, "step", str(incident), "assess", "skip", "--note", "no time")
    cli(home, "incident", "resolve", str(incident))

    # Resolving heals what the drill broke, and says so.
    wait_for(lambda: rows(home, "drill.healed"), timeout=30, what="the drill's fault to be healed")
    assert modes(simulator)["nlcloud"] == "up"
    assert len(rows(home, "drill.inject")) == 2  # each inject fired exactly once

    review = json.loads(cli(home, "review", str(incident), "--json"))
    events = rows(home)
    opened = next(e for e in events if e["kind"] == "incident.opened")["at"]

    def first(kind, **data):
        return next(e for e in events if e["kind"] == kind and all(e["data"].get(k) == v for k, v in data.items()))

    def seconds(a, b):
        return (b - a).total_seconds()

    measures = {m["name"]: m for m in review["measures"]}
    for name, event, target in [("acknowledge", first("escalation.acknowledged"), 300),
                                ("fallback:secondary-dc", first("fallback.activated"), 600),
                                ("resolve", first("incident.resolved"), 3600)]:
        wall = seconds(opened, event["at"])
        assert measures[name]["seconds"] == pytest.approx(wall, abs=0.002), name
        assert measures[name]["scenario_seconds"] == pytest.approx(wall * SPEED, abs=0.2), name
        assert measures[name]["result"] == ("met" if wall * SPEED <= target else "missed"), name
        assert measures[name]["by_seconds"] == pytest.approx(abs(target - wall * SPEED), abs=0.2), name
        assert measures[name]["source"] == event["seq"]
    assert measures["stabilise"]["result"] == "no target"
    assert review["speed"] == SPEED and review["scenario_seconds"] == pytest.approx(review["wall_seconds"] * SPEED, abs=0.2)
    assert review["wall_seconds"] == pytest.approx(seconds(opened, first("incident.resolved")["at"]), abs=0.002)

    steps = {s["id"]: s for s in review["steps"]}
    confirmed = first("step.done", step="confirm")["at"]
    confirm_due = opened + timedelta(minutes=2) / SPEED
    assert steps["confirm"]["result"] == ("on time" if confirmed <= confirm_due else "late")
    assert steps["assess"]["result"] == "skipped" and steps["inform"]["result"] == "untouched"
    (decision,) = review["decisions"]
    assert decision["made"] and decision["seq"] == first("decision.logged", decision="failover")["seq"]

    answered_confirm, answered_failover = first("step.done", step="confirm"), first("decision.logged", decision="failover")
    by_seq = {i["seq"]: i for i in review["injects"]}
    for inject, answer in ((message, answered_confirm), (fault, answered_failover)):
        result = by_seq[inject["seq"]]
        # The team's first move after both injects was confirming: the first response to each.
        assert result["first_response_seq"] == answered_confirm["seq"]
        assert result["first_response_seconds"] == pytest.approx(seconds(inject["at"], answered_confirm["at"]), abs=0.002)
        assert result["expect_seq"] == answer["seq"]
        assert result["expect_seconds"] == pytest.approx(seconds(inject["at"], answer["at"]), abs=0.002)
    (level,) = review["escalations"]
    fired, acked = first("escalation.due"), first("escalation.acknowledged")
    assert level["fired_at"] is not None and level["acked_by"] == ME
    assert level["ack_seconds"] == pytest.approx(seconds(fired["at"], acked["at"]), abs=0.002)

    # The register learns: exercised by this drill, with its result and note.
    cli(home, "fallback", "deactivate", str(incident), "secondary-dc", "--result", "partial", "--reason", "DNS switch took 4 minutes")
    register = {r["id"]: r for r in json.loads(cli(home, "fallbacks", "--json"))}
    exercised = register["secondary-dc"]["last_exercised"]
    assert exercised["incident"] == incident and exercised["mode"] == "drill" and exercised["result"] == "partial"
    assert exercised["note"] == "DNS switch took 4 minutes" and not register["secondary-dc"]["never_exercised"]
    assert f"(drill #{incident}, partial: DNS switch took 4 minutes)" in cli(home, "fallbacks")
    cli(home, "incident", "close", str(incident))
    assert run_cli("verify", home=home.root).returncode == 0


def test_a_monitor_killed_mid_drill_fires_each_inject_once_and_late_ones_say_how_late(drill_home, simulator, monitors):
    home = drill_home
    playbook = dict(DRILL, id="slow-drill", drill={"injects": [
        {"at": "1m", "message": "first"}, {"at": "8m", "message": "second"}, {"at": "9m", "fault": {"supplier": "paybank", "mode": "down"}}]})
    (home.playbooks_dir / "slow-drill.toml").write_text(tomli_w.dumps(playbook))
    first = monitors(home)
    wait_for(lambda: first.said("holding the lease"), what="the first monitor to lead")
    incident = int(cli(home, "incident", "start", "slow-drill", "--drill", "--speed", str(SPEED)))
    wait_for(lambda: rows(home, "drill.inject"), timeout=30, what="the first inject")
    first.stop(signal.SIGKILL)  # mid-drill: injects 2 and 3 (8 s and 9 s in) come while no monitor runs
    opened = rows(home, "incident.opened")[0]["at"]
    wait_for(lambda: datetime.now(UTC) > opened + timedelta(seconds=12), timeout=30, what="injects 2 and 3 to pass unfired")
    assert len(rows(home, "drill.inject")) == 1
    monitors(home), monitors(home)  # two at once: still each inject once
    fired = wait_for(lambda: len(rows(home, "drill.inject")) == 3 and rows(home, "drill.inject"), timeout=40, what="the late injects")
    assert [f["data"]["inject"] for f in fired] == [1, 2, 3]
    for late in fired[1:]:
        assert late["data"]["late_seconds"] >= 3, late
        assert f"fired {round(late['data']['late_seconds'])}s late" in late["summary"], late["summary"]
    wait_for(lambda: modes(simulator)["paybank"] == "down", what="the fault set (after its inject is recorded)")
    assert rows(home, "drill.inject_failed") == []
    msel = json.loads(cli(home, "drill", "msel", str(incident), "--json"))
    assert [(r["n"], r["state"]) for r in msel["injects"]] == [(1, "fired"), (2, "fired"), (3, "fired")]
    assert msel["injects"][1]["late_seconds"] == fired[1]["data"]["late_seconds"]
    cli(home, "incident", "resolve", str(incident))
    wait_for(lambda: rows(home, "drill.healed"), timeout=30, what="paybank healed")  # its event follows the simulator call
    assert modes(simulator)["paybank"] == "up"
    assert len(rows(home, "drill.healed")) == 1 and len(rows(home, "drill.inject")) == 3


def test_a_simulator_that_does_not_answer_is_a_clear_error_and_a_logged_failure(drill_home):
    home = drill_home
    use_simulator(home, "http://127.0.0.1:9")
    incident = cli(home, "incident", "start", "drill-e2e", "--drill")
    result = run_cli("drill", "inject", incident, "--fault", "nlcloud=down", home=home.root, timeout=20)
    assert_clean_failure(result, 1)
    assert "the simulator at http://127.0.0.1:9 did not answer" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (logged,) = rows(home, "drill.inject")  # recorded before the simulator was called
    assert logged["data"]["fault"] == {"supplier": "nlcloud", "mode": "down"} and "error" not in logged["data"]
    (failed,) = rows(home, "drill.inject_failed")  # and what became of it, after
    assert failed["data"]["inject_seq"] == logged["seq"] and failed["data"]["fault"] == logged["data"]["fault"]
    assert "did not answer" in failed["data"]["error"] and "NOT set down" in failed["summary"] and failed["incident"] == int(incident)
    seq = cli(home, "drill", "inject", incident, "--message", "Still going")  # the drill goes on
    assert rows(home, "drill.inject")[-1]["seq"] == int(seq)
    # Every reader finds the error in the failure's event: the MSEL, the review, the timeline and its export.
    (adhoc, _) = json.loads(cli(home, "drill", "msel", incident, "--json"))["injects"][-2:]
    assert "did not answer" in adhoc["error"]
    (reviewed, _) = json.loads(cli(home, "review", incident, "--json"))["injects"]
    assert reviewed["seq"] == logged["seq"] and "did not answer" in reviewed["error"]
    assert "FAULT FAILED: the simulator at http://127.0.0.1:9 did not answer" in cli(home, "review", incident)
    exported = json.loads(cli(home, "export", incident, "--format", "json"))
    assert [e["seq"] for e in exported["events"] if e["kind"] == "drill.inject_failed"] == [failed["seq"]]
    from tests.test_exports import validate

    validate(exported)
    from warroom.services import drillmarks

    store = home.open_store()
    try:
        with store.read() as session:
            assert drillmarks.read(session).holders() == {}  # a fault that did not take holds nothing broken
    finally:
        store.dispose()


def test_every_bundled_playbook_carries_a_drill_script_for_a_one_hour_exercise():
    from tests.conftest import ROOT
    from warroom.config import load_config
    from warroom.home import example_config
    from warroom.playbooks.loader import load_file

    config = load_config(example_config())
    suppliers = {s.id for s in config.suppliers}
    for path in sorted((ROOT / "playbooks").glob("*.toml")):
        entry = load_file(path, path.name, config)
        assert not entry.problems and entry.playbook, entry.problems
        playbook = entry.playbook
        injects = playbook.drill.injects
        answers = {s.id for s in playbook.steps} | {d.id for d in playbook.decisions}
        times = [i.at for i in injects]
        assert len(injects) >= 5, f"{path.name}: {len(injects)} injects"
        assert times == sorted(times), f"{path.name}: injects out of order (the MSEL numbers them as written)"
        assert timedelta(minutes=40) <= times[-1] <= timedelta(hours=1), f"{path.name}: the script ends at {times[-1]}"
        assert any(i.fault and i.fault.supplier in suppliers for i in injects), f"{path.name}: no simulated supplier breaks"
        assert sum(i.expect in answers for i in injects) >= 4, f"{path.name}: too few injects say what answers them"


def test_an_inject_refused_because_the_drill_ended_meanwhile_sets_no_fault(drill_home, simulator):
    """The facilitator's inject is checked, then the drill ends before its event is written: it is
    refused, and the simulator was never called (the event comes first), so nothing is left broken."""
    from warroom.errors import BadInput
    from warroom.services import actors, commands, library

    home = drill_home
    incident = int(cli(home, "incident", "start", "drill-e2e", "--drill"))
    cfg = library.config(home)
    ctx = commands.Context(home, cfg, actors.resolve(cfg, ME, {}), datetime.now(UTC))
    ready = commands.FireInject(incident, None, "casesaas=down").prepare(ctx)  # checked
    assert modes(simulator).get("casesaas", "up") == "up"  # and not set yet
    cli(home, "incident", "resolve", str(incident))  # meanwhile
    store = home.open_store()
    try:
        with pytest.raises(BadInput, match=r"the drill ended; nothing was recorded$"):
            commands.execute(store, ready, ctx)
    finally:
        store.dispose()
    assert modes(simulator).get("casesaas", "up") == "up" and rows(home, "drill.inject") == []


def test_an_inject_fired_twice_at_once_is_not_healed_by_the_one_refused(drill_home, simulator):
    """The monitor and the facilitator fire scripted inject 2 (nlcloud down) at once: the one whose
    record is refused must not heal the fault the other recorded."""
    from warroom.services import actors, commands, library

    home = drill_home
    incident = int(cli(home, "incident", "start", "drill-e2e", "--drill"))
    cfg = library.config(home)
    ctx = commands.Context(home, cfg, actors.resolve(cfg, ME, {}), datetime.now(UTC))
    mine, theirs = (commands.FireScripted(incident, 2).prepare(ctx) for _ in range(2))
    store = home.open_store()
    try:
        commands.execute(store, theirs, ctx)
        with pytest.raises(Exception, match="nothing was recorded") as refused:
            commands.execute(store, mine, ctx)
    finally:
        store.dispose()
    assert "set up again" not in str(refused.value)
    assert modes(simulator)["nlcloud"] == "down" and len(rows(home, "drill.inject")) == 1


def test_a_heal_that_fails_for_one_drill_still_heals_another_drills_supplier(drill_home, simulator, monitors):
    """Drill A broke a supplier since renamed in warroom.toml (the simulator cannot be told to heal
    it); drill B broke casesaas. A's failure is reported and retried; B's supplier is healed."""
    from warroom.services import actors, drills, library

    home = drill_home
    first = int(cli(home, "incident", "start", "drill-e2e", "--drill"))
    cfg = library.config(home)
    store = home.open_store()
    try:
        with store.write() as session:
            record_fault(session, first, "retired-supplier", "down", now=datetime.now(UTC), actor=actors.resolve(cfg, ME, {}))
        cli(home, "incident", "resolve", str(first))
        second = int(cli(home, "incident", "start", "drill-e2e", "--drill"))
        cli(home, "drill", "inject", str(second), "--fault", "casesaas=down")
        cli(home, "incident", "resolve", str(second))
        assert modes(simulator)["casesaas"] == "down"
        monitor = monitors(home)
        healed = wait_for(lambda: rows(home, "drill.healed"), timeout=30, what="drill B's supplier healed")
        assert [(h["incident"], h["data"]["supplier"]) for h in healed] == [(second, "casesaas")]
        assert modes(simulator)["casesaas"] == "up"
        wait_for(lambda: monitor.said("simulated retired-supplier could not be healed"), timeout=10, what="A's failure reported")
        with store.read() as session:
            found = drills.unhealed(session)
            assert found.pending == [(first, "retired-supplier")]  # still to heal: tried again each round
            assert {i for i, _ in found.settled} == {second}
            assert drills.unhealed(session, found.settled).settled == set()  # settled drills are not read again
    finally:
        store.dispose()


# ── drills never leak into live work ───────────────────────────────────────────────────────────

LIVE = dict(DRILL, id="live-nlcloud", title="NLCloud down for real", trigger={"supplier": "nlcloud", "state": "down", "for": "1s"},
            drill={"injects": []})
EXERCISE = {**{k: v for k, v in DRILL.items() if k != "trigger"}, "id": "exercise", "title": "An exercise that breaks NLCloud",
            "drill": {"injects": []}}


def supplier_row(home, supplier: str) -> dict:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        state, since, checked = connection.execute("SELECT state, since, checked_at FROM supplier_state WHERE supplier_id = ?", (supplier,)).fetchone()
    finally:
        connection.close()
    return {"state": state, "since": parse_iso(since), "checked_at": parse_iso(checked)}


@pytest.mark.timeout(600)  # fifteen CLI runs beside a monitor: minutes on a loaded machine
def test_a_drill_fault_on_a_live_incidents_supplier_never_reaches_the_live_incident(drill_home, simulator, monitors):
    """A live incident watches nlcloud; a drill breaks nlcloud in the simulator. The monitor records
    the fall and the recovery marked with the drill's id; the live incident's timeline, export and
    report draft leave them out, as do the availability history, the risk view and the playbook
    suggestions; the drill's own export keeps them. nlcloud's checks wait a minute and know no
    "slow": a loaded machine cannot make it fall for real, so the leak checks always run."""
    import tomlkit

    home = drill_home
    document = tomlkit.parse(home.config_path.read_text())
    for check in next(s for s in document["suppliers"] if s["id"] == "nlcloud")["checks"]:
        check["timeout"] = "60s"
        check.pop("degraded_ms", None)
    home.config_path.write_text(tomlkit.dumps(document))
    for playbook in (LIVE, EXERCISE):
        (home.playbooks_dir / f"{playbook['id']}.toml").write_text(tomli_w.dumps(playbook))
    monitors(home)
    first_up = wait_for(lambda: next((r for r in rows(home, "supplier.state") if r["data"].get("supplier") == "nlcloud" and r["data"].get("to") == "up"),
                                     None), timeout=90, what="the monitor to see nlcloud up")

    def nlcloud(status):
        return next(s for s in status["suppliers"] if s["id"] == "nlcloud")

    before = nlcloud(json.loads(cli(home, "status", "--json")))
    risks_before = {r["id"]: r for r in json.loads(cli(home, "risks", "--json"))["suppliers"]}
    live = int(cli(home, "incident", "start", "live-nlcloud"))
    drill = int(cli(home, "incident", "start", "exercise", "--drill"))
    cli(home, "drill", "inject", str(drill), "--fault", "nlcloud=down")

    down = wait_for(lambda: [r for r in rows(home, "supplier.state") if r["data"].get("supplier") == "nlcloud" and r["data"]["to"] == "down"],
                    timeout=90, what="the monitor to record nlcloud down")[0]
    assert down["data"]["drill"] == drill and down["summary"].startswith(f"[DRILL #{drill}] ")
    assert down["data"]["alarm"] is False
    status = json.loads(cli(home, "status", "--json"))
    assert nlcloud(status)["state"] == "down" and nlcloud(status)["drill"] == drill  # the board's state, said to be a drill's
    assert all("drill" not in s for s in status["suppliers"] if s["id"] != "nlcloud")
    assert f"down DRILL #{drill}" in cli(home, "status")
    # The live playbook's trigger (nlcloud down for 1 s) holds for several rounds: it suggests nothing.
    wait_for(lambda: supplier_row(home, "nlcloud")["checked_at"] > down["at"] + timedelta(seconds=3), timeout=90,
             what="three more rounds of nlcloud down")
    assert rows(home, "playbook.suggested") == []

    cli(home, "incident", "resolve", str(drill))
    healed = wait_for(lambda: rows(home, "drill.healed"), timeout=90, what="the drill's fault healed")[0]
    recovered = wait_for(lambda: [r for r in rows(home, "supplier.state")
                                  if r["data"].get("supplier") == "nlcloud" and r["seq"] > healed["seq"] and r["data"]["to"] == "up"],
                         timeout=90, what="nlcloud to recover")[0]
    assert recovered["data"]["drill"] == drill and "DRILL" in recovered["summary"]  # the recovery from a drill's fault is the drill's too
    marked = {r["seq"] for r in rows(home, "supplier.state") if r["data"].get("drill") == drill}
    assert {down["seq"], recovered["seq"]} <= marked

    exported = json.loads(cli(home, "export", str(live), "--format", "json"))
    assert not marked & {e["seq"] for e in exported["events"]}
    assert not [e for e in exported["events"] if "DRILL" in e["summary"]]
    draft = cli(home, "export", str(live), "--format", "report", "--obligation", "nis2-early-warning")
    assert "DRILL" not in draft and not any(f"(#{seq})" in draft for seq in marked)
    own = json.loads(cli(home, "export", str(drill), "--format", "json"))
    assert marked <= {e["seq"] for e in own["events"] if e["kind"] == "supplier.state"}  # the drill's own export keeps them

    risks_after = {r["id"]: r for r in json.loads(cli(home, "risks", "--json"))["suppliers"]}
    after = nlcloud(json.loads(cli(home, "status", "--json")))
    # Every change of nlcloud since it was first up is the drill's: nothing real to tell apart.
    real = [(r["seq"], r["data"]["to"]) for r in rows(home, "supplier.state")
            if r["data"].get("supplier") == "nlcloud" and "drill" not in r["data"] and r["seq"] > first_up["seq"]]
    assert real == []
    for window in ("24h", "30d", "90d"):
        then, now = before["availability"][window], after["availability"][window]
        assert now["exercised_seconds"] == pytest.approx((recovered["at"] - down["at"]).total_seconds(), abs=0.01), window
        assert now["outages"] == then["outages"] == 0, window
        assert now["down_seconds"] == then["down_seconds"] == 0 and now["uptime"] == then["uptime"] == 100, window
    assert "drill" not in after

    def factors(ranked):
        return {f["factor"]: f["points"] for f in ranked["factors"]}

    assert factors(risks_after["nlcloud"]) == factors(risks_before["nlcloud"])
    assert run_cli("verify", home=home.root).returncode == 0


LADDER = {
    "id": "ladder", "title": "A ladder of two", "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "steps": [{"id": "confirm", "title": "Confirm", "due": "1m"}],
    "escalation": [{"after": "0m", "notify": ["duty-officer"]}, {"after": "1m", "notify": ["duty-officer", "cio"]}],
}


@pytest.fixture
def ladder_home(home, clock):
    """Webhooks on the duty officer (not marked for drills) and the CIO (marked); a drill and a live
    incident of the same two-level ladder, both levels fired and the confirm step late."""
    import tomllib

    from tests.test_incidents import configure
    from warroom.services import actors, escalation, incidents, lease, library

    configure(home)
    config = tomllib.loads(home.config_path.read_text())
    config["notify"]["duty-officer"]["webhook"] = "http://127.0.0.1:9/duty"
    config["notify"]["cio"].update({"webhook": "http://127.0.0.1:9/cio", "drills": True})
    home.config_path.write_text(tomli_w.dumps(config))
    (home.playbooks_dir / "ladder.toml").write_text(tomli_w.dumps(LADDER))
    cfg = library.config(home)
    store = home.open_store()
    me = actors.resolve(cfg, ME, {})
    with store.write() as session:
        lease.take(session, holder="t", now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(days=1), origin={})
        playbook = library.find(home, cfg, "ladder")
        drill = incidents.start(session, playbook=playbook, mode="drill", now=clock.now(), actor=me).id
        live = incidents.start(session, playbook=playbook, mode="live", now=clock.now(), actor=me).id
    clock.advance(timedelta(minutes=2))
    with store.read() as session:
        due = escalation.pending(session, cfg)
    for deadline in sorted(due, key=lambda d: (d.incident_id, d.due_at)):
        with store.write() as session:
            escalation.fire(session, deadline, now=clock.now(), config=cfg, holder="t", origin={})
    yield home, cfg, store, drill, live
    store.dispose()


def test_a_drills_escalation_names_and_notifies_only_targets_marked_for_drills(ladder_home, clock):
    from warroom.services import exports, health, incidents, outbox

    home, cfg, store, drill, live = ladder_home
    fired = {(e["incident"], e["data"].get("level") or e["data"].get("step")): e for e in rows(home) if e["kind"] in ("escalation.due", "step.overdue")}
    assert fired[(drill, 1)]["summary"].startswith("[DRILL] L1 due: no drill targets to notify") and fired[(drill, 1)]["data"]["notify"] == []
    assert fired[(drill, 2)]["summary"].startswith("[DRILL] L2 due: notify Chief Information Officer (") and fired[(drill, 2)]["data"]["notify"] == ["cio"]
    assert fired[(drill, "confirm")]["data"]["notify"] == ["cio"]  # late work goes to the level reached: its drill targets
    assert "Duty officer" in fired[(live, 1)]["summary"] and fired[(live, 2)]["data"]["notify"] == ["duty-officer", "cio"]
    with store.read() as session:
        pages = [(json.loads(m.payload)["incident"]["id"], m.target) for m in outbox.due(session, clock.now())]
        shown = incidents.show(session, drill, cfg, clock.now())
        status = health.status(session, cfg, clock.now())
        exported = exports.timeline(session, drill, cfg, clock.now(), user=ME, fmt="md").state
    assert {t for i, t in pages if i == drill} == {"cio"} and {t for i, t in pages if i == live} == {"duty-officer", "cio"}
    assert [(level.notify, len(level.contacts)) for level in shown.ladder] == [((), 0), (("cio",), 1)]
    owed = next(i for i in status.incidents if i.id == drill).fired_unacknowledged
    assert [level.notify for level in owed] == [(), ("cio",)]  # the board's "ack (…)": no one who is not playing
    assert [level["notify"] for level in exported["ladder"]] == [[], ["cio"]]
    assert [[c["id"] for c in level["contacts"]] for level in exported["ladder"]] == [[], ["cio"]]
    text = cli(home, "incident", "show", str(drill))
    assert "no drill targets" in text and "duty-officer" not in text
    assert "Duty officer" not in cli(home, "export", str(drill), "--format", "html") and "no drill targets" in cli(home, "export", str(drill), "--format", "html")


def test_every_export_of_a_drill_says_drill(ladder_home):
    import csv
    import io

    home, cfg, store, drill, live = ladder_home
    cli(home, "step", str(drill), "confirm", "done", "--note", "by phone")  # a person's event: its summary does not say DRILL
    for fmt, says in (("md", f"#{drill}: A ladder of two (DRILL)"), ("html", ">DRILL<"), ("sitrep", "**DRILL (exercise)**")):
        assert says in cli(home, "export", str(drill), "--format", fmt), fmt
    draft = cli(home, "export", str(drill), "--format", "report", "--obligation", "nis2-early-warning")
    assert "# DRAFT [DRILL] " in draft and "This is a DRILL: do not send it" in draft
    table = list(csv.reader(io.StringIO(cli(home, "export", str(drill), "--format", "csv").lstrip("\ufeff"))))
    assert len(table) > 3 and all("DRILL" in row[4] for row in table[1:]), [row[4] for row in table[1:]]
    lives = list(csv.reader(io.StringIO(cli(home, "export", str(live), "--format", "csv").lstrip("\ufeff"))))
    assert not any("DRILL" in row[4] for row in lives[1:])


def test_a_heal_the_simulator_does_not_answer_is_in_the_drills_timeline_once(drill_home, monitors):
    """The simulator is gone when the drill ends: the monitor records `drill.heal_failed` with the
    error in the drill's timeline (once, not every round), keeps trying, and the export with it
    verifies and fits the export schema."""

    from tests.test_exports import validate
    from warroom.services import actors, library

    home = drill_home
    incident = int(cli(home, "incident", "start", "drill-e2e", "--drill"))
    cfg = library.config(home)
    store = home.open_store()
    try:
        with store.write() as session:  # its fault took, while the simulator answered
            record_fault(session, incident, "casesaas", "down", now=datetime.now(UTC), actor=actors.resolve(cfg, ME, {}))
    finally:
        store.dispose()
    use_simulator(home, "http://127.0.0.1:9")
    cli(home, "incident", "resolve", str(incident))
    monitor = monitors(home)
    failed = wait_for(lambda: rows(home, "drill.heal_failed"), timeout=90, what="the failed heal in the log")
    wait_for(lambda: monitor.said("could not be healed, trying again"), timeout=30, what="the monitor's own line")
    (event,) = failed
    assert event["incident"] == incident and event["data"]["supplier"] == "casesaas" and "did not answer" in event["data"]["error"]
    assert event["summary"].startswith("[DRILL] ") and "could NOT be healed" in event["summary"]
    exported = json.loads(cli(home, "export", str(incident), "--format", "json"))
    assert [e["seq"] for e in exported["events"] if e["kind"] == "drill.heal_failed"] == [event["seq"]]
    validate(exported)
    monitor.stop()
    again = monitors(home)  # a restarted monitor tries again, and says so in its own log, not in the drill's twice
    wait_for(lambda: again.said("could not be healed, trying again"), timeout=90, what="the next monitor's attempt")
    assert len(rows(home, "drill.heal_failed")) == 1 and rows(home, "drill.healed") == []
    assert run_cli("verify", home=home.root).returncode == 0


# ── an inject's fault in flight: the fall the monitor sees meanwhile is the drill's ────────────

class HoldingSimulator:
    """A real HTTP server on 127.0.0.1 in front of the real simulator: the home's `simulator`, so
    every control call passes through it (checks still go to the simulator itself). A PUT of the
    held supplier and mode is held until the test releases it: passed on at once (the fault takes
    while its answer is in flight) or only on release (`forward_first=False`). A held answer is
    chunked whitespace every half second, so the caller's read timeout never ends the wait."""

    def __init__(self, simulator: str, supplier: str, mode: str, *, forward_first: bool = True, silent: bool = False):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.arrived, self.released, self.answered = threading.Event(), threading.Event(), threading.Event()
        holding = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _forward(self, body: bytes | None) -> tuple[int, bytes]:
                request = urllib.request.Request(f"{simulator}{self.path}", data=body, method=self.command,
                                                 headers={"Content-Type": "application/json"} if body is not None else {})
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        return response.status, response.read()
                except urllib.error.HTTPError as refused:
                    return refused.code, refused.read()

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer(*self._forward(None))

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != f"/_control/{supplier}" or json.loads(body).get("mode") != mode or holding.arrived.is_set():
                    self._answer(*self._forward(body))
                    return
                answer = self._forward(body) if forward_first else None
                holding.arrived.set()
                if silent:  # no answer at all until released: the caller's read times out
                    holding.released.wait(120)
                    try:
                        self._answer(*(answer or self._forward(body)))
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    holding.answered.set()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while not holding.released.wait(0.5):  # a heartbeat, not synchronisation
                        self.wfile.write(b"1\r\n \r\n")
                        self.wfile.flush()
                    status, text = answer or self._forward(body)
                    self.wfile.write(f"{len(text):x}\r\n".encode() + text + b"\r\n0\r\n\r\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller is gone (killed)
                holding.answered.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def holding(drill_home, simulator):
    """Make a HoldingSimulator the home's simulator: holding(supplier, mode, forward_first=True)."""

    made: list[HoldingSimulator] = []

    def make(supplier: str, mode: str, *, forward_first: bool = True, silent: bool = False) -> HoldingSimulator:
        proxy = HoldingSimulator(simulator, supplier, mode, forward_first=forward_first, silent=silent)
        made.append(proxy)
        use_simulator(drill_home, proxy.url)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


def falls(home, supplier: str) -> list[dict]:
    return [r for r in rows(home, "supplier.state") if r["data"].get("supplier") == supplier and r["data"]["to"] == "down"]


@pytest.mark.timeout(300)
def test_a_fall_seen_while_an_ad_hoc_fault_is_in_flight_is_the_drills_though_the_firing_process_is_killed(drill_home, simulator, monitors, holding):
    """`drill inject --fault nlcloud=down`: the simulator takes the fault, its answer does not come,
    and the monitor confirms the fall meanwhile. Then the firing process is killed before it could
    write anything more. The fall is still the drill's: its inject was in the log before the call."""
    home = drill_home
    (home.playbooks_dir / "exercise.toml").write_text(tomli_w.dumps(EXERCISE))
    proxy = holding("nlcloud", "down")
    monitors(home)
    wait_for(lambda: any(r["data"].get("supplier") == "nlcloud" and r["data"]["to"] == "up" for r in rows(home, "supplier.state")),
             timeout=90, what="the monitor to see nlcloud up")
    drill = int(cli(home, "incident", "start", "exercise", "--drill"))
    firing = Process("--home", str(home.root), "drill", "inject", str(drill), "--fault", "nlcloud=down")
    wait_for(proxy.arrived.is_set, timeout=60, what="the inject's call to reach the simulator")
    assert modes(simulator)["nlcloud"] == "down"  # the fault took; its answer is on its way
    down = wait_for(lambda: falls(home, "nlcloud"), timeout=90, what="the monitor to record nlcloud down")[0]
    assert firing.proc.poll() is None, firing.lines  # still waiting for the simulator's answer
    firing.stop(signal.SIGKILL)
    proxy.release()

    assert down["data"].get("drill") == drill and down["summary"].startswith(f"[DRILL #{drill}] "), down
    (inject,) = rows(home, "drill.inject")
    assert inject["seq"] < down["seq"] and inject["data"]["fault"] == {"supplier": "nlcloud", "mode": "down"}
    assert rows(home, "drill.inject_failed") == []
    nlcloud = next(s for s in json.loads(cli(home, "status", "--json"))["suppliers"] if s["id"] == "nlcloud")
    assert nlcloud["drill"] == drill
    assert rows(home, "playbook.suggested") == []  # drill-e2e's trigger (nlcloud down 1 m) saw no outage

    cli(home, "incident", "resolve", str(drill))  # the recorded fault is healed as any other
    healed = wait_for(lambda: rows(home, "drill.healed"), timeout=90, what="nlcloud healed")[0]
    assert modes(simulator)["nlcloud"] == "up"
    recovered = wait_for(lambda: [r for r in rows(home, "supplier.state") if r["data"].get("supplier") == "nlcloud"
                                  and r["seq"] > healed["seq"] and r["data"]["to"] == "up"], timeout=90, what="nlcloud to recover")[0]
    assert recovered["data"].get("drill") == drill
    assert run_cli("verify", home=home.root).returncode == 0


@pytest.mark.timeout(300)
def test_a_fault_whose_answer_never_came_is_held_as_the_drills_and_healed_when_it_ends(drill_home, simulator, monitors, holding):
    """The simulator takes the fault and its answer never comes (the call times out): whether it
    landed is unknown to the drill, so it is held as if it had. The fall is marked the drill's,
    suggests nothing, and the drill's end heals the supplier; a refused call would hold nothing."""
    home = drill_home
    (home.playbooks_dir / "exercise.toml").write_text(tomli_w.dumps(EXERCISE))
    proxy = holding("nlcloud", "down", silent=True)
    monitors(home)
    wait_for(lambda: any(r["data"].get("supplier") == "nlcloud" and r["data"]["to"] == "up" for r in rows(home, "supplier.state")),
             timeout=90, what="the monitor to see nlcloud up")
    drill = int(cli(home, "incident", "start", "exercise", "--drill"))
    result = run_cli("drill", "inject", str(drill), "--fault", "nlcloud=down", home=home.root, timeout=60)
    assert result.returncode == 1 and "did not answer within" in result.stderr, result.stderr
    (failed,) = rows(home, "drill.inject_failed")
    assert failed["data"]["maybe_set"] is True and "perhaps set down" in failed["summary"]
    assert modes(simulator)["nlcloud"] == "down"  # it did land
    down = wait_for(lambda: falls(home, "nlcloud"), timeout=90, what="the monitor to record nlcloud down")[0]
    assert down["data"].get("drill") == drill and down["summary"].startswith(f"[DRILL #{drill}] "), down
    assert rows(home, "playbook.suggested") == []
    proxy.release()
    cli(home, "incident", "resolve", str(drill))
    wait_for(lambda: rows(home, "drill.healed"), timeout=90, what="nlcloud healed when the drill ended")
    assert modes(simulator)["nlcloud"] == "up"


@pytest.mark.timeout(300)
def test_a_fall_seen_while_the_monitors_scripted_fault_is_in_flight_is_the_drills(drill_home, simulator, monitors, holding):
    """The monitor fires a scripted fault inject; while the simulator's answer is held, the same
    monitor's checks confirm the fall: marked, for the inject was recorded first."""
    home = drill_home
    playbook = {**EXERCISE, "id": "scripted-fault", "drill": {"injects": [{"at": "1m", "fault": {"supplier": "paybank", "mode": "down"}}]}}
    (home.playbooks_dir / "scripted-fault.toml").write_text(tomli_w.dumps(playbook))
    proxy = holding("paybank", "down")
    monitor = monitors(home)
    wait_for(lambda: any(r["data"].get("supplier") == "paybank" and r["data"]["to"] == "up" for r in rows(home, "supplier.state")),
             timeout=90, what="the monitor to see paybank up")
    drill = int(cli(home, "incident", "start", "scripted-fault", "--drill", "--speed", str(SPEED)))  # the inject 1 s in
    wait_for(proxy.arrived.is_set, timeout=60, what="the monitor's call to reach the simulator")
    down = wait_for(lambda: falls(home, "paybank"), timeout=90, what="the monitor to record paybank down")[0]
    assert not proxy.answered.is_set()  # the monitor's own inject is still in flight
    proxy.release()
    assert down["data"].get("drill") == drill and down["summary"].startswith(f"[DRILL #{drill}] "), down
    (inject,) = rows(home, "drill.inject")
    assert inject["seq"] < down["seq"] and inject["actor"] == "system"
    wait_for(proxy.answered.is_set, timeout=30, what="the held answer to be delivered")
    assert rows(home, "drill.inject_failed") == [] and not monitor.said("NOT set")


@pytest.mark.timeout(300)
def test_a_fault_that_lands_after_its_drill_ended_and_was_healed_is_set_up_again(drill_home, simulator, monitors, holding):
    """The inject is recorded, the drill ends and the monitor heals it, and only then does the
    simulator take the fault: the firing process sets the supplier up again and says so."""
    home = drill_home
    (home.playbooks_dir / "exercise.toml").write_text(tomli_w.dumps(EXERCISE))
    proxy = holding("casesaas", "down", forward_first=False)
    monitors(home)
    drill = int(cli(home, "incident", "start", "exercise", "--drill"))
    firing = Process("--home", str(home.root), "drill", "inject", str(drill), "--fault", "casesaas=down")
    wait_for(proxy.arrived.is_set, timeout=60, what="the inject's call to reach the simulator")
    cli(home, "incident", "resolve", str(drill))
    wait_for(lambda: rows(home, "drill.healed"), timeout=90, what="the monitor to heal the recorded fault")
    proxy.release()  # the fault lands now, after the heal
    assert firing.proc.wait(timeout=60) == 0, firing.lines
    wait_for(lambda: any("the drill ended meanwhile: simulated casesaas set up again" in line for line in firing.lines), timeout=10,
             what="the firing process to say so")
    assert modes(simulator)["casesaas"] == "up"
