"""The demo tells its story within a minute: its playbooks trigger quickly (the bundled ones stay
realistic), its simulator takes a parent's children down with it, and a child down via its parent
suggests nothing of its own."""

from __future__ import annotations

import json
import tomllib
import urllib.error
import urllib.request

from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from tests.test_health_states import HTTP_DOWN
from tests.test_incidents import event_rows
from tests.tui.test_library import rounds
from warroom import durations
from warroom.demo import DEMO_TRIGGER, dependencies
from warroom.home import bundled_playbooks


def test_a_demo_home_suggests_within_seconds_while_the_bundled_playbooks_stay_realistic(tmp_path):
    made = run_cli("init", "--demo", str(tmp_path / "demo"))
    assert made.returncode == 0, made.stderr
    triggered = 0
    for bundled in sorted(bundled_playbooks().glob("*.toml")):
        original = tomllib.loads(bundled.read_text())
        copy = (tmp_path / "demo" / "playbooks" / bundled.name).read_text()
        if "trigger" not in original:
            continue
        triggered += 1
        assert durations.parse(original["trigger"]["for"]).total_seconds() >= 120, bundled.name  # realistic, untouched
        assert tomllib.loads(copy)["trigger"]["for"] == DEMO_TRIGGER, bundled.name
        assert "#:schema" in copy  # edited in place: the authors' comments stay
    assert triggered >= 5
    valid = run_cli("playbook", "validate", home=tmp_path / "demo")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    plain = run_cli("init", str(tmp_path / "plain"))
    assert plain.returncode == 0, plain.stderr
    assert (tmp_path / "plain" / "playbooks" / "cloud-hosting-outage.toml").read_text() == (bundled_playbooks() / "cloud-hosting-outage.toml").read_text()


def _health(base: str, supplier: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{base}/s/{supplier}/health", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read())


def _put(base: str, supplier: str, mode: str) -> None:
    request = urllib.request.Request(f"{base}/_control/{supplier}", data=json.dumps({"mode": mode}).encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=5):
        pass


def test_the_simulator_takes_a_parents_children_down_with_it_and_back_up():
    assert dependencies()["casesaas"] == ["nlcloud"]  # the demo passes the example's depends_on
    sim = Process("simulate", "--port", "0", "--depends", "casesaas=nlcloud", "--depends", "portal=casesaas,eidgate")
    try:
        port = wait_for(lambda: next((said for said in sim.lines if said.isdigit()), None), what="the simulator's port")
        base = f"http://127.0.0.1:{port}"
        assert _health(base, "casesaas")[0] == 200
        _put(base, "nlcloud", "down")
        assert _health(base, "casesaas") == (503, {"status": "error", "supplier": "casesaas", "via": "nlcloud"})
        assert _health(base, "portal")[0] == 503  # a grandchild too
        assert _health(base, "paybank")[0] == 200  # nobody else
        with urllib.request.urlopen(f"{base}/_control", timeout=5) as response:
            assert json.loads(response.read()).get("casesaas", "up") == "up"  # its own mode is kept
        _put(base, "nlcloud", "up")
        assert _health(base, "casesaas")[0] == 200 and _health(base, "portal")[0] == 200
    finally:
        sim.stop()


def test_a_bad_dependency_is_a_usage_error():
    for bad in ("casesaas", "casesaas=", "=nlcloud", "Case Saas=nlcloud"):
        result = run_cli("simulate", "--port", "0", "--depends", bad)
        assert_clean_failure(result, 2)
        assert "CHILD=PARENT" in result.stderr


def test_a_child_down_via_its_parent_suggests_nothing_of_its_own(home, clock):
    """CaseFlow (on NLCloud) has a playbook of its own; with NLCloud down it fails too, but only
    NLCloud's playbook is suggested: the child raises no alarm of its own (DESIGN §3)."""
    for _ in range(2):
        rounds(home, clock, "nlcloud", HTTP_DOWN, 1)
        rounds(home, clock, "casesaas", HTTP_DOWN, 1)
    for _ in range(40):  # twenty minutes: past every trigger's window
        rounds(home, clock, "nlcloud", HTTP_DOWN, 1)
        rounds(home, clock, "casesaas", HTTP_DOWN, 1)
    suggested = {row["data"]["playbook"] for row in event_rows(home, "playbook.suggested")}
    assert suggested == {"cloud-hosting-outage"}
