"""`warroom simulate set`: the board's break/heal key as a command, against the real simulator, a
simulator that never answers and one that is not there."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests import hostile
from tests.conftest import assert_clean_failure, run_cli
from tests.test_monitor import sim_home  # noqa: F401  (fixtures)
from warroom.demo import demo_config
from warroom.services import library
from warroom.services import simulator as simulator_service
from warroom.vocabulary import SimulatorMode, words


def modes_of(base: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{base}/_control", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def home_with_simulator_at(tmp_path, clock):
    """A home whose [settings] simulator is 127.0.0.1:PORT."""
    from warroom.services import homes

    def make(port: int):
        return homes.create(tmp_path / f"home-{port}", clock=clock, actor="alice", origin={}, config_text=demo_config(port))

    return make


def test_set_breaks_and_heals_a_supplier_in_the_homes_simulator(sim_home, simulator):  # noqa: F811
    broken = run_cli("simulate", "set", "nlcloud", "down", home=sim_home.root)
    assert broken.returncode == 0, broken.stderr
    assert broken.stdout.strip() == "simulated nlcloud: down"
    assert modes_of(simulator)["nlcloud"] == "down"
    for mode in ("minor", "up"):
        assert run_cli("simulate", "set", "nlcloud", mode, home=sim_home.root).returncode == 0
        assert modes_of(simulator)["nlcloud"] == mode


def test_set_refuses_an_unknown_mode_or_supplier_and_changes_nothing(sim_home, simulator):  # noqa: F811
    sideways = run_cli("simulate", "set", "nlcloud", "sideways", home=sim_home.root)
    assert_clean_failure(sideways, 2)
    assert "sideways" in sideways.stderr and "up" in sideways.stderr
    typo = run_cli("simulate", "set", "nlcluod", "down", home=sim_home.root)
    assert_clean_failure(typo, 2)
    assert "no supplier 'nlcluod' in warroom.toml" in typo.stderr and "nlcloud" in typo.stderr
    assert "nlcluod" not in modes_of(simulator) and modes_of(simulator).get("nlcloud", "up") == "up"
    serving = run_cli("simulate", "--port", "0", "set", "nlcloud", "down", home=sim_home.root)
    assert_clean_failure(serving, 2)


def test_set_in_a_home_without_a_simulator_says_how_to_name_one(home):
    result = run_cli("simulate", "set", "nlcloud", "down", home=home.root)
    assert_clean_failure(result, 2)
    assert "[settings] simulator" in result.stderr


def test_a_simulator_that_never_answers_is_an_error_within_seconds(home_with_simulator_at):
    silent = hostile.Server(hostile.never_answers)
    try:
        home = home_with_simulator_at(silent.port)
        result = run_cli("simulate", "set", "nlcloud", "down", home=home.root, timeout=30)  # a hang fails as TimeoutExpired
    finally:
        silent.close()
    assert_clean_failure(result, 1)
    assert f"the simulator at http://127.0.0.1:{silent.port} did not answer within 3 s" in result.stderr


def test_a_simulator_that_is_not_there_is_an_error(home_with_simulator_at):
    home = home_with_simulator_at(hostile.free_port())
    result = run_cli("simulate", "set", "nlcloud", "down", home=home.root)
    assert_clean_failure(result, 1)
    assert "did not answer" in result.stderr


def test_the_simulator_serves_every_mode_the_vocabulary_names(sim_home, simulator):  # noqa: F811
    """One list of modes: what the CLI offers is what the simulator takes and the playbook schema allows."""
    from typing import get_args

    from warroom.playbooks.schema import FaultMode

    assert list(get_args(FaultMode)) == words(SimulatorMode)
    config = library.config(sim_home)
    for mode in SimulatorMode:
        assert simulator_service.set_mode(config, "paybank", mode) == mode
        assert modes_of(simulator)["paybank"] == mode
