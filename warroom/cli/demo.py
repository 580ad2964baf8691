"""`warroom demo`: the simulator, a demo home, a monitor and the TUI in one command."""

from __future__ import annotations

from pathlib import Path

import click

from warroom.cli import Env, pass_env
from warroom.cli.language import Command
from warroom.i18n import LANGUAGES, N_, _

DEMO_DRILL, DEMO_SPEED = "cloud-hosting-outage", 20.0  # its 50-minute script in two and a half minutes (--drill's help says both)


def demo_root() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("warroom-demo", appauthor=False))


@click.command(cls=Command, help=N_("A simulated landscape on loopback, a monitor and the TUI: press f on a supplier to break it."))
@click.option("--fresh", is_flag=True, help=N_("Start from an empty demo home (the previous demo's history is deleted)."))
@click.option("--drill", "drill", is_flag=True,
              help=N_("Also start a compressed drill (cloud-hosting-outage, 20× faster) that runs by itself: watch its injects arrive "
                      "and its faults break suppliers; press m in its room for the script, v for the review."))
@click.option("--lang", type=click.Choice(LANGUAGES),
              help=N_("Language of the demo: its screens, and its home's config and playbooks (default: as for any command: warroom --lang, "
                   "the --home's [settings] language, then $LANG)."))
@pass_env
def demo(env: Env, fresh: bool, drill: bool, lang: str | None) -> int:
    import shutil
    import subprocess
    import sys

    from warroom import i18n
    from warroom.demo import dependencies
    from warroom.errors import WarroomError
    from warroom.home import Home
    from warroom.tui import app

    if lang:
        i18n.use(lang)  # the language was chosen before click parsed `demo --lang`
    lang = i18n.current()
    root = env.home_option or demo_root()
    refuse_other_homes(root)
    if fresh and root.exists():
        shutil.rmtree(root)
    depends = [f"--depends={child}={','.join(parents)}" for child, parents in dependencies().items()]
    simulator = subprocess.Popen([sys.executable, "-m", "warroom", "simulate", "--port", "0", *depends], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    try:
        port = simulator.stdout.readline().strip()
        if not port.isdigit():
            raise WarroomError(_("the supplier simulator did not start"))
        prepare(root, int(port), lang)
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


def refuse_other_homes(root: Path) -> None:
    """BadInput when `root` is a war-room home that a demo did not make: the demo rewrites its config."""
    import os

    from warroom import files
    from warroom.demo import DEMO_MARKS
    from warroom.errors import BadInput
    from warroom.text import line
    from warroom.tomlsource import MAX_BYTES

    config = root / "warroom.toml"
    if not os.path.lexists(config):
        return
    text = files.read_bytes(config, files.name_of(config), limit=MAX_BYTES, what="a playbook or config")
    if not any(mark.encode() in text for mark in DEMO_MARKS):
        raise BadInput(_("{home} is a war-room home but not a demo home; warroom demo will not touch it (use another --home)").format(home=line(str(root))))


def prepare(root: Path, port: int, lang: str) -> None:
    """The demo home at `root`, speaking `lang`, its suppliers served by the simulator at `port`:
    made the first time; its config written again each run (the simulator's port differs), and its
    bundled playbooks put in `lang` when the previous demo spoke another language."""
    from warroom import files, identity
    from warroom.clock import SystemClock
    from warroom.demo import demo_config, language_of, quicken_playbooks, replace_playbooks
    from warroom.services import homes
    from warroom.tomlsource import MAX_BYTES

    text = demo_config(port, commander=identity.os_user(), lang=lang)
    config = root / "warroom.toml"
    if config.exists():
        before = files.read_bytes(config, files.name_of(config), limit=MAX_BYTES, what="a playbook or config").decode("utf-8", "replace")
        if language_of(before) != lang:
            replace_playbooks(root / "playbooks", lang)
        config.write_text(text, encoding="utf-8")
    else:
        # English makes the home as it always has (no language setting); Dutch's config says nl itself.
        homes.create(root, clock=SystemClock(), actor=identity.os_user(), origin=identity.origin(), config_text=text,
                     lang=None if lang == "en" else lang)
    quicken_playbooks(root / "playbooks", lang)  # every run: a demo home made by an older version gets them too


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
