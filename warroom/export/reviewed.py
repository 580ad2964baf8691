"""The after-action review as the HTML and Markdown reports show it: a line of totals and a few
tables (times against targets, steps, expected decisions, injects, escalations, observations,
corrective actions), each cell plain text that the report escapes its own way. The numbers are
those of services/review.py (`warroom review ID --json`), read from the timeline's `review`."""

from __future__ import annotations

from typing import Any, NamedTuple

from warroom import durations, i18n, words
from warroom.export import shown
from warroom.i18n import _

# A measure's result (services/review.py), marked with its context for the catalogue.
"""A measure's name is the moment it measures (services/review.py); `fallback:ID` names a fallback, shown as it is."""


class Table(NamedTuple):
    id: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str  # said instead of an empty table


def totals(review: dict[str, Any]) -> str:
    speed = review.get("speed") or 1
    values = {"met": review["targets_met"], "total": review["targets_total"], "duration": durations.scenario(review["wall_seconds"], speed),
              "speed": i18n.figure(speed)}
    if speed != 1:
        said = _("Targets met: {met} of {total}. Duration {duration}, run {speed}× faster than real time. "
                 "Measured from the event log against the playbook's targets; times after the opening are in scenario time.")
    else:
        said = _("Targets met: {met} of {total}. Duration {duration}. "
                 "Measured from the event log against the playbook's targets; times after the opening are in scenario time.")
    return said.format(**values)


def tables(review: dict[str, Any], clock: shown.Clock, people: list[dict[str, Any]]) -> list[Table]:
    speed = review.get("speed") or 1
    when = clock.time
    measures = [(words.shown(m["name"], words.REVIEW_MEASURE), (_("{result} by {span}").format(result=words.shown(m["result"], words.REVIEW_RESULT), span=durations.spoken(m["by_seconds"]))
                             if m.get("by_seconds") is not None else words.shown(m["result"], words.REVIEW_RESULT)),
                 durations.spoken(m["scenario_seconds"]) if m.get("scenario_seconds") is not None else "—",
                 durations.spoken(m["target_seconds"]) if m.get("target_seconds") is not None else "—", when(m["at"]) if m.get("at") else "—")
                for m in review.get("measures", [])]
    steps = [(s["id"], s["title"], words.shown(s["result"], words.REVIEW_RESULT), when(s["due_at"]) if s.get("due_at") else "—", when(s["at"]) if s.get("at") else "—",
              durations.scenario(s["late_seconds"], speed) if s.get("late_seconds") else "") for s in review.get("steps", [])]
    decisions = [(d["id"], d["question"], _("made") if d["made"] else _("not made"), when(d["due_at"]) if d.get("due_at") else "—",
                  when(d["at"]) if d.get("at") else "—", durations.scenario(d["late_seconds"], speed) if d.get("late_seconds") else "")
                 for d in review.get("decisions", [])]
    injects = [(str(i["n"]) if i.get("n") is not None else _("ad hoc"), when(i["at"]),
                " — ".join(x for x in (i.get("message") or "", _("fault {fault}").format(fault=i["fault"]) if i.get("fault") else "") if x) or "—",
                durations.scenario(i["first_response_seconds"], speed) if i.get("first_response_seconds") is not None else _("none"),
                (f"{i['expect']}: " + (durations.scenario(i["expect_seconds"], speed) if i.get("expect_seconds") is not None else _("not answered")))
                if i.get("expect") else "—") for i in review.get("injects", [])]
    escalations = [(str(e["level"]), when(e["due_at"]) if e.get("due_at") else "—",
                    (when(e["fired_at"]) + (" " + _("(late)") if e.get("late") else "")) if e.get("fired_at") else _("not fired"),
                    _("{when} by {who}").format(when=when(e["acked_at"]), who=shown.person(e.get("acked_by"), people)) if e.get("acked_at") else "—",
                    durations.scenario(e["ack_seconds"], speed) if e.get("ack_seconds") is not None else "—") for e in review.get("escalations", [])]
    observations = [(i18n.word(o["kind"], "review observation"),
                     _("target {target}").format(target=o["target"]) if o.get("target") else _("step {step}").format(step=o["step"]) if o.get("step")
                     else _("the drill"),
                     o["text"], shown.person(o["by"], people), clock.stamp(o["at"])) for o in review.get("observations", [])]
    actions = [(str(a["seq"]), a["text"], a["owner"], a["due"], i18n.word(a["status"], "corrective action")) for a in review.get("actions", [])]
    return [
        Table("review-targets", _("Times against targets"), (_("Measure"), _("Result"), _("Measured"), _("Target"), _("At")), measures, _("No targets.")),
        Table("review-steps", _("Steps"), (_("Step"), _("Title"), _("Result"), _("Due"), _("Done"), _("Late")), steps, _("The playbook has no steps.")),
        Table("review-decisions", _("Expected decisions"), (_("Decision"), _("Question"), _("Made"), _("Due"), _("Taken"), _("Late")), decisions,
              _("The playbook expects no decisions.")),
        Table("review-injects", _("Injects"), (_("Inject"), _("At"), _("What"), _("First response"), _("Expected answer")), injects,
              _("No injects were fired.")),
        Table("review-escalations", _("Escalations"), (_("Level"), _("Due"), _("Fired"), _("Acknowledged"), _("Acknowledged after")), escalations,
              _("The playbook has no escalation ladder.")),
        Table("review-observations", _("Observations"), (_("Kind"), _("About"), _("Observation"), _("By"), _("When")), observations,
              _("No observations were recorded.")),
        Table("review-actions", _("Corrective actions (improvement plan)"), (_("Action"), _("What"), _("Owner"), _("Due"), _("Status")), actions,
              _("No corrective actions were recorded.")),
    ]
