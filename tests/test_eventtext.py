"""What an event says in either language (issue 14, warroom/eventtext.py): the stored English
summary byte for byte under English, a Dutch sentence from the kind and data under Dutch for every
kind the war-room writes, the stored summary for an event of a shape it does not know, and text
people typed shown as typed."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT
from warroom import eventtext, i18n

NOT_KINDS = {"incident.id", "monitor.lock", "playbook.schema.json"}  # dotted literals of the source that name no event kind
TYPED = 'Fail over "now" <b> 🚒 \u202eevil'
NAME = "Ahmad O'Brien"

# One event of every kind, as the services write it (their f-strings, with awkward typed text).
SAMPLES: list[dict] = [
    {"kind": "incident.opened", "incident_id": 4, "summary": "DRILL: opened incident #4 from playbook cloud-outage (v3, 60× faster)",
     "data": {"playbook": "cloud-outage", "version": 3, "mode": "drill", "title": "Cloud", "snapshot_sha256": "x", "speed": 60}},
    {"kind": "incident.opened", "incident_id": 5, "summary": "LIVE: opened incident #5 from playbook cloud-outage (v3)",
     "data": {"playbook": "cloud-outage", "version": 3, "mode": "live", "title": "Cloud", "snapshot_sha256": "x"}},
    {"kind": "step.started", "incident_id": 4, "summary": "step confirm started: Call the desk", "data": {"step": "confirm", "note": None}},
    {"kind": "step.done", "incident_id": 4, "summary": f"step confirm done (4m after its due time): Call the desk — {TYPED}",
     "data": {"step": "confirm", "note": TYPED}},
    {"kind": "step.skipped", "incident_id": 4, "summary": "step comms skipped: Tell the press", "data": {"step": "comms", "note": None}},
    {"kind": "incident.stabilised", "incident_id": 4, "summary": "incident #4 stabilised (was open)", "data": {"from": "open", "to": "stabilised", "note": None}},
    {"kind": "incident.resolved", "incident_id": 4, "summary": f"incident #4 resolved (was stabilised) — {TYPED}",
     "data": {"from": "stabilised", "to": "resolved", "note": TYPED}},
    {"kind": "incident.closed", "incident_id": 4, "summary": "incident #4 closed (was resolved)", "data": {"from": "resolved", "to": "closed", "note": None}},
    {"kind": "escalation.due", "incident_id": 4, "summary": "[DRILL] L1 due: notify Duty officer (fired 5m late) — Call now",
     "data": {"level": 1, "notify": ["duty"], "message": "Call now", "due_at": "x", "late_seconds": 300.2}},
    {"kind": "escalation.due", "incident_id": 5, "summary": "L2 due: — to notify",
     "data": {"level": 2, "notify": [], "message": None, "due_at": "x", "late_seconds": 0.3}},
    {"kind": "escalation.acknowledged", "incident_id": 4, "summary": f"L1 acknowledged by {NAME} (2m after it fired)", "data": {"level": 1}},
    {"kind": "step.overdue", "incident_id": 4, "summary": "[DRILL] step confirm overdue: Call the desk",
     "data": {"step": "confirm", "due_at": "x", "late_seconds": 0.4, "notify": []}},
    {"kind": "decision.overdue", "incident_id": 4, "summary": "decision failover overdue: Fail over? (fired 1h2m late)",
     "data": {"decision": "failover", "due_at": "x", "late_seconds": 3720, "notify": []}},
    {"kind": "report.overdue", "incident_id": 4, "summary": "report nis2-early overdue: Early warning to CSIRT was due 2026-11-30 14:00 CET",
     "data": {"obligation": "nis2-early", "recipient": "CSIRT", "due_at": "x", "late_seconds": 1.0, "notify": []}},
    {"kind": "report.sent", "incident_id": 4, "summary": f"[DRILL] report nis2-early sent to CSIRT: {TYPED}",
     "data": {"obligation": "nis2-early", "note": TYPED, "due_at": None}},
    {"kind": "fallback.activated", "incident_id": 4, "summary": "fallback secondary-dc activated: Stand-by DC (Groningen) (covers NLCloud B.V.)",
     "data": {"fallback": "secondary-dc", "supplier": "nlcloud", "reason": TYPED, "activation": 1, "steps": []}},
    {"kind": "fallback.deactivated", "incident_id": 4, "summary": f"fallback secondary-dc stood down (worked): {TYPED}",
     "data": {"fallback": "secondary-dc", "supplier": "nlcloud", "reason": TYPED, "result": "worked", "activation": 1}},
    {"kind": "decision.logged", "incident_id": 4, "summary": f"Activate fallback secondary-dc: Stand-by DC — rationale: {TYPED}",
     "data": {"kind": "decision", "text": "Activate fallback secondary-dc", "rationale": TYPED, "occurred_at": "x", "fallback": "secondary-dc"}},
    {"kind": "decision.logged", "incident_id": 4, "summary": f"correction of #12: {TYPED} — rationale: {TYPED}",
     "data": {"kind": "decision", "text": TYPED, "rationale": TYPED, "occurred_at": "x", "corrects": 12}},
    {"kind": "supplier.state", "incident_id": None, "summary": "[DRILL #4] ▼ NLCloud B.V. down (HTTP 503)",
     "data": {"supplier": "nlcloud", "from": "up", "to": "down", "cause": "status", "detail": "HTTP 503", "via": None, "drill": 4}},
    {"kind": "supplier.state", "incident_id": None, "summary": "▼ CaseFlow down via nlcloud (timeout)",
     "data": {"supplier": "casesaas", "from": "up", "to": "down", "cause": "timeout", "detail": "timeout", "via": "nlcloud"}},
    {"kind": "playbook.suggested", "incident_id": None, "at": "2026-11-30T10:05:00.000000Z",
     "summary": 'NLCloud B.V. down for 5m: playbook "cloud-outage" suggested',
     "data": {"playbook": "cloud-outage", "supplier": "nlcloud", "state": "down", "since": "2026-11-30T10:00:00.000000Z"}},
    {"kind": "playbook.dismissed", "incident_id": None, "summary": f"suggestion to start cloud-outage dismissed by {NAME}",
     "data": {"suggestion": 9, "playbook": "cloud-outage", "supplier": "nlcloud"}},
    {"kind": "drill.inject", "incident_id": 4, "summary": f"[DRILL] inject 2 (fired by {NAME}, 3m early): {TYPED} — sets simulated nlcloud down",
     "data": {"inject": 2, "message": TYPED, "fault": {"supplier": "nlcloud", "mode": "down"}, "expect": None, "planned_at": "x", "late_seconds": -180.0}},
    {"kind": "drill.inject", "incident_id": 4, "summary": "[DRILL] inject 1 (fired 10s late): Press calls",
     "data": {"inject": 1, "message": "Press calls", "fault": None, "expect": None, "planned_at": "x", "late_seconds": 10.4}},
    {"kind": "drill.inject", "incident_id": 4, "summary": f"[DRILL] ad-hoc inject by {NAME}: sets simulated paybank hang",
     "data": {"inject": None, "message": None, "fault": {"supplier": "paybank", "mode": "hang"}, "expect": None, "planned_at": None, "late_seconds": None}},
    {"kind": "drill.inject_failed", "incident_id": 4, "summary": "[DRILL] inject 2 (#31): simulated nlcloud NOT set down: connection refused",
     "data": {"inject": 2, "inject_seq": 31, "fault": {"supplier": "nlcloud", "mode": "down"}, "error": "connection refused"}},
    {"kind": "drill.inject_failed", "incident_id": 4,
     "summary": "[DRILL] ad-hoc inject (#32): simulated nlcloud perhaps set down, no answer came (held as the drill's until it ends): timeout",
     "data": {"inject": None, "inject_seq": 32, "fault": {"supplier": "nlcloud", "mode": "down"}, "error": "timeout", "maybe_set": True}},
    {"kind": "drill.held", "incident_id": 4, "summary": f"[DRILL] facilitator {NAME} held a scripted inject", "data": {"inject": 3}},
    {"kind": "drill.skipped", "incident_id": 4, "summary": f"[DRILL] facilitator {NAME} skipped a scripted inject", "data": {"inject": 3}},
    {"kind": "drill.healed", "incident_id": 4, "summary": "[DRILL] drill over: simulated nlcloud healed (up)", "data": {"supplier": "nlcloud", "mode": "up"}},
    {"kind": "drill.heal_failed", "incident_id": 4,
     "summary": "[DRILL] drill over, but simulated nlcloud could NOT be healed: connection refused (trying again every second)",
     "data": {"supplier": "nlcloud", "mode": "up", "error": "connection refused"}},
    {"kind": "review.observation", "incident_id": 4, "summary": f"review: improvement (step confirm): {TYPED}",
     "data": {"kind": "improvement", "text": TYPED, "target": None, "step": "confirm"}},
    {"kind": "review.observation", "incident_id": 4, "summary": f"review: strength (target acknowledge_within): {TYPED}",
     "data": {"kind": "strength", "text": TYPED, "target": "acknowledge_within", "step": None}},
    {"kind": "review.action", "incident_id": 4, "summary": f"corrective action for alice, due 2026-12-15: {TYPED}",
     "data": {"text": TYPED, "owner": "alice", "due": "2026-12-15", "status": "open"}},
    {"kind": "review.action.status", "incident_id": 4, "summary": "corrective action #40: in-progress", "data": {"action": 40, "status": "in-progress"}},
    {"kind": "home.created", "incident_id": None, "summary": "war-room home created at /srv/warroom", "data": {"group": None}},
    {"kind": "home.restored", "incident_id": None, "summary": "restored from backup b.db: events 1 to 90; seq 91 to 95, recorded after it, are lost",
     "data": {"backup": "/tmp/b.db", "backup_head": 90, "lost_from": 91, "lost_to": 95, "kept": []}},
    {"kind": "monitor.gap", "incident_id": None, "summary": "no monitor ran for 1 h 5 min: supplier states were not watched",
     "data": {"from": "x", "to": "y", "seconds": 3900}},
    {"kind": "monitor.started", "incident_id": None, "summary": "monitor host:12 holds the lease (took over from host:9)",
     "data": {"holder": "host:12", "previous": "host:9"}},
    {"kind": "notify.delivered", "incident_id": 4, "summary": "webhook duty notified (attempt 2)", "data": {"target": "duty", "attempts": 2, "outbox": 1}},
    {"kind": "notify.failed", "incident_id": 4, "summary": "webhook duty failed: HTTP 500; retrying until 2026-11-30T11:00:00.000000Z",
     "data": {"target": "duty", "attempts": 1, "outbox": 1, "error": "HTTP 500", "final": False}},
    {"kind": "notify.failed", "incident_id": 4, "summary": "webhook duty gave up after 9 attempts: HTTP 500",
     "data": {"target": "duty", "attempts": 9, "outbox": 1, "error": "HTTP 500", "final": True}},
]
ENGLISH = re.compile(r"\b(opened|started|done|skipped|acknowledged|overdue|activated|stood down|rationale|correction|suggested|dismissed|"
                     r"facilitator|healed|review|corrective|restored|holds the lease|notified|failed|gave up|due|fallback|step|"
                     r"report|inject \d \(fired|sent to|was due)\b")


def _written_kinds() -> set[str]:
    found = set()
    for path in (ROOT / "warroom").rglob("*.py"):
        found |= set(re.findall(r'"((?:incident|step|escalation|fallback|decision|supplier|playbook|drill|review|report|home|monitor|notify)'
                                r'\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    return found - NOT_KINDS


def test_every_kind_the_war_room_writes_has_a_sample_and_a_dutch_sentence():
    written = _written_kinds()
    assert written <= eventtext.KINDS, written - eventtext.KINDS
    assert written <= {s["kind"] for s in SAMPLES}


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e["kind"])
def test_english_is_the_stored_summary_and_the_shape_is_the_services_own(event):
    assert eventtext.summary(event) == event["summary"]
    assert eventtext.compose(event) == event["summary"], "the shape the module takes apart is not the one the services write"


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e["kind"])
def test_dutch_says_every_kind_in_dutch_and_keeps_typed_text(event, dutch):
    said = eventtext.summary(event)
    assert said != event["summary"]
    assert not ENGLISH.search(said.replace(TYPED, "").replace(NAME, "")), said
    if TYPED in event["summary"]:
        assert TYPED in said
    if NAME in event["summary"]:
        assert NAME in said
    for typed in ("Call the desk", "HTTP 503", "Stand-by DC (Groningen)", "NLCloud B.V.", "CSIRT", "2026-11-30 14:00 CET"):
        assert (typed in said) == (typed in event["summary"]), typed


def test_dutch_words_stand_where_they_belong(dutch):
    by_kind = {e["kind"]: eventtext.summary(e) for e in reversed(SAMPLES)}  # the first sample of each kind
    assert by_kind["incident.opened"] == "OEFENING: incident #4 geopend vanuit draaiboek cloud-outage (v3, 60× sneller)"
    assert by_kind["escalation.due"].startswith("[OEFENING] ")
    assert "opschaling" in by_kind["escalation.due"].lower() or "trede" in by_kind["escalation.due"]
    assert "terugvaloptie" in by_kind["fallback.activated"] and "onderbouwing" in by_kind["decision.logged"]
    assert "[OEFENING #4]" in by_kind["supplier.state"] and "onbereikbaar" in by_kind["supplier.state"]


@pytest.mark.parametrize("event", [
    {"kind": "step.done", "summary": "old shape: confirm finished", "data": {"step": "confirm", "note": None}, "incident_id": 1},
    {"kind": "some.future_kind", "summary": "what a newer warroom wrote", "data": {}, "incident_id": 1},
    {"kind": "fallback.activated", "summary": "fallback x activated", "data": {}, "incident_id": 1},
    {"kind": "supplier.state", "summary": "? nlcloud exercised (drill)", "data": {"supplier": "nlcloud", "to": "exercised", "detail": "drill"}},
    {"kind": "decision.logged", "summary": "text", "data": "not a mapping", "incident_id": 1},
], ids=lambda e: e["kind"])
def test_an_event_of_an_unknown_kind_or_shape_is_shown_as_stored(event, dutch):
    assert eventtext.compose(event) is None
    assert eventtext.summary(event) == event["summary"]


def test_a_fallbacks_decision_reads_in_the_chosen_language(dutch):
    data = {"kind": "decision", "text": "Activate fallback secondary-dc", "fallback": "secondary-dc"}
    assert eventtext.decision_text(data, "x") == "Terugvaloptie secondary-dc inzetten"
    assert eventtext.decision_text({"text": TYPED}, "x") == TYPED
    assert eventtext.drill_marked("iets") == "[OEFENING] iets" and eventtext.drill_marked("[OEFENING] iets") == "[OEFENING] iets"
    i18n.use("en")
    assert eventtext.decision_text(data, "x") == "Activate fallback secondary-dc" and eventtext.drill_marked("x") == "[DRILL] x"


def test_every_event_of_a_real_log_is_taken_apart_by_its_shape(tmp_path):
    """The services' own events (a drill worked through, as tests/test_exports.py works it): each
    known kind's English is rebuilt byte for byte, so none shows the stored summary by mistake
    under Dutch."""
    from tests import test_exports
    from tests.test_incidents import ME, configure
    from warroom.clock import MovableClock
    from warroom.services import homes
    from warroom.store import eventlog

    home = homes.create(tmp_path / "home", clock=MovableClock(test_exports.START), actor=ME, origin=test_exports.ORIGIN)
    configure(home, people=True)
    test_exports._work(home)
    store = home.open_store()
    with store.read() as session:
        events = list(eventlog.matching(session.connection()))
    store.dispose()
    kinds = {e["kind"] for e in events}
    assert {"incident.opened", "step.done", "escalation.due", "escalation.acknowledged", "decision.logged", "fallback.activated",
            "fallback.deactivated", "supplier.state", "incident.closed", "review.observation", "review.action", "home.created"} <= kinds
    for e in events:
        assert e["kind"] in eventtext.KINDS, e["kind"]
        assert eventtext.compose(e) == e["summary"], e


def test_a_title_full_of_the_late_clauses_shape_is_said_at_once(dutch):
    """A playbook may write a 1 MB step title; `(.*) \\(fired (.+?) late\\)` took 14 s on 144 KB full
    of ' (fired ' (the monitor lost its lease saying it), and would take over ten minutes on this 990 KB one,
    past the suite's per-test timeout; split by hand it is read a bounded number of times."""
    title = "Bel" + " (fired x" * 110000
    event = {"kind": "step.overdue", "summary": f"step confirm overdue: {title}", "data": {"step": "confirm"}, "incident_id": 1}
    assert eventtext.summary(event) == f"stap confirm te laat: {title}"


@pytest.mark.parametrize("data", [{"level": 1, "late_seconds": 1e308, "notify": []}, {"level": float("inf"), "notify": []}])
def test_an_altered_number_falls_back_to_the_stored_summary(data, dutch):
    event = {"kind": "escalation.due", "summary": "L1 due: notify duty-officer (fired 18s late)", "data": data, "incident_id": 1}
    assert eventtext.summary(event) == event["summary"]


def test_an_announced_inject_is_said_in_the_chosen_language(dutch):
    """The notice every coordinator gets of a fired inject says it as the room's log does."""
    from datetime import UTC, datetime

    from warroom.services import views

    sample = next(s for s in SAMPLES if s["kind"] == "drill.inject")
    note = views.InjectNote(seq=1, incident=sample.get("incident_id", 1), at=datetime(2026, 11, 29, 13, 0, tzinfo=UTC),
                            summary=sample["summary"], kind=sample["kind"], data=sample["data"])
    assert note.said() == eventtext.summary({**sample, "incident_id": note.incident}) != sample["summary"]
