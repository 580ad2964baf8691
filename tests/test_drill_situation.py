"""A drill's fault is not the live situation: a live incident's sitrep leaves drill-held suppliers
(and the services hit only through them) out of "Situation now", naming the drill once; `status`
and its JSON mark each crucial service's hit through a drill-held supplier as a DRILL (issue 12)."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.helpers import use_simulator
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import configure
from tests.tui.test_board import record


def _drill_holds_paybank(home, clock, simulator: str) -> tuple[str, str]:
    configure(home)
    use_simulator(home, simulator)
    live = run_cli("incident", "start", "quick-drill", home=home.root).stdout.strip()
    drill = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    assert live.isdigit() and drill.isdigit()
    done = run_cli("drill", "inject", drill, "--fault", "paybank=down", home=home.root)
    assert done.returncode == 0, done.stderr
    for _ in range(2):
        record(home, clock, "paybank", HTTP_DOWN)
    return live, drill


def test_a_live_sitrep_does_not_show_a_drills_outage_and_status_marks_drill_hits(home, clock, simulator):
    live, drill = _drill_holds_paybank(home, clock, simulator)
    status = json.loads(run_cli("status", "--json", home=home.root).stdout)
    paybank = next(s for s in status["suppliers"] if s["id"] == "paybank")
    assert paybank["state"] == "down" and paybank["drill"] == int(drill)
    hit = [t for v in status["services"] for t in v["through"] if t["supplier"] == "paybank"]
    assert hit and all(t["drill"] == int(drill) for t in hit)
    text = run_cli("status", home=home.root).stdout
    hit_lines = [ln for ln in text.splitlines() if "paybank down" in ln]
    assert hit_lines and all(f"DRILL #{drill}" in ln for ln in hit_lines), text

    sitrep = run_cli("export", live, "--format", "sitrep", home=home.root).stdout
    situation = sitrep.split("## 1. Situation now", 1)[1].split("## 2.", 1)[0]
    assert "(paybank)" not in situation and "paybank down" not in situation, situation
    assert f"Drill #{drill} is exercising paybank (not an outage" in situation
    # The drill's own sitrep still shows its fault, marked as the drill's.
    own = run_cli("export", drill, "--format", "sitrep", home=home.root).stdout
    assert f"[DRILL #{drill}: a drill's fault, not an outage]" in own.split("## 2.", 1)[0]


def _timeline(mode: str, incident_id: int, through: list[dict]):
    """An export's read model with one crucial service hit through `through` (its state: the worst of all of them)."""
    from warroom.export.model import Timeline
    from warroom.health.states import worst

    class NoEvents(list):
        def of(self, kinds):
            return iter(())

        def latest(self, kinds, count):
            return [], 0

    at = "2026-11-29T20:00:00.000000Z"
    incident = {"id": incident_id, "mode": mode, "title": "t", "status": "open", "opened_at": at, "opened_by": "alice",
                "playbook": "p", "playbook_version": 1}
    suppliers = [{"id": t["supplier"], "name": t["supplier"], "state": t["state"], **({"drill": t["drill"]} if "drill" in t else {})}
                 for t in through]
    service = {"id": "benefits", "name": "Benefit payments", "sector": "income", "state": worst(t["state"] for t in through), "through": through}
    reporting = [{"id": "nis2", "title": "NIS2 early warning", "recipient": "CSIRT", "due_at": None, "starts": "opening", "state": "running",
                  "started_at": None, "content": []}]
    return Timeline(incident, NoEvents(), state={"reporting": reporting}, situation={"suppliers": suppliers, "services": [service]},
                    generated_at=at)


def _impact(timeline) -> tuple[str, str]:
    """The services hit, as the report draft and the sitrep each say them."""
    import io

    from warroom.export import report, shown, sitrep

    out = io.StringIO()
    report.render(timeline, out, "nis2")
    drafted = out.getvalue().split("## 2. Impact on services", 1)[1].split("## 3.", 1)[0]
    briefed = "\n".join(sitrep._situation(timeline, shown.Clock("UTC")))
    return drafted, briefed


def test_a_live_reports_impact_leaves_a_drills_supplier_out_of_the_state_as_the_sitrep_does():
    drafted, briefed = _impact(_timeline("live", 3, [{"supplier": "nlcloud", "state": "degraded", "via": None},
                                                     {"supplier": "paybank", "state": "down", "via": None, "drill": 7}]))
    assert "Benefit payments** (income): degraded — through nlcloud degraded\n" in drafted, drafted
    assert "Benefit payments** (income): DEGRADED — through nlcloud degraded\n" in briefed, briefed
    assert "paybank" not in drafted


def test_a_drills_report_counts_its_own_suppliers_not_another_drills():
    other = {"supplier": "paybank", "state": "down", "via": None, "drill": 7}
    drafted, briefed = _impact(_timeline("drill", 8, [other]))
    assert "No crucial service is hit" in drafted and "paybank" not in drafted, drafted
    assert "No crucial service is hit" in briefed, briefed
    drafted, briefed = _impact(_timeline("drill", 7, [other]))
    assert "Benefit payments** (income): down — through paybank down [DRILL #7]" in drafted, drafted
    assert "Benefit payments** (income): DOWN — through paybank down [DRILL]" in briefed, briefed
