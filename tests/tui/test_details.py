"""The room's details pages as pure functions of an incident's view (warroom.tui.details): no app,
no Pilot; the view is the real one, read by the services from a real home."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.helpers import act_as_me, start_incident
from tests.test_incidents import configure
from warroom.services import incidents, logbook
from warroom.tui.details import HISTORY_INDENT, About

LONG = ("Phoned NLCloud's service desk: they confirm a power failure in the Amsterdam data centre, no ETA yet, "
        "next update promised within thirty minutes by their incident manager")


def view_with_history(home, clock):
    configure(home)
    incident_id = start_incident(home, clock, "quick-drill")
    act_as_me(home, clock, lambda session, cfg, me: incidents.step(session, incident_id=incident_id, step_id="confirm", action="done",
                                                                   note=LONG, now=clock.now(), actor=me))
    act_as_me(home, clock, lambda session, cfg, me: logbook.log(session, incident_id=incident_id, text="Fail over\x1b[2J now", kind="decision",
                                                                  decision="failover", rationale=LONG, now=clock.now(), actor=me))
    return act_as_me(home, clock, lambda session, cfg, me: incidents.show(session, incident_id, cfg, clock.now()))


def test_history_lines_wrap_under_their_own_column_at_80_columns(home, clock):
    view = view_with_history(home, clock)
    _title, body = About(view, ZoneInfo("Europe/Amsterdam"), width=74).step("confirm")
    lines = str(body).split("\n")
    history = lines[lines.index("History") + 1:]
    entry = next(i for i, line in enumerate(history) if "step confirm done" in line)
    assert history[entry + 1].startswith(HISTORY_INDENT + "desk: they confirm"), history  # not back at column 0
    assert all(len(line) <= 74 for line in lines), [line for line in lines if len(line) > 74]
    note = next(i for i, line in enumerate(lines) if line.startswith("note"))
    assert lines[note + 1].startswith(" " * 12) and lines[note + 1].strip(), "a long field wraps under its value, not under its name"


def test_a_log_entrys_page_says_what_it_answers_and_shows_control_characters_as_symbols(home, clock):
    view = view_with_history(home, clock)
    entry = next(e for e in view.events if e.kind == "decision.logged")
    title, body = About(view, ZoneInfo("Europe/Amsterdam")).event(str(entry.seq))
    shown = str(body)
    assert str(title) == f"Log #{entry.seq}" and "answers     failover" in shown
    assert "\x1b" not in shown and "Fail over" in shown


def test_a_long_value_wraps_under_itself_and_control_characters_stay_symbols():
    from warroom.tui.literal import hanging

    shown = str(hanging("DMS 2024/EXIT-03 (exit plan NLCloud hosting), owner procurement\x1b[2J, reviewed 2026-02-12", " " * 19, 60, first=19))
    lines = shown.split("\n")
    assert len(lines) > 1 and all(line.startswith(" " * 19) and line.strip() for line in lines[1:]), lines
    assert all(19 + len(lines[0]) <= 60 for _ in [0]) and all(len(line) <= 60 for line in lines[1:])
    assert "\x1b" not in shown and "2026-02-12" in shown
