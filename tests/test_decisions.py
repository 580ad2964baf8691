"""Expected decisions close when a decision is logged against them: by `log --decision`, and by a
fallback activation whose reason is logged as the decision it names (`fallback activate --decision`).
`incident show --json` and the room read the same: the CLI in a real subprocess on a real home."""

from __future__ import annotations

import json

from tests.conftest import assert_clean_failure, run_cli
from tests.test_incidents import cli_ok, configure, event_rows


def open_decisions(home, incident_id: str) -> list[str]:
    return [d["id"] for d in json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))["open_decisions"]]


def test_a_fallback_activation_that_names_a_decision_closes_it(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    assert open_decisions(home, incident_id) == ["failover"]
    cli_ok(home, "fallback", "activate", incident_id, "secondary-dc", "--reason", "NLCloud gives no ETA", "--decision", "failover")
    assert open_decisions(home, incident_id) == []
    logged = event_rows(home, "decision.logged")[-1]["data"]
    assert (logged["decision"], logged["fallback"], logged["rationale"]) == ("failover", "secondary-dc", "NLCloud gives no ETA")


def test_an_activation_naming_an_unknown_decision_is_refused_and_records_nothing(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    before = event_rows(home)
    result = run_cli("fallback", "activate", incident_id, "secondary-dc", "--reason", "why", "--decision", "nope", home=home.root)
    assert_clean_failure(result, 2)
    assert "'nope' is not an expected decision" in result.stderr and "failover" in result.stderr
    assert event_rows(home) == before
    assert open_decisions(home, incident_id) == ["failover"]


def test_show_json_gives_the_room_its_facts(home):
    """Step details from the playbook, a fallback's supplier and checklist, who a level notifies and
    how to reach them, and the involved suppliers' contacts from warroom.toml (added fields)."""
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "cloud-hosting-outage")  # live: its ladder names every target
    view = json.loads(cli_ok(home, "incident", "show", incident_id, "--json"))
    assert any(s["details"] for s in view["steps"])
    fallback = next(f for f in view["fallbacks"] if f["id"] == "secondary-dc")
    assert fallback["supplier"] == "nlcloud" and fallback["steps"]
    assert any("+31" in c for c in view["ladder"][0]["contacts"])
    nlcloud = next(s for s in view["suppliers"] if s["id"] == "nlcloud")
    assert any(c.startswith("Service desk +31 20 000 0100") for c in nlcloud["contacts"])


def test_a_refusal_says_when_in_the_war_rooms_zone(home):
    """Not `due 2026-11-29T14:52:21.356081Z`: local HH:MM with the zone, and how far off."""
    import re

    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    result = run_cli("escalation", "ack", incident_id, "2", home=home.root)
    assert_clean_failure(result, 2)
    assert re.search(r"level 2 has not fired yet \(due \d\d:\d\d CES?T, in \d+m", result.stderr), result.stderr
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", result.stderr), result.stderr
