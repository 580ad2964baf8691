"""Legal reporting clocks on a real home with the example's NIS2 and CER obligations: deadlines at
+24 h / +72 h / +1 month from the decision that judged the incident significant (moved clock), a
missed one fired by the monitor's deadline path as `report.overdue` with its notify targets, a sent
one stopping its clock, drills marked DRILL, and the drafted report checked against the signed
timeline. Bad input: exit 2, one line, nothing recorded."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import transactions
from tests.test_incidents import ME, configure
from warroom.obligations import add_months
from warroom.services import actors, escalation, incidents, lease, library, logbook, reporting

ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
HOLDER = "test-monitor"

PLAYBOOK = '''id = "data-breach"
title = "Supplier reports a data breach"
summary = "CaseFlow reports unauthorised access to case files."

[[steps]]
id = "confirm"
title = "Confirm the breach with the supplier"

[[escalation]]
after = "0m"
notify = ["duty-officer"]

[[decisions]]
id = "significant"
question = "Is this a significant incident under the Cyberbeveiligingswet?"
'''


@pytest.fixture
def world(home, clock):
    configure(home)  # anyone may act (the tests run as any OS user), and the quick playbook, which has no significance decision
    (home.playbooks_dir / "data-breach.toml").write_text(PLAYBOOK, encoding="utf-8")
    config = library.config(home)
    store = home.open_store()
    me = actors.resolve(config, ME, ORIGIN)

    write, read = transactions(store)

    write(lambda s: lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=90), gap_after=timedelta(days=90), origin=ORIGIN))
    yield home, config, store, me, write, read
    store.dispose()


def _start(world, clock, mode="live") -> int:
    home, config, store, me, write, read = world
    playbook = library.find(home, config, "data-breach")
    return write(lambda s: incidents.start(s, playbook=playbook, mode=mode, now=clock.now(), actor=me)).id


def test_nis2_deadlines_run_from_the_significance_decision_and_a_missed_one_escalates(world, clock):
    home, config, store, me, write, read = world
    opened = clock.now()
    incident = _start(world, clock)
    view = read(lambda s: incidents.show(s, incident, config, clock.now()))
    clocks = {c.id: c for c in view.reporting}
    assert set(clocks) == {"nis2-early-warning", "nis2-notification", "nis2-final-report", "cer-notification", "cer-detailed-report"}
    assert all(c.state == "waiting" and c.due_at is None and c.starts == "decision significant" for c in clocks.values())
    assert read(lambda s: [d for d in escalation.pending(s, config) if d.kind == "report"]) == []  # nothing runs before significance

    # Logged at 15:00, taken by phone at 14:30: the clocks run from 14:30.
    clock.advance(timedelta(hours=2))
    judged = opened + timedelta(hours=1, minutes=30)
    write(lambda s: logbook.log(s, incident_id=incident, text="Significant: case files of 2,000 citizens", kind="decision", now=clock.now(),
                                  actor=me, decision="significant", occurred_at=judged))
    clocks = {c.id: c for c in read(lambda s: incidents.show(s, incident, config, clock.now())).reporting}
    assert clocks["nis2-early-warning"].due_at == judged + timedelta(hours=24)
    assert clocks["nis2-notification"].due_at == judged + timedelta(hours=72)
    assert clocks["nis2-final-report"].due_at == datetime(2026, 12, 29, 14, 30, tzinfo=UTC) == add_months(judged, 1, "Europe/Amsterdam")
    assert clocks["nis2-early-warning"].state == "pending" and not clocks["nis2-early-warning"].drill
    assert clocks["nis2-early-warning"].recipient == "The sector's CSIRT; for central government the NCSC"

    # The early warning is sent in time; the notification is not.
    write(lambda s: reporting.mark_sent(s, incident_id=incident, obligation_id="nis2-early-warning", note="NCSC ref 2026-4411",
                                        now=clock.now(), actor=me, config=config))
    deadlines = {d.ref: d for d in read(lambda s: escalation.pending(s, config)) if d.kind == "report"}
    assert set(deadlines) == {"nis2-notification", "nis2-final-report", "cer-notification", "cer-detailed-report"}
    assert deadlines["nis2-notification"].due_at == judged + timedelta(hours=72)

    clock.set(judged + timedelta(hours=72, minutes=5))
    assert read(lambda s: incidents.show(s, incident, config, clock.now()).reporting[1].state) == "overdue"
    event = write(lambda s: escalation.fire(s, deadlines["nis2-notification"], now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN))
    assert event["kind"] == "report.overdue" and event["key"] == f"report-due:{incident}:nis2-notification"
    assert event["data"]["notify"] == ["ciso", "legal"] and event["data"]["late_seconds"] == 300.0
    assert event["summary"].startswith("report nis2-notification overdue: Incident notification (Cyberbeveiligingswet / NIS2 art. 23(4)(b))")
    assert "fired 5m late" in event["summary"]
    assert write(lambda s: escalation.fire(s, deadlines["nis2-notification"], now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN)) is None
    left = {d.ref for d in read(lambda s: escalation.pending(s, config)) if d.kind == "report"}
    assert "nis2-notification" not in left and "nis2-final-report" in left  # fired once; the final report still runs
    shown = {c.id: c for c in read(lambda s: incidents.show(s, incident, config, clock.now())).reporting}
    assert shown["nis2-notification"].escalated_at == clock.now() and shown["nis2-early-warning"].state == "sent"
    assert shown["nis2-early-warning"].sent_by == ME


def test_a_playbook_without_the_decision_runs_the_clocks_from_the_opening_and_drills_say_drill(world, clock):
    home, config, store, me, write, read = world
    quick = library.find(home, config, "quick-drill")
    drill = write(lambda s: incidents.start(s, playbook=quick, mode="drill", now=clock.now(), actor=me)).id
    opened = clock.now()
    clocks = {c.id: c for c in read(lambda s: incidents.show(s, drill, config, clock.now())).reporting}
    assert clocks["nis2-early-warning"].starts == "opening" and clocks["nis2-early-warning"].due_at == opened + timedelta(hours=24)
    assert all(c.drill for c in clocks.values())
    deadline = next(d for d in read(lambda s: escalation.pending(s, config)) if d.kind == "report" and d.ref == "cer-notification")
    clock.set(opened + timedelta(hours=24))
    event = write(lambda s: escalation.fire(s, deadline, now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN))
    assert event["summary"].startswith("[DRILL] report cer-notification overdue")


def test_the_drafted_report_cites_only_events_of_the_signed_timeline(world, clock):
    home, config, store, me, write, read = world
    incident = _start(world, clock)
    clock.advance(timedelta(minutes=20))
    write(lambda s: incidents.step(s, incident_id=incident, step_id="confirm", action="done", note="confirmed by phone", now=clock.now(), actor=me))
    write(lambda s: logbook.log(s, incident_id=incident, text="Significant: case files exposed", kind="decision", now=clock.now(),
                                  actor=me, decision="significant"))
    result = run_cli("export", str(incident), "--format", "report", "--obligation", "nis2-early-warning", home=home.root)
    assert result.returncode == 0, result.stderr
    draft = result.stdout
    signed = json.loads(run_cli("export", str(incident), "--format", "json", home=home.root).stdout)
    by_seq = {e["seq"]: e for e in signed["events"]}
    cited = [int(n) for n in re.findall(r"\(#(\d+)\)$", draft, flags=re.MULTILINE)]
    assert cited and set(cited) <= set(by_seq)
    for seq in cited:  # each cited line says what that event says
        line = next(x for x in draft.splitlines() if x.endswith(f"(#{seq})"))
        assert by_seq[seq]["summary"].replace("#", "\\#") in line
    kinds = {by_seq[s]["kind"] for s in cited}
    assert {"incident.opened", "step.done", "decision.logged"} <= kinds
    assert "# DRAFT Early warning (Cyberbeveiligingswet / NIS2 art. 23(4)(a)) — incident" in draft
    assert "- **To:** The sector's CSIRT; for central government the NCSC" in draft
    for section in ("## 1. What happened", "## 2. Impact on services", "## 3. Measures taken", "## 4. Cross-border impact", "## 5. What this report must contain"):
        assert section in draft
    assert "- [ ] unknown — to be assessed" in draft
    assert "- [ ] Whether it could have a cross-border impact: _to be completed_" in draft
    assert "DRILL" not in draft

    listed = json.loads(run_cli("report", "list", str(incident), "--json", home=home.root).stdout)
    assert [c["id"] for c in listed][:3] == ["nis2-early-warning", "nis2-notification", "nis2-final-report"]
    sent = run_cli("report", "sent", str(incident), "nis2-early-warning", "--note", "NCSC ref 1", home=home.root)
    assert sent.returncode == 0, sent.stderr
    again = json.loads(run_cli("report", "list", str(incident), "--json", home=home.root).stdout)
    assert again[0]["state"] == "sent" and again[0]["sent_at"] is not None


def _events(home) -> int:
    import sqlite3

    return sqlite3.connect(home.db_path).execute("SELECT count(*) FROM event").fetchone()[0]


def test_bad_report_input_exits_2_with_one_line_and_records_nothing(world, clock):
    home, config, store, me, write, read = world
    incident = str(_start(world, clock))
    before = _events(home)
    cases = [
        (("export", incident, "--format", "report", "--obligation", "nis2-early-warnin"),
         f"incident #{incident} has no reporting obligation 'nis2-early-warnin' (obligations: nis2-early-warning, nis2-notification"),
        (("export", incident, "--format", "report"), "--format report drafts one obligation: name it with --obligation NAME"),
        (("export", incident, "--format", "md", "--obligation", "nis2-notification"), "--obligation goes with --format report"),
        (("report", "sent", incident, "gdpr-breach"), f"incident #{incident} has no reporting obligation 'gdpr-breach'"),
        (("report", "sent", "999", "nis2-notification"), "no incident #999"),
        (("report", "list", "999"), "no incident #999"),
    ]
    for args, expected in cases:
        result = run_cli(*args, home=home.root)
        assert_clean_failure(result, 2)
        assert expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert run_cli("report", "sent", incident, "nis2-notification", home=home.root).returncode == 0
    twice = run_cli("report", "sent", incident, "nis2-notification", home=home.root)
    assert_clean_failure(twice, 2)
    assert "already recorded as sent by" in twice.stderr
    assert _events(home) == before + 1


@pytest.mark.parametrize("edit,expected", [
    (lambda t: t.replace('due = "72h"\n', 'due = "72h"\nmonths = 1\n', 1), "reporting[1]: give either due (like 24h) or months (like 1), not both or neither"),
    (lambda t: t.replace('due = "72h"\n', 'due = "three days"\n', 1), "reporting[1].due: 'three days' is not a duration"),
    (lambda t: t.replace('notify = ["ciso", "legal"]\n', 'notify = ["cisoo", "legal"]\n', 1), "reporting[0].notify[0]: unknown notify target 'cisoo'"),
    (lambda t: t.replace("months = 1\n", "months = 0\n", 1), "reporting[2].months: Input should be greater than or equal to 1"),
])
def test_bad_reporting_config_names_its_line(home, edit, expected):
    text = edit(home.config_path.read_text(encoding="utf-8"))
    home.config_path.write_text(text, encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert expected in result.stderr, result.stderr
    assert re.search(r"^warroom\.toml:\d+: reporting\[", result.stderr, flags=re.MULTILINE)


def test_a_playbook_obligation_must_name_one_of_its_decisions(home):
    (home.playbooks_dir / "data-breach.toml").write_text(
        PLAYBOOK + '\n[[reporting]]\nid = "sector-report"\ntitle = "Sector report"\nrecipient = "Sector regulator"\ndue = "48h"\nsignificance = "signifcant"\n',
        encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert "playbooks/data-breach.toml:22: reporting[0].significance: 'signifcant' is not a decision of this playbook" in result.stderr


def test_a_real_monitor_fires_a_missed_report_once_and_the_log_still_verifies(home, monitors):
    from tests.conftest import wait_for
    from tests.test_incidents import cli_ok, event_rows

    configure(home)
    with open(home.config_path, "a", encoding="utf-8") as config:
        config.write('\n[[reporting]]\nid = "quick-warning"\ntitle = "A warning due at once"\nrecipient = "The test CSIRT"\ndue = "2s"\n'
                     'notify = ["duty-officer"]\n')
    incident = cli_ok(home, "incident", "start", "quick-drill").strip()
    monitors(home)
    monitors(home)  # a second one stands by: the report still fires once
    fired = wait_for(lambda: [e for e in event_rows(home, "report.overdue") if e["data"]["obligation"] == "quick-warning"],
                     timeout=60, what="the missed report to fire")
    assert fired[0]["actor"] == "system" and fired[0]["data"]["notify"] == ["duty-officer"]
    assert fired[0]["summary"].startswith("report quick-warning overdue: A warning due at once to The test CSIRT was due ")
    cli_ok(home, "report", "sent", incident, "quick-warning", "--note", "late, by phone")
    view = json.loads(cli_ok(home, "incident", "show", incident, "--json"))
    quick = next(c for c in view["reporting"] if c["id"] == "quick-warning")
    assert quick["state"] == "sent" and quick["escalated_at"] == fired[0]["at"]
    assert next(c for c in view["reporting"] if c["id"] == "nis2-early-warning")["state"] == "pending"
    assert len([e for e in event_rows(home, "report.overdue") if e["data"]["obligation"] == "quick-warning"]) == 1
    assert "event log verified" in cli_ok(home, "verify")


AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(("opened_local", "due_local"), [
    (datetime(2027, 1, 31, 0, 30, tzinfo=AMS), datetime(2027, 2, 28, 0, 30, tzinfo=AMS)),  # no 31 February: the month's last day
    (datetime(2027, 3, 10, 12, 0, tzinfo=AMS), datetime(2027, 4, 10, 12, 0, tzinfo=AMS)),  # CET to CEST: still noon
    (datetime(2027, 10, 31, 0, 30, tzinfo=AMS), datetime(2027, 11, 30, 0, 30, tzinfo=AMS)),  # CEST on the day before, CET after
    (datetime(2028, 1, 31, 0, 30, tzinfo=AMS), datetime(2028, 2, 29, 0, 30, tzinfo=AMS)),  # a leap year
    (datetime(2028, 2, 29, 9, 15, tzinfo=AMS), datetime(2028, 3, 29, 9, 15, tzinfo=AMS)),
])
def test_a_months_clock_counts_on_the_war_rooms_calendar(world, clock, opened_local, due_local):
    """A final report due a month after the opening falls on the same local day and time a calendar
    month later (the month's last day when shorter), however the UTC offset moves in between."""
    home, config, store, me, write, read = world
    clock.set(opened_local)
    quick = library.find(home, config, "quick-drill")
    incident = write(lambda s: incidents.start(s, playbook=quick, mode="live", now=clock.now(), actor=me)).id
    final = next(c for c in read(lambda s: incidents.show(s, incident, config, clock.now())).reporting if c.id == "nis2-final-report")
    assert final.due_at == due_local
    assert final.due_at.astimezone(AMS).replace(tzinfo=None) == due_local.replace(tzinfo=None)
    deadline = next(d for d in read(lambda s: escalation.pending(s, config)) if d.ref == "nis2-final-report")
    assert deadline.due_at == due_local


def test_a_resolved_incident_keeps_its_reporting_clocks_and_a_closed_one_says_what_was_never_sent(world, clock):
    """The NIS2 final report is due a month after significance, typically after resolution: a
    resolved incident's report clocks still run and escalate once; closing stops them, and the
    clocks then say which reports were never sent, without escalating."""
    home, config, store, me, write, read = world
    opened = clock.now()
    incident = _start(world, clock)
    write(lambda s: logbook.log(s, incident_id=incident, text="Significant", kind="decision", now=clock.now(), actor=me, decision="significant"))
    for report in ("nis2-early-warning", "nis2-notification", "cer-notification", "cer-detailed-report"):
        write(lambda s, r=report: reporting.mark_sent(s, incident_id=incident, obligation_id=r, note=None, now=clock.now(), actor=me, config=config))
    clock.advance(timedelta(days=3))
    write(lambda s: incidents.transition(s, incident_id=incident, to="resolved", now=clock.now(), actor=me))
    deadlines = [d for d in read(lambda s: escalation.pending(s, config)) if d.incident_id == incident]
    assert [(d.kind, d.ref) for d in deadlines] == [("report", "nis2-final-report")]
    assert deadlines[0].due_at == datetime(2026, 12, 29, 13, 0, tzinfo=UTC) == opened.replace(month=12, day=29)

    clock.set(deadlines[0].due_at + timedelta(minutes=1))
    final = next(c for c in read(lambda s: incidents.show(s, incident, config, clock.now())).reporting if c.id == "nis2-final-report")
    assert final.state == "overdue" and final.running
    event = write(lambda s: escalation.fire(s, deadlines[0], now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN))
    assert event is not None and event["kind"] == "report.overdue" and event["data"]["obligation"] == "nis2-final-report"
    assert write(lambda s: escalation.fire(s, deadlines[0], now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN)) is None
    assert [d for d in read(lambda s: escalation.pending(s, config)) if d.incident_id == incident] == []

    # Closed with the final report still unsent: no clock runs, and the report says it was never sent.
    write(lambda s: incidents.transition(s, incident_id=incident, to="closed", now=clock.now(), actor=me))
    final = next(c for c in read(lambda s: incidents.show(s, incident, config, clock.now())).reporting if c.id == "nis2-final-report")
    assert final.state == "unsent" and not final.running
    listed = run_cli("report", "list", str(incident), home=home.root)
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in listed.stdout.splitlines() if r.startswith("nis2-final-report"))
    assert "unsent" in row and "never sent: the incident was closed" in row


def test_a_resolved_incident_escalates_a_report_that_comes_due_after_resolution(world, clock):
    home, config, store, me, write, read = world
    incident = _start(world, clock)
    write(lambda s: logbook.log(s, incident_id=incident, text="Significant", kind="decision", now=clock.now(), actor=me, decision="significant"))
    write(lambda s: incidents.transition(s, incident_id=incident, to="resolved", now=clock.now(), actor=me))
    refs = {d.ref for d in read(lambda s: escalation.pending(s, config)) if d.incident_id == incident}
    assert refs == {"nis2-early-warning", "nis2-notification", "nis2-final-report", "cer-notification", "cer-detailed-report"}


def test_a_compressed_drill_runs_its_reporting_clocks_at_its_speed(world, clock):
    """A drill at --speed 60 runs an hour's scenario in a minute: 24 h are due in 24 min, and the
    month (29 Nov 14:00 to 29 Dec 14:00 in Amsterdam: 30 days) in 12 h."""
    home, config, store, me, write, read = world
    quick = library.find(home, config, "quick-drill")
    opened = clock.now()
    drill = write(lambda s: incidents.start(s, playbook=quick, mode="drill", now=clock.now(), actor=me, speed=60)).id
    clocks = {c.id: c for c in read(lambda s: incidents.show(s, drill, config, clock.now())).reporting}
    assert clocks["nis2-early-warning"].due_at == opened + timedelta(minutes=24)
    assert clocks["nis2-notification"].due_at == opened + timedelta(minutes=72)
    assert clocks["nis2-final-report"].due_at == opened + timedelta(hours=12)
    deadlines = {d.ref: d.due_at for d in read(lambda s: escalation.pending(s, config)) if d.kind == "report"}
    assert deadlines["nis2-final-report"] == opened + timedelta(hours=12)


def test_a_missed_reports_summary_says_when_it_was_due_in_the_war_rooms_time(world, clock):
    """Like every other summary, in the configured zone (Europe/Amsterdam), not a raw UTC instant."""
    from warroom.clock import iso

    home, config, store, me, write, read = world
    quick = library.find(home, config, "quick-drill")
    write(lambda s: incidents.start(s, playbook=quick, mode="live", now=clock.now(), actor=me))
    deadline = next(d for d in read(lambda s: escalation.pending(s, config)) if d.kind == "report" and d.ref == "cer-notification")
    clock.set(deadline.due_at + timedelta(minutes=1))
    event = write(lambda s: escalation.fire(s, deadline, now=clock.now(), config=config, holder=HOLDER, origin=ORIGIN))
    due = deadline.due_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert config.settings.timezone == "Europe/Amsterdam" and due.utcoffset()
    assert f"was due {due:%Y-%m-%d %H:%M} CET" in event["summary"], event["summary"]
    assert iso(deadline.due_at) not in event["summary"] and event["data"]["due_at"] == iso(deadline.due_at)  # the data stays UTC
