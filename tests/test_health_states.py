"""Pure state logic, and recording rounds against a real home (lease, events, suggestions, via, gaps)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import HTTP_DOWN, HTTP_UP  # still importable from here
from warroom.health.states import Result, confirm, observe
from warroom.services import health, lease, library
from warroom.services.views import Through
from warroom.store import eventlog

PAGE_OK = Result("statuspage", "up", 30.0, "status page: All Systems Operational", "statuspage")
PAGE_MAJOR = Result("statuspage", "down", 30.0, "status page: Partial System Outage", "statuspage")
PAGE_MAINT = Result("statuspage", "maintenance", 30.0, "status page: Service Under Maintenance", "statuspage")
PAGE_BROKEN = Result("statuspage", "unknown", None, "status page: HTTP 500", "statuspage")


def test_worst_probe_decides_and_the_status_page_can_only_make_it_worse():
    assert observe([HTTP_UP, PAGE_OK]).state == "up"
    assert observe([HTTP_DOWN, PAGE_OK]).state == "down"
    assert observe([HTTP_UP, PAGE_MAJOR]).state == "down"
    assert observe([HTTP_UP, PAGE_BROKEN]).state == "up"


def test_probe_and_status_page_disagreement_is_said_both_ways():
    assert "status page says operational; our probe sees it down" in observe([HTTP_DOWN, PAGE_OK]).disagreement
    assert "Partial System Outage; our probe sees it up" in observe([HTTP_UP, PAGE_MAJOR]).disagreement
    assert observe([HTTP_UP, PAGE_OK]).disagreement is None


def test_failures_inside_maintenance_show_as_maintenance():
    assert observe([HTTP_DOWN], maintenance_window=True).state == "maintenance"
    assert observe([HTTP_DOWN, PAGE_MAINT]).state == "maintenance"
    assert observe([HTTP_UP], maintenance_window=True).state == "up"


def test_no_flapping_on_alternating_results():
    state, candidate, streak, changes = "up", None, 0, 0
    for observed in ["down", "up"] * 10:
        step = confirm(state, candidate, streak, observed, 2)
        state, candidate, streak, changes = step.state, step.candidate, step.streak, changes + step.changed
    assert (state, changes) == ("up", 0)
    step = confirm("up", "down", 1, "down", 2)
    assert (step.state, step.changed) == ("down", True)


HOLDER = "test-monitor"
ORIGIN = {"host": "test"}


def both_down(round_, clock, *, rounds: int) -> None:
    """NLCloud and CaseFlow (hosted on it) fail together for `rounds` check rounds, 30 s apart."""
    for _ in range(rounds):
        round_("nlcloud", HTTP_DOWN)
        round_("casesaas", HTTP_DOWN)
        clock.advance(timedelta(seconds=30))


@pytest.fixture
def world(home, clock):
    store = home.open_store()
    cfg = library.config(home)
    playbooks = [e.playbook for e in library.library(home, cfg) if e.playbook]
    with store.write() as session:
        assert lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(minutes=1), origin=ORIGIN).ok

    def round_(supplier_id, *results):
        supplier = cfg.supplier(supplier_id)
        with store.write() as session:
            return health.record(session, supplier=supplier, observation=observe(list(results)), now=clock.now(),
                                 config=cfg, playbooks=playbooks, holder=HOLDER, origin=ORIGIN)

    def events(kind):
        with store.engine.connect() as connection:
            return [r for r in eventlog.records(connection) if r["kind"] == kind]

    yield store, cfg, round_, events
    store.dispose()


def test_one_event_per_real_change_after_confirmation(world, clock):
    store, cfg, round_, events = world
    round_("paybank", HTTP_UP)  # first observation is taken at once
    for observed in (HTTP_DOWN, HTTP_UP, HTTP_DOWN, HTTP_UP):  # flapping: never confirmed
        clock.advance(timedelta(seconds=30))
        round_("paybank", observed)
    clock.advance(timedelta(seconds=30))
    round_("paybank", HTTP_DOWN)
    clock.advance(timedelta(seconds=30))
    change = round_("paybank", HTTP_DOWN)
    assert change and (change.before, change.after, change.alarm) == ("up", "down", True)
    changes = [(e["data"]["from"], e["data"]["to"]) for e in events("supplier.state")]
    assert changes == [("unknown", "up"), ("up", "down")]
    assert events("supplier.state")[-1]["data"]["cause"] == "http-status"


def test_child_of_a_down_parent_is_down_via_it_without_an_alarm(world, clock):
    store, cfg, round_, events = world
    both_down(round_, clock, rounds=2)
    child = [e for e in events("supplier.state") if e["data"]["supplier"] == "casesaas"][-1]
    assert (child["data"]["to"], child["data"]["via"], child["data"]["alarm"]) == ("down", "nlcloud", False)
    assert "down via nlcloud" in child["summary"]
    with store.read() as session:
        view = health.status(session, cfg, clock.now())
    by_id = {s.id: s for s in view.suppliers}
    assert by_id["casesaas"].via == "nlcloud"
    court = next(s for s in view.services if s.id == "court-filing")
    assert court.state == "down" and Through(supplier="casesaas", state="down", via="nlcloud") in court.through


def test_playbook_suggested_once_per_episode(world, clock):
    store, cfg, round_, events = world
    for _ in range(20):  # nlcloud down for 10 minutes; the playbook's trigger says 5m
        round_("nlcloud", HTTP_DOWN)
        clock.advance(timedelta(seconds=30))
    suggested = events("playbook.suggested")
    assert [e["data"]["playbook"] for e in suggested] == ["cloud-hosting-outage"]
    for _ in range(3):
        round_("nlcloud", HTTP_UP)
        clock.advance(timedelta(seconds=30))
    for _ in range(20):  # a second outage is a second episode
        round_("nlcloud", HTTP_DOWN)
        clock.advance(timedelta(seconds=30))
    assert len(events("playbook.suggested")) == 2


def test_a_monitor_without_the_lease_records_nothing(world, clock):
    store, cfg, round_, events = world
    clock.advance(timedelta(days=2))  # the test lease has expired
    before = len(events("supplier.state"))
    with pytest.raises(lease.NotLeader):
        round_("paybank", HTTP_DOWN)
    assert len(events("supplier.state")) == before


def test_a_vacant_lease_is_recorded_as_a_monitor_gap(home, clock):
    store = home.open_store()
    ttl, gap = timedelta(seconds=10), timedelta(seconds=30)
    with store.write() as session:
        lease.take(session, holder="a", now=clock.now(), ttl=ttl, gap_after=gap, origin=ORIGIN)
    clock.advance(timedelta(seconds=5))
    with store.write() as session:
        assert not lease.take(session, holder="b", now=clock.now(), ttl=ttl, gap_after=gap, origin=ORIGIN).ok
    clock.advance(timedelta(minutes=20))
    with store.write() as session:
        assert lease.take(session, holder="b", now=clock.now(), ttl=ttl, gap_after=gap, origin=ORIGIN).fresh
    with store.engine.connect() as connection:
        gaps = [r for r in eventlog.records(connection) if r["kind"] == "monitor.gap"]
    store.dispose()
    # a was last seen alive when it took the lease: 20 min 5 s before b took over
    assert len(gaps) == 1 and gaps[0]["data"]["seconds"] == 20 * 60 + 5
    assert "no monitor ran for 20 min 5 s" in gaps[0]["summary"]


def test_latency_samples_are_pruned_after_the_retention(world, clock):
    from sqlmodel import select

    from warroom.store.models import HealthSample

    store, cfg, round_, events = world
    for _ in range(5):
        with store.write() as session:  # renewed, as the monitor does every few seconds
            lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(days=30), origin=ORIGIN)
        round_("mailco", HTTP_UP)
        clock.advance(timedelta(days=2))
    with store.write() as session:
        dropped = health.prune(session, before=clock.now() - cfg.settings.history)
    with store.read() as session:
        kept = session.exec(select(HealthSample)).all()
    assert dropped == 2 and len(kept) == 3  # samples at days 0..8, now day 10: a 7-day history keeps days 4, 6, 8


def test_a_failure_inside_a_configured_maintenance_window_is_maintenance_not_an_outage(world, clock):
    from datetime import datetime

    from warroom.health.states import in_maintenance

    store, cfg, round_, events = world
    nlcloud = cfg.supplier("nlcloud")
    during = datetime.fromisoformat("2026-12-06T23:00:00+01:00")
    clock.set(during)
    assert in_maintenance(nlcloud, clock.now())
    with store.write() as session:
        lease.take(session, holder=HOLDER, now=clock.now(), ttl=timedelta(days=1), gap_after=timedelta(days=30), origin=ORIGIN)
    with store.write() as session:
        change = health.record(session, supplier=nlcloud, observation=observe([HTTP_DOWN], maintenance_window=True),
                               now=clock.now(), config=cfg, playbooks=[], holder=HOLDER, origin=ORIGIN)
    assert change.after == "maintenance" and not change.alarm
    with store.read() as session:
        view = health.status(session, cfg, clock.now())
    assert next(s for s in view.suppliers if s.id == "nlcloud").maintenance is True


def test_a_child_stays_down_via_its_parent_while_it_recovers_after_the_parent(world, clock):
    """The parent heals first; the child's first, unconfirmed "up" check left it down with its
    `via` cleared: down on its own, so CaseFlow's own playbook was suggested and the board said
    `▼ CaseFlow SaaS down (HTTP 200)`."""
    store, cfg, round_, events = world
    both_down(round_, clock, rounds=12)  # six minutes down together: past CaseFlow's own trigger window
    for _ in range(2):  # NLCloud is confirmed up first; CaseFlow's first up check is not yet confirmed
        round_("nlcloud", HTTP_UP)
        clock.advance(timedelta(seconds=30))
    round_("casesaas", HTTP_UP)
    with store.read() as session:
        by_id = {s.id: s for s in health.status(session, cfg, clock.now()).suppliers}
    assert (by_id["nlcloud"].state, by_id["casesaas"].state, by_id["casesaas"].via) == ("up", "down", "nlcloud")
    clock.advance(timedelta(seconds=30))
    round_("casesaas", HTTP_UP)
    assert {e["data"]["playbook"] for e in events("playbook.suggested")} == {"cloud-hosting-outage"}
    child = [(e["data"]["from"], e["data"]["to"]) for e in events("supplier.state") if e["data"]["supplier"] == "casesaas"]
    assert child == [("unknown", "down"), ("down", "up")]


def test_a_child_still_down_after_its_parent_healed_is_down_on_its_own(world, clock):
    """`via` follows the parents each round: still failing once the parent is up is its own outage."""
    store, cfg, round_, events = world
    both_down(round_, clock, rounds=2)
    for _ in range(2):
        round_("nlcloud", HTTP_UP)
        clock.advance(timedelta(seconds=30))
    round_("casesaas", HTTP_DOWN)
    with store.read() as session:
        by_id = {s.id: s for s in health.status(session, cfg, clock.now()).suppliers}
    assert (by_id["casesaas"].state, by_id["casesaas"].via) == ("down", None)
