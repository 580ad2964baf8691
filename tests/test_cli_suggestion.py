"""`warroom suggestion list | dismiss`: the board's suggestion bar and its dismiss key as commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import assert_clean_failure, run_cli
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import ME, configure, event_rows
from tests.tui.test_library import rounds


def suggested(home, clock, people: bool = False) -> int:
    """nlcloud down for over a minute: the quick drill's trigger holds and the monitor suggests it."""
    configure(home, people=people)
    clock.set(datetime.now(UTC) - timedelta(minutes=10))  # within the last day, as the command reads it
    rounds(home, clock, "nlcloud", HTTP_DOWN, 6)
    (row,) = event_rows(home, "playbook.suggested")
    return row["seq"]


def test_a_suggestion_is_listed_and_dismissed_from_the_command_line(home, clock):
    seq = suggested(home, clock)
    listed = run_cli("suggestion", "list", "--json", home=home.root)
    assert listed.returncode == 0, listed.stderr
    (shown,) = json.loads(listed.stdout)
    assert (shown["seq"], shown["playbook"], shown["supplier"]) == (seq, "quick-drill", "nlcloud")
    assert set(shown) == {"seq", "at", "playbook", "supplier", "summary"}
    assert str(seq) in run_cli("suggestion", "list", home=home.root).stdout

    dismissed = run_cli("suggestion", "dismiss", str(seq), home=home.root)
    assert dismissed.returncode == 0, dismissed.stderr
    assert dismissed.stdout.strip() == f"suggestion #{seq} dismissed"
    (event,) = event_rows(home, "playbook.dismissed")
    assert event["actor"] == ME and event["data"]["suggestion"] == seq and event["data"]["playbook"] == "quick-drill"
    assert json.loads(run_cli("suggestion", "list", "--json", home=home.root).stdout) == []


def test_dismissing_twice_or_what_is_no_suggestion_is_refused_and_records_nothing(home, clock):
    seq = suggested(home, clock)
    assert run_cli("suggestion", "dismiss", str(seq), home=home.root).returncode == 0
    before = len(event_rows(home))
    again = run_cli("suggestion", "dismiss", str(seq), home=home.root)
    assert_clean_failure(again, 2)
    assert f"suggestion {seq} was already dismissed" in again.stderr
    not_one = run_cli("suggestion", "dismiss", "1", home=home.root)
    assert_clean_failure(not_one, 2)
    assert "seq 1 is not a playbook suggestion" in not_one.stderr
    assert_clean_failure(run_cli("suggestion", "dismiss", "zero", home=home.root), 2)
    assert len(event_rows(home)) == before


def test_an_observer_cannot_dismiss_a_suggestion(home, clock):
    seq = suggested(home, clock, people=True)  # the example's [people] does not name the OS user running the test
    refused = run_cli("suggestion", "dismiss", str(seq), home=home.root)
    assert_clean_failure(refused, 2)
    assert "observer cannot dismiss a suggestion" in refused.stderr
    assert event_rows(home, "playbook.dismissed") == []


def test_a_suggestion_is_said_in_dutch_and_its_json_stays_the_contract(home, clock):
    seq = suggested(home, clock)
    dutch = run_cli("--lang", "nl", "suggestion", "list", home=home.root).stdout
    assert str(seq) in dutch and "onbereikbaar" in dutch and "voorgesteld" in dutch and "suggested" not in dutch, dutch
    (shown,) = json.loads(run_cli("--lang", "nl", "suggestion", "list", "--json", home=home.root).stdout)
    assert set(shown) == {"seq", "at", "playbook", "supplier", "summary"} and shown["summary"].endswith("suggested")
