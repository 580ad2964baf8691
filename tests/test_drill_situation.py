"""A drill's fault is not the live situation: a live incident's sitrep leaves drill-held suppliers
(and the services hit only through them) out of "Situation now", naming the drill once; `status`
and its JSON mark each crucial service's hit through a drill-held supplier as a DRILL (issue 12)."""

from __future__ import annotations

import json

from tests.conftest import Process, run_cli, wait_for
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import configure
from tests.tui.test_board import record


def _drill_holds_paybank(home, clock) -> tuple[str, str]:
    import tomllib

    import tomli_w

    configure(home)
    simulator = Process("simulate", "--port", "0")
    try:
        port = int(wait_for(lambda: next((said for said in simulator.lines if said.isdigit()), None), what="the simulator's port"))
        config = tomllib.loads(home.config_path.read_text())
        config["settings"]["simulator"] = f"http://127.0.0.1:{port}"
        home.config_path.write_text(tomli_w.dumps(config))
        live = run_cli("incident", "start", "quick-drill", home=home.root).stdout.strip()
        drill = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
        assert live.isdigit() and drill.isdigit()
        done = run_cli("drill", "inject", drill, "--fault", "paybank=down", home=home.root)
        assert done.returncode == 0, done.stderr
        for _ in range(2):
            record(home, clock, "paybank", HTTP_DOWN)
    finally:
        simulator.stop()
    return live, drill


def test_a_live_sitrep_does_not_show_a_drills_outage_and_status_marks_drill_hits(home, clock):
    live, drill = _drill_holds_paybank(home, clock)
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
