"""A demo's drill lasts one demo: the next `warroom demo` resolves one a killed demo left running,
and leaves alone a drill a person started by hand in the demo home."""

from warroom import identity
from warroom.cli.demo import DEMO_DRILL, DEMO_SPEED, end_demo_drills
from warroom.clock import SystemClock
from warroom.demo import demo_config
from warroom.services import actors, homes, incidents, library


def test_the_next_demo_resolves_the_drill_a_killed_demo_left_running(tmp_path):
    home = homes.create(tmp_path / "home", clock=SystemClock(), actor=identity.os_user(), origin={},
                        config_text=demo_config(9, commander=identity.os_user()))  # a demo home, as `warroom demo` makes it
    config = library.config(home)
    me = actors.resolve(config, identity.os_user(), {})
    store = home.open_store()
    try:
        with store.write() as session:
            left = incidents.start(session, playbook=library.find(home, config, DEMO_DRILL), mode="drill", now=SystemClock().now(),
                                   actor=me, speed=DEMO_SPEED).id
            by_hand = incidents.start(session, playbook=library.find(home, config, DEMO_DRILL), mode="drill", now=SystemClock().now(),
                                      actor=me, speed=4).id
    finally:
        store.dispose()

    assert end_demo_drills(home) == [left]
    assert end_demo_drills(home) == []  # nothing left to end

    store = home.open_store()
    try:
        with store.read() as session:
            assert incidents.get(session, left).status == "resolved"
            assert incidents.get(session, by_hand).status == "open"
    finally:
        store.dispose()


def test_the_demos_help_names_the_drill_it_starts_and_its_speed():
    from tests.conftest import run_cli

    shown = " ".join(run_cli("demo", "--help").stdout.split())
    assert f"({DEMO_DRILL}, {DEMO_SPEED:g}× faster)" in shown, shown
