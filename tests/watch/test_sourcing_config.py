"""Supplier facts for the sourcing officer in warroom.toml: jurisdiction, contract, exit plan and data
location, all optional, checked like the rest (file, line, field, exit 2, nothing changed), shipped
in the home's JSON Schema, and EU membership derived from the country code."""

from __future__ import annotations

import json

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.test_validation_cli import _snapshot
from warroom.config import load_config

SOURCING = '''
[suppliers.sourcing]
country = "IE"
parent_country = "US"
data_locations = ["IE", "NL"]
contract_end = 2027-01-31
notice = "90d"
certifications = ["ISO 27001"]

[suppliers.sourcing.exit_plan]
location = "Runbook EXIT-07"
reviewed = 2026-02-12
'''


def _with_sourcing(home, sourcing: str) -> str:
    """The home's config with `sourcing` as the second supplier's (casesaas, which has none) sourcing
    table, placed after its keys, before any sub-table."""
    text = home.config_path.read_text(encoding="utf-8")
    first_checks = text.index("[[suppliers.checks]]", text.index('id = "casesaas"'))
    return text[:first_checks] + sourcing.lstrip("\n") + "\n" + text[first_checks:]


def test_the_facts_load_and_eu_membership_is_derived_from_the_codes(home):
    home.config_path.write_text(_with_sourcing(home, SOURCING), encoding="utf-8")
    config = load_config(home.config_path)
    sourcing = config.suppliers[1].sourcing
    assert sourcing.country == "IE" and sourcing.exit_plan and sourcing.exit_plan.reviewed.isoformat() == "2026-02-12"
    assert sourcing.outside_eu() == ["US"]  # Ireland and the Netherlands are in the EU; the parent is not
    assert config.suppliers[2].sourcing.outside_eu() == []  # and every fact is optional
    result = run_cli("playbook", "validate", home=home.root)
    assert result.returncode == 0, result.stderr


def test_the_home_ships_the_facts_in_its_json_schema(home):
    schema = json.loads((home.root / "warroom.schema.json").read_text(encoding="utf-8"))
    assert "sourcing" in schema["$defs"]["Supplier"]["properties"]
    assert {"type": "string", "pattern": "^[A-Z]{2}$", "examples": ["NL", "DE", "US"]} in schema["$defs"]["Sourcing"]["properties"]["country"]["anyOf"]
    assert "weights" in schema["$defs"]["Risk"]["properties"]


# (name, sourcing table, expected problem); lines count from the first line of the config.
CASES = [
    ("lower-case-country", '[suppliers.sourcing]\ncountry = "nl"\n', "sourcing.country: 'nl': write country codes in capitals, like 'NL'"),
    ("uk-for-gb", '[suppliers.sourcing]\ndata_locations = ["NL", "UK"]\n', "sourcing.data_locations[1]: 'UK' is not an ISO 3166-1 code: the United Kingdom is 'GB'"),
    ("no-such-country", '[suppliers.sourcing]\nparent_country = "XX"\n', "sourcing.parent_country: 'XX' is not an ISO 3166-1 alpha-2 country code"),
    ("contract-end-words", '[suppliers.sourcing]\ncontract_end = "next year"\n', "sourcing.contract_end: 'next year' is not a date: write it like 2027-06-30"),
    ("contract-end-with-time", '[suppliers.sourcing]\ncontract_end = 2027-01-31T10:00:00+01:00\n', "sourcing.contract_end:"),
    ("exit-plan-without-location", '[suppliers.sourcing.exit_plan]\nreviewed = 2026-02-12\n', "sourcing.exit_plan.location: required key is missing"),
    ("typo", '[suppliers.sourcing]\ncontry = "NL"\n', "sourcing.contry: unknown key"),
    ("bad-notice", '[suppliers.sourcing]\nnotice = "three months"\n', "sourcing.notice: 'three months' is not a duration"),
]


@pytest.mark.parametrize("name,sourcing,expected", CASES, ids=[c[0] for c in CASES])
def test_a_bad_fact_is_refused_with_file_line_and_field_and_nothing_changes(home, name, sourcing, expected):
    text = _with_sourcing(home, sourcing)
    home.config_path.write_text(text, encoding="utf-8")
    first = text[: text.index(sourcing.lstrip("\n"))].count("\n") + 1
    wanted_line = first if name == "exit-plan-without-location" else first + 1  # the table's line, or the key's own
    before = _snapshot(home.root)
    for args in (("playbook", "validate"), ("status",), ("risks",)):
        result = run_cli(*args, home=home.root)
        assert_clean_failure(result, 2)
        assert f"warroom.toml:{wanted_line}: suppliers[1].{expected}" in result.stderr, (args, result.stderr)
        assert len([x for x in result.stderr.splitlines() if "problem(s) found" not in x]) == 1, result.stderr
    assert _snapshot(home.root) == before


@pytest.mark.parametrize("weights,expected", [
    ('[risk.weights]\nvital = -5\n', "risk.weights.vital: Input should be greater than or equal to 0"),
    ('[risk.weights]\nvitall = 5\n', "risk.weights.vitall: unknown key"),
    ('[risk.weights]\nservice = 1e308\n', "risk.weights.service: Input should be less than or equal to 1000"),  # every score inf
    ('[risk.weights]\nservice = inf\n', "risk.weights.service: must be a finite number (not nan or inf)"),
    ('[risk]\navailability_target = 120\n', "risk.availability_target: Input should be less than or equal to 100"),
    ('[risk]\navailability_target = nan\n', "risk.availability_target: must be a finite number (not nan or inf)"),
    ('[risk.weights]\nservice = true\n', "risk.weights.service: Input should be a valid number"),  # TOML's true is no 1
    ('[[reporting]]\nid = "x"\ntitle = "X"\nrecipient = "R"\nmonths = true\n', "reporting[5].months: Input should be a valid integer"),
    ('[risk]\ncontract_horizon = "half a year"\n', "risk.contract_horizon: 'half a year' is not a duration"),
])
def test_bad_risk_settings_are_refused_with_their_line(home, weights, expected):
    text = home.config_path.read_text(encoding="utf-8") + "\n" + weights
    home.config_path.write_text(text, encoding="utf-8")
    result = run_cli("risks", home=home.root)
    assert_clean_failure(result, 2)
    assert f"warroom.toml:{len(text.splitlines())}: {expected}" in result.stderr, result.stderr
