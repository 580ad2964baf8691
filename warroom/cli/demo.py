"""`warroom demo`: the simulator, a demo home, a monitor and the TUI in one command."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli import Env, pass_env

DEMO_MARK = "# The demo war-room"
DEMO_DRILL, DEMO_SPEED = "cloud-hosting-outage", 20.0  # its 50-minute script in two and a half minutes


def demo_root() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("warroom-demo", appauthor=False))


@click.command()
@click.option("--fresh", is_flag=True, help="Start from an empty demo home (the previous demo's history is deleted).")
@click.option("--drill", "drill", is_flag=True,
              help=f"Also start a compressed drill ({DEMO_DRILL}, {DEMO_SPEED:g}× faster) that runs by itself: watch its injects arrive "
                   "and its faults break suppliers; press m in its room for the script, v for the review.")
@pass_env
def demo(env: Env, fresh: bool, drill: bool) -> int:
    """A simulated landscape on loopback, a monitor and the TUI: press f on a supplier to break it."""
    import os
    import shutil
    import subprocess
    import sys

    from warroom import files, identity
    from warroom.clock import SystemClock
    from warroom.demo import demo_config, dependencies, quicken_playbooks
    from warroom.errors import BadInput, WarroomError
    from warroom.home import Home
    from warroom.services import homes
    from warroom.tomlsource import MAX_BYTES
    from warroom.tui import app

    root = env.home_option or demo_root()
    config = root / "warroom.toml"
    if os.path.lexists(config) and DEMO_MARK.encode() not in files.read_bytes(
            config, files.name_of(config), limit=MAX_BYTES, what="a playbook or config"):
        raise BadInput(f"{root} is a war-room home but not a demo home; warroom demo will not touch it (use another --home)")
    if fresh and root.exists():
        shutil.rmtree(root)
    depends = [f"--depends={child}={','.join(parents)}" for child, parents in dependencies().items()]
    simulator = subprocess.Popen([sys.executable, "-m", "warroom", "simulate", "--port", "0", *depends], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    try:
        port = simulator.stdout.readline().strip()
        if not port.isdigit():
            raise WarroomError("the supplier simulator did not start")
        text = demo_config(int(port), commander=identity.os_user())
        if (root / "warroom.toml").exists():
            (root / "warroom.toml").write_text(text, encoding="utf-8")  # the simulator's port differs each run
        else:
            homes.create(root, clock=SystemClock(), actor=identity.os_user(), origin=identity.origin(), config_text=text)
        quicken_playbooks(root / "playbooks")  # every run: a demo home made by an older version gets them too
        end_demo_drills(Home(root))  # an earlier demo's drill, left running when it was killed, is not this demo's
        if drill:
            _start_drill(Home(root))
        try:
            return app.run(Home(root), mouse=env.mouse)
        finally:
            if drill:
                end_demo_drills(Home(root))  # a demo's drill lasts one demo; the next monitor heals what it broke
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


def end_demo_drills(home) -> list[int]:
    """Resolve the drills a demo started (its playbook at its speed) that are still running: the
    ids. A drill a person started by hand in the demo home is left alone."""
    from warroom.clock import SystemClock
    from warroom.services import commands, incidents, library
    from warroom.vocabulary import Mode, Status

    store = home.open_store()
    try:
        with store.read() as session:
            running = sorted(i.id for i in incidents.listing(session)
                             if i.mode is Mode.DRILL and i.playbook == DEMO_DRILL and i.speed == DEMO_SPEED
                             and i.status in (Status.OPEN, Status.STABILISED))
        if running:
            ctx = commands.context(home, library.config(home), SystemClock().now())
            for incident_id in running:
                commands.execute(store, commands.Transition(incident_id, Status.RESOLVED, "the demo that ran this drill has ended"), ctx)
    finally:
        store.dispose()
    return running


def _start_drill(home) -> None:
    """The demo's drill, started as `incident start --drill --speed` starts one; the TUI's monitor fires its injects."""
    from warroom.clock import SystemClock
    from warroom.services import commands, library
    from warroom.vocabulary import Mode

    ctx = commands.context(home, library.config(home), SystemClock().now())
    store = home.open_store()
    try:
        commands.execute(store, commands.StartIncident(DEMO_DRILL, Mode.DRILL, DEMO_SPEED), ctx)
    finally:
        store.dispose()


COMMANDS = [demo]
