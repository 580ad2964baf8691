"""The risk view on a hand-built landscape: `warroom risks` ranks the suppliers as this test works
out from the weights, explains every factor, and a changed weight in warroom.toml changes the order."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import assert_clean_failure, run_cli

LANDSCAPE = '''
[[suppliers]]
id = "cloud"
name = "Cloud"
criticality = "vital"

[suppliers.sourcing]
country = "IE"
parent_country = "US"

[[suppliers]]
id = "saas"
name = "SaaS"
criticality = "important"
depends_on = ["cloud"]

[[suppliers.fallbacks]]
id = "saas-paper"
title = "Paper files"
owner = "x"

[[suppliers]]
id = "bank"
name = "Bank"
criticality = "vital"

[[suppliers.fallbacks]]
id = "bank-manual"
title = "Manual payments"
owner = "x"

[suppliers.sourcing]
country = "NL"
contract_end = {contract_end}

[suppliers.sourcing.exit_plan]
location = "DMS 2024/1"
reviewed = {reviewed}

[[suppliers]]
id = "mail"
name = "Mail"

[[suppliers.fallbacks]]
id = "mail-sms"
title = "SMS instead"
owner = "x"

[[services]]
id = "pay"
name = "Payments"
sector = "income"
depends_on = ["bank"]

[[services]]
id = "cases"
name = "Cases"
sector = "justice"
depends_on = ["saas"]

[[services]]
id = "portal"
name = "Portal"
sector = "income"
depends_on = ["saas", "cloud"]

[notify.duty]
name = "Duty officer"
'''

PLAYBOOK = '''id = "drill-fallbacks"
title = "Exercise the fallbacks"
fallbacks = ["bank-manual", "saas-paper"]

[[steps]]
id = "confirm"
title = "Confirm"

[[escalation]]
after = "0m"
notify = ["duty"]
'''


def _today() -> date:
    """Today as `warroom risks` reads it: on the war-room's calendar (the landscape keeps the default
    zone), not the machine's, which differ around midnight."""
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _ok(home, *args: str) -> str:
    result = run_cli(*args, home=home.root)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


@pytest.fixture
def landscape(home):
    today = _today()
    home.config_path.write_text(LANDSCAPE.format(contract_end=today + timedelta(days=30), reviewed=today - timedelta(days=800)), encoding="utf-8")
    shutil.rmtree(home.playbooks_dir)
    home.playbooks_dir.mkdir()
    (home.playbooks_dir / "drill-fallbacks.toml").write_text(PLAYBOOK, encoding="utf-8")
    incident = _ok(home, "incident", "start", "drill-fallbacks", "--drill").strip()
    _ok(home, "fallback", "activate", incident, "saas-paper", "--reason", "drill")
    _ok(home, "fallback", "deactivate", incident, "saas-paper", "--result", "worked", "--reason", "drill done")
    _ok(home, "fallback", "activate", incident, "bank-manual", "--reason", "drill")
    _ok(home, "fallback", "deactivate", incident, "bank-manual", "--result", "failed", "--reason", "the batch file was refused")
    return home


def _ranking(home) -> list[dict]:
    return json.loads(_ok(home, "risks", "--json"))["suppliers"]


def test_the_landscape_is_ranked_by_the_weights_and_every_factor_is_explained(landscape):
    ranked = _ranking(landscape)
    # By hand, default weights: cloud 2 services (portal; cases via saas) 20 + vital 20 + no fallback 25 + outside EU 15;
    # bank 1 service 10 + vital 20 + last exercise failed 20 + contract ending, exit plan stale 20;
    # saas 2 services 20 + important 10 (its fallback worked); mail: a fallback never exercised 15.
    assert [(r["rank"], r["id"], r["score"]) for r in ranked] == [(1, "cloud", 80), (2, "bank", 70), (3, "saas", 30), (4, "mail", 15)]
    cloud = {f["factor"]: f for f in ranked[0]["factors"]}
    assert set(cloud) == {"service", "vital", "no_fallback", "outside_eu"}
    assert cloud["service"] == {"factor": "service", "weight": 10.0, "count": 2, "points": 20.0,
                                "why": "2 crucial services depend on it: cases (via saas), portal"}
    assert cloud["outside_eu"]["why"] == "outside the EU: US"  # IE is in the EU; its US parent is not
    bank = {f["factor"]: f for f in ranked[1]["factors"]}
    assert bank["fallback_failed"]["why"] == "last exercise failed: bank-manual"
    assert bank["contract_ending"]["why"].startswith(f"contract ends {_today() + timedelta(days=30)} (in 30 days); exit plan last reviewed")
    assert "fallback_never_exercised" not in bank and "no_fallback" not in bank
    assert [f["factor"] for f in ranked[3]["factors"]] == ["fallback_never_exercised"]
    for r in ranked:
        assert r["score"] == sum(f["points"] for f in r["factors"])
        assert all(f["points"] == f["weight"] * f["count"] for f in r["factors"])

    text = _ok(landscape, "risks")
    assert text.splitlines()[1].split()[:3] == ["1.", "cloud", "80"]
    assert "outside_eu                   15 × 1     =     15  outside the EU: US" in text


def test_a_changed_weight_in_the_config_changes_the_order(landscape):
    text = landscape.config_path.read_text(encoding="utf-8")
    landscape.config_path.write_text(text + "\n[risk.weights]\noutside_eu = 0\nservice = 12\n", encoding="utf-8")
    ranked = _ranking(landscape)
    # cloud 24 + 20 + 25 = 69 (no outside-EU points); bank 12 + 20 + 20 + 20 = 72
    assert [(r["id"], r["score"]) for r in ranked] == [("bank", 72), ("cloud", 69), ("saas", 34), ("mail", 15)]
    assert "outside_eu" not in {f["factor"] for f in ranked[1]["factors"]}
    assert json.loads(_ok(landscape, "risks", "--json"))["weights"]["service"] == 12


def test_a_reviewed_exit_plan_takes_the_contract_factor_away(landscape):
    text = landscape.config_path.read_text(encoding="utf-8")
    stale = str(_today() - timedelta(days=800))
    landscape.config_path.write_text(text.replace(f"reviewed = {stale}", f"reviewed = {_today() - timedelta(days=10)}"), encoding="utf-8")
    bank = next(r for r in _ranking(landscape) if r["id"] == "bank")
    assert bank["score"] == 50 and "contract_ending" not in {f["factor"] for f in bank["factors"]}


def test_risks_on_a_missing_home_exits_2(tmp_path):
    assert_clean_failure(run_cli("risks", home=tmp_path / "nowhere"), 2)


NOON = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("UTC"))


def test_availability_and_certificate_factors_say_their_numbers():
    from warroom.config import Risk
    from warroom.risk import Facts, factors

    facts = Facts(id="x", name="X", criticality="normal", services=(), fallbacks=(), contract_end=None, exit_plan=False,
                  exit_plan_reviewed=None, outside_eu=(), certificate_not_after=NOON + timedelta(days=3), uptime_30d=97.4)
    found = {f.factor: f for f in factors(facts, Risk(), NOON.date(), NOON)}
    assert found["availability"].count == 2.5 and found["availability"].points == 12.5
    assert found["availability"].why == "30-day uptime 97.400 % is 2.500 points below the 99.9 % target"
    assert found["certificate"].points == 10 and found["certificate"].why == "TLS certificate expires 2026-12-02 12:00 UTC (in 3 days, within 30 days)"
    worse = factors(Facts(**{**{f: getattr(facts, f) for f in facts.__slots__}, "uptime_30d": 12.0}), Risk(), NOON.date(), NOON)
    assert next(f for f in worse if f.factor == "availability").count == 10  # capped: one bad month does not drown the rest


@pytest.mark.parametrize("ends,horizon,expected", [
    (NOON + timedelta(days=29), "30d", ("certificate", 10)),
    (NOON + timedelta(days=31), "30d", None),  # beyond the horizon
    (NOON + timedelta(days=31), "60d", ("certificate", 10)),  # the config's horizon decides
    (NOON - timedelta(seconds=1), "30d", ("certificate_expired", 25)),
    (None, "30d", None),  # never read
])
def test_the_certificate_factor_counts_the_stored_end_against_the_clock(ends, horizon, expected):
    from warroom.config import Risk
    from warroom.risk import Facts, factors

    facts = Facts(id="x", name="X", criticality="normal", services=(), fallbacks=(), contract_end=None, exit_plan=False,
                  exit_plan_reviewed=None, outside_eu=(), certificate_not_after=ends, uptime_30d=None)
    found = [(f.factor, f.points) for f in factors(facts, Risk(certificate_horizon=horizon), NOON.date(), NOON)
             if f.factor.startswith("certificate")]
    assert found == ([expected] if expected else [])


def test_a_contract_ends_on_the_war_rooms_calendar_at_half_past_midnight(home, clock):
    """At 23:30 UTC on 29 November it is 00:30 on the 30th in Amsterdam: a contract ending on
    30 December is 30 days away, as the war-room counts (the test's fixed clock, not the machine's)."""
    from warroom.services import library
    from warroom.services import risk as risk_service

    clock.set(datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("UTC")))
    home.config_path.write_text(LANDSCAPE.format(contract_end=date(2026, 12, 30), reviewed=date(2024, 9, 1)), encoding="utf-8")
    shutil.rmtree(home.playbooks_dir)
    home.playbooks_dir.mkdir()
    config = library.config(home)
    store = home.open_store()
    try:
        with store.read() as session:
            ranked = risk_service.ranking(session, config, clock.now())
    finally:
        store.dispose()
    bank = {f.factor: f for f in next(r for r in ranked if r.id == "bank").factors}
    assert bank["contract_ending"].why.startswith("contract ends 2026-12-30 (in 30 days); exit plan last reviewed 2024-09-01")
