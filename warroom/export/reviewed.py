"""The after-action review as the HTML and Markdown reports show it: a line of totals and a few
tables (times against targets, steps, expected decisions, injects, escalations, observations,
corrective actions), each cell plain text that the report escapes its own way. The numbers are
those of services/review.py (`warroom review ID --json`), read from the timeline's `review`."""

from __future__ import annotations

from typing import Any, NamedTuple

from warroom import durations
from warroom.export import shown


class Table(NamedTuple):
    id: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    empty: str  # said instead of an empty table


def totals(review: dict[str, Any]) -> str:
    speed = review.get("speed") or 1
    faster = f", run {speed:g}× faster than real time" if speed != 1 else ""
    return (f"Targets met: {review['targets_met']} of {review['targets_total']}. Duration {durations.scenario(review['wall_seconds'], speed)}{faster}. "
            "Measured from the event log against the playbook's targets; times after the opening are in scenario time.")


def tables(review: dict[str, Any], clock: shown.Clock, people: list[dict[str, Any]]) -> list[Table]:
    speed = review.get("speed") or 1
    when = clock.time
    measures = [(m["name"], m["result"] + (f" by {durations.spoken(m['by_seconds'])}" if m.get("by_seconds") is not None else ""),
                 durations.spoken(m["scenario_seconds"]) if m.get("scenario_seconds") is not None else "—",
                 durations.spoken(m["target_seconds"]) if m.get("target_seconds") is not None else "—", when(m["at"]) if m.get("at") else "—")
                for m in review.get("measures", [])]
    steps = [(s["id"], s["title"], s["result"], when(s["due_at"]) if s.get("due_at") else "—", when(s["at"]) if s.get("at") else "—",
              durations.scenario(s["late_seconds"], speed) if s.get("late_seconds") else "") for s in review.get("steps", [])]
    decisions = [(d["id"], d["question"], "made" if d["made"] else "not made", when(d["due_at"]) if d.get("due_at") else "—",
                  when(d["at"]) if d.get("at") else "—", durations.scenario(d["late_seconds"], speed) if d.get("late_seconds") else "")
                 for d in review.get("decisions", [])]
    injects = [(str(i["n"]) if i.get("n") is not None else "ad hoc", when(i["at"]),
                " — ".join(x for x in (i.get("message") or "", f"fault {i['fault']}" if i.get("fault") else "") if x) or "—",
                durations.scenario(i["first_response_seconds"], speed) if i.get("first_response_seconds") is not None else "none",
                (f"{i['expect']}: " + (durations.scenario(i["expect_seconds"], speed) if i.get("expect_seconds") is not None else "not answered"))
                if i.get("expect") else "—") for i in review.get("injects", [])]
    escalations = [(str(e["level"]), when(e["due_at"]) if e.get("due_at") else "—",
                    (when(e["fired_at"]) + (" (late)" if e.get("late") else "")) if e.get("fired_at") else "not fired",
                    f"{when(e['acked_at'])} by {shown.person(e.get('acked_by'), people)}" if e.get("acked_at") else "—",
                    durations.scenario(e["ack_seconds"], speed) if e.get("ack_seconds") is not None else "—") for e in review.get("escalations", [])]
    observations = [(o["kind"], f"target {o['target']}" if o.get("target") else f"step {o['step']}" if o.get("step") else "the drill",
                     o["text"], shown.person(o["by"], people), clock.stamp(o["at"])) for o in review.get("observations", [])]
    actions = [(str(a["seq"]), a["text"], a["owner"], a["due"], a["status"]) for a in review.get("actions", [])]
    return [
        Table("review-targets", "Times against targets", ("Measure", "Result", "Measured", "Target", "At"), measures, "No targets."),
        Table("review-steps", "Steps", ("Step", "Title", "Result", "Due", "Done", "Late"), steps, "The playbook has no steps."),
        Table("review-decisions", "Expected decisions", ("Decision", "Question", "Made", "Due", "Taken", "Late"), decisions,
              "The playbook expects no decisions."),
        Table("review-injects", "Injects", ("Inject", "At", "What", "First response", "Expected answer"), injects, "No injects were fired."),
        Table("review-escalations", "Escalations", ("Level", "Due", "Fired", "Acknowledged", "Acknowledged after"), escalations,
              "The playbook has no escalation ladder."),
        Table("review-observations", "Observations", ("Kind", "About", "Observation", "By", "When"), observations,
              "No observations were recorded."),
        Table("review-actions", "Corrective actions (improvement plan)", ("Action", "What", "Owner", "Due", "Status"), actions,
              "No corrective actions were recorded."),
    ]
