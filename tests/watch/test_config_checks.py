"""What warroom.toml and a playbook may not say about the long-term watch, refused through the CLI
with exit 2 and one line naming file, line and field: a reporting deadline of no time, an exit plan
reviewed after today (today on the war-room's calendar, at the CLI's clock: $WARROOM_NOW), a
contract end that is not a date. And the reading commands' clock: `risks` and `report list` at a
fixed time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.test_incidents import configure
from tests.test_validation_cli import _snapshot
from tests.watch.test_sourcing_config import _with_sourcing

PLAYBOOK_STEP = 'id = "now"\ntitle = "Now"\n\n[[steps]]\nid = "confirm"\ntitle = "Confirm"\n\n'


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def _refused(home, expected: str, *args: str, env: dict | None = None) -> None:
    """Every way in refuses it: the validator (its one problem, then the count) and a reading command."""
    before = _snapshot(home.root)
    for command in (("playbook", "validate"), ("risks",), *((args,) if args else ())):
        result = run_cli(*command, home=home.root, env=env)
        assert_clean_failure(result, 2)
        problems = [x for x in result.stderr.splitlines() if "problem(s) found" not in x]
        assert len(problems) == 1 and problems[0].removeprefix("warroom: ").startswith(expected), (command, result.stderr)
    assert _snapshot(home.root) == before


@pytest.mark.parametrize("due,message", [
    ("0s", "must be longer than 0s, like 30s"),
    ("0d0h", "must be longer than 0s, like 30s"),
    ("-24h", "'-24h' is not a duration"),
])
def test_a_reporting_deadline_of_no_time_is_refused_in_the_config(home, due, message):
    text = home.config_path.read_text(encoding="utf-8")
    line = _line_of(text, 'due = "72h"\n')
    home.config_path.write_text(text.replace('due = "72h"\n', f'due = "{due}"\n', 1), encoding="utf-8")
    _refused(home, f"warroom.toml:{line}: reporting[1].due: {message}")


def test_a_reporting_deadline_of_no_time_is_refused_in_a_playbook(home):
    (home.playbooks_dir / "now.toml").write_text(
        PLAYBOOK_STEP + '[[reporting]]\nid = "at-once"\ntitle = "At once"\nrecipient = "CSIRT"\ndue = "0s"\n', encoding="utf-8")
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    assert [x for x in result.stderr.splitlines() if "problem(s) found" not in x] == [
        "playbooks/now.toml:12: reporting[0].due: must be longer than 0s, like 30s"], result.stderr


def test_an_exit_plan_reviewed_after_today_is_not_counted_and_refuses_nothing(home):
    """The example's nlcloud plan was reviewed on 12 February 2026: on 1 January that is after today.
    A host clock behind must not stop the war-room: the config is accepted, the risk view does not
    count that review (and says so), doctor warns. On the 12th in Amsterdam the review counts."""
    text = home.config_path.read_text(encoding="utf-8")
    home.config_path.write_text(text.replace("contract_end = 2027-03-31\n", "contract_end = 2026-03-31\n", 1), encoding="utf-8")
    early = {"WARROOM_NOW": "2026-01-01T00:00:00+01:00"}
    for args in (("status",), ("playbook", "validate")):
        result = run_cli(*args, home=home.root, env=early)
        assert result.returncode == 0, (args, result.stderr)
    risks = run_cli("risks", home=home.root, env=early)
    assert risks.returncode == 0, risks.stderr
    assert "exit plan review dated 2026-02-12, after today: not counted" in risks.stdout, risks.stdout
    later = run_cli("risks", home=home.root, env={"WARROOM_NOW": "2026-02-11T23:30:00+00:00"})
    assert later.returncode == 0 and "after today" not in later.stdout and "2026-02-12" not in later.stdout, later.stdout
    # doctor reads the system's clock: a review dated next week is warned about.
    ahead = (datetime.now(ZoneInfo("Europe/Amsterdam")) + timedelta(days=7)).date()
    home.config_path.write_text(text.replace("reviewed = 2026-02-12\n", f"reviewed = {ahead}\n"), encoding="utf-8")
    doctor = run_cli("doctor", "--offline", home=home.root)
    assert f"nlcloud: exit plan review dated {ahead}, after today" in doctor.stdout, doctor.stdout


def test_a_clock_out_of_range_is_refused_in_one_line(home):
    for when in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"):
        result = run_cli("risks", home=home.root, env={"WARROOM_NOW": when})
        assert_clean_failure(result, 2)
        assert "WARROOM_NOW" in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(("written", "said"), [
    ('"2027-W26-3"', "'2027-W26-3'"),
    ('"20270630"', "'20270630'"),
    ('"2027-06-31"', "'2027-06-31'"),
    ("20270630", "20270630"),
    ("2027-06-30T00:00:00", "datetime.datetime(2027, 6, 30, 0, 0)"),
])
def test_a_contract_end_that_is_not_a_date_is_refused(home, written, said):
    sourcing = f"[suppliers.sourcing]\ncontract_end = {written}\n"
    text = _with_sourcing(home, sourcing)
    home.config_path.write_text(text, encoding="utf-8")
    line = _line_of(text, sourcing) + 1
    before = _snapshot(home.root)
    result = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(result, 2)
    problems = [x for x in result.stderr.splitlines() if "problem(s) found" not in x]
    assert problems == [f"warroom.toml:{line}: suppliers[1].sourcing.contract_end: {said} is not a date: write it like 2027-06-30 (no quotes, no time)"], result.stderr
    assert _snapshot(home.root) == before


def test_a_bad_warroom_now_is_one_line_and_exit_2(home):
    for bad in ("yesterday", "2026-11-29T12:00:00"):  # words; an instant without an offset
        result = run_cli("risks", home=home.root, env={"WARROOM_NOW": bad})
        assert_clean_failure(result, 2)
        assert result.stderr.strip().endswith("is not an instant with a UTC offset, like 2026-11-29T12:00:00+00:00"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    # A command that records never reads it: the log's times are the real ones, whatever the variable says.
    configure(home)
    started = run_cli("incident", "start", "quick-drill", home=home.root, env={"WARROOM_NOW": "yesterday"})
    assert started.returncode == 0, started.stderr


def test_export_reads_at_the_clis_fixed_clock(home):
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", home=home.root).stdout.strip()
    when = "2030-01-02T03:04:05+00:00"
    exported = run_cli("export", incident, "--format", "json", home=home.root, env={"WARROOM_NOW": when})
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["export"]["generated_at"] == "2030-01-02T03:04:05.000000Z"


def test_risks_and_report_list_read_at_the_clis_fixed_clock(home):
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", home=home.root)
    assert incident.returncode == 0, incident.stderr
    number = incident.stdout.strip()
    opened = json.loads(run_cli("incident", "show", number, "--json", home=home.root).stdout)["incident"]["opened_at"]
    opened_at = datetime.fromisoformat(opened).astimezone(UTC)

    def clocks(at: datetime) -> dict[str, str]:
        result = run_cli("report", "list", number, "--json", home=home.root, env={"WARROOM_NOW": at.isoformat()})
        assert result.returncode == 0, result.stderr
        return {c["id"]: c["state"] for c in json.loads(result.stdout)}

    # The example's clocks run from the opening (the quick playbook has no significance decision).
    assert clocks(opened_at + timedelta(hours=23))["nis2-early-warning"] == "pending"
    later = clocks(opened_at + timedelta(hours=25))
    assert later["nis2-early-warning"] == "overdue" and later["nis2-notification"] == "pending"
    assert clocks(opened_at + timedelta(days=40))["nis2-final-report"] == "overdue"

    # The contract of nlcloud ends 2027-03-31 (the example): the risk view counts its days from the fixed clock.
    at = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    result = run_cli("risks", "--json", home=home.root, env={"WARROOM_NOW": at.isoformat()})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert datetime.fromisoformat(shown["at"]) == at
    nlcloud = next(s for s in shown["suppliers"] if s["id"] == "nlcloud")
    ending = next(f for f in nlcloud["factors"] if f["factor"] == "contract_ending")
    assert ending["why"].startswith("contract ends 2027-03-31 (in 30 days)"), ending
