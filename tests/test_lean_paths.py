"""Where someone waits, only what that moment needs is imported (issue 16). Proved by what a clean
process has imported, not by timing: a write command loads its own command module and no Alembic on
an up-to-date home; the TUI's first frame shows the suppliers with their states, read from the
database before SQLAlchemy, SQLModel or the configuration's models are imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli
from tests.helpers import HTTP_DOWN, HTTP_UP, configure, record


def _python(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# What a log entry does not need: the ORM and SQLModel (it appends through Core), the table models,
# the read models, the playbooks' models and loader, and the incidents' service module.
NOT_FOR_A_WRITE = ("sqlmodel", "sqlalchemy.orm", "warroom.store.models", "warroom.services.views", "warroom.services.incidents",
                   "warroom.playbooks.schema", "warroom.playbooks.loader")


def _a_log_entry(home, text: str, *, before: str = "", report: str) -> tuple[str, dict]:
    """`warroom log` run in a fresh Python (this process has imported everything): `before` runs
    first, `report` is a JSON-able expression printed once the command ended well."""
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    assert incident.isdigit()
    return incident, _python(
        f"import json, sys\n{before}from warroom.cli import main\n"
        f"try:\n    main(['--home', {str(home.root)!r}, 'log', {incident!r}, {text!r}])\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        f"print(json.dumps({report}))"
    )


def test_a_write_loads_only_its_own_command_module_and_no_alembic(home):
    incident, seen = _a_log_entry(home, "a lean entry", report=(
        "{'alembic': 'alembic' in sys.modules, 'commands': sorted(m for m in sys.modules if m.startswith('warroom.cli.')),"
        f" 'loaded': sorted(m for m in {NOT_FOR_A_WRITE!r} if m in sys.modules)}}"))
    assert seen["alembic"] is False
    assert seen["commands"] == ["warroom.cli.incidents", "warroom.cli.language", "warroom.cli.output", "warroom.cli.params"]
    assert seen["loaded"] == []  # appended through Core: no ORM, no table models, no read models, no playbook models
    shown = run_cli("incident", "show", incident, "--json", home=home.root)
    assert "a lean entry" in shown.stdout  # it was written


def test_a_log_entry_loads_its_modules_and_the_witness_key_before_it_queues_for_the_writers_lock(home):
    # Every `warroom log` is a process's first write: what it loads under the writers' lock (the
    # service's modules, cryptography and the key) every other writer waits for.
    _, seen = _a_log_entry(home, "an entry", report="seen", before=(
        "from warroom.store import queue\nturn, seen = queue.turn, {}\n"
        "def watched(fd, deadline):\n"
        "    seen.update({m: m in sys.modules for m in ('warroom.services.logbook', 'warroom.store.eventlog', 'cryptography')})\n"
        "    return turn(fd, deadline)\n"
        "queue.turn = watched\n"))
    assert seen == {"warroom.services.logbook": True, "warroom.store.eventlog": True, "cryptography": True}


def test_the_write_path_imports_cryptography_only_to_sign_and_the_orm_not_at_all():
    # A coordinator's write in a group home is witnessed by the monitor: their process never signs.
    seen = _python(
        "import json, sys\n"
        "import warroom.witness, warroom.home, warroom.store.engine, warroom.store.eventlog, warroom.services.logbook\n"
        "print(json.dumps(sorted(m for m in ('cryptography', 'sqlmodel', 'sqlalchemy.orm', 'warroom.store.models') if m in sys.modules)))"
    )
    assert seen == []


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_json_or_csv_export_reads_through_core_without_the_orm(home, tmp_path, fmt):
    # An export of 100,000 events is mostly start-up and reading: the ORM and the incidents' service
    # module (a fifth of a second to import) are for the formats that show the state now, not these.
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    assert run_cli("log", incident, "an entry", home=home.root).returncode == 0
    target = tmp_path / f"out.{fmt}"
    seen = _python(
        "import json, sys\nfrom warroom.cli import main\n"
        f"try:\n    main(['--home', {str(home.root)!r}, 'export', {incident!r}, '--format', {fmt!r}, '-o', {str(target)!r}])\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print(json.dumps(sorted(m for m in ('sqlmodel', 'sqlalchemy.orm', 'warroom.store.models', 'warroom.services.incidents')"
        " if m in sys.modules)))")
    assert seen == []
    assert "an entry" in target.read_text(encoding="utf-8")  # it was exported

def test_the_lazy_commands_are_every_command_of_their_modules():
    from importlib import import_module

    from warroom.cli import LAZY

    for module in set(LAZY.values()):
        names = {command.name for command in import_module(f"warroom.cli.{module}").COMMANDS}
        assert names == {name for name, m in LAZY.items() if m == module}, module


FIRST_FRAME = """
import asyncio, json, sys
from pathlib import Path
from warroom.home import Home
from warroom.tui import board
from warroom.tui.app import make_app

first = {}
look = board.BoardScreen._first_look

def observed(screen):
    look(screen)
    table = screen.query_one("#suppliers")
    first["rows"] = {key.value: str(table.get_row(key)[0]) for key in table.rows}
    first["loaded"] = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "warroom.config", "warroom.services.commands",
                                         "warroom.services.incidentviews") if m in sys.modules)
    first["full read"] = screen.data is not None

board.BoardScreen._first_look = observed

async def main():
    app = make_app(Home(Path(sys.argv[1])))
    async with app.run_test(size=(120, 40)) as pilot:
        while app.screen.data is None:  # the full read takes over
            await pilot.pause(0.05)
        table = app.screen.query_one("#suppliers")
        first["after"] = {key.value: str(table.get_row(key)[0]) for key in table.rows}

asyncio.run(asyncio.wait_for(main(), 60))
print(json.dumps(first))
"""


def test_the_first_frame_shows_the_states_the_database_holds_before_the_orm_is_imported(home, clock):
    configure(home)
    record(home, clock, "nlcloud", HTTP_DOWN)
    record(home, clock, "nlcloud", HTTP_DOWN)  # confirmed: the second agreeing round
    record(home, clock, "paybank", HTTP_UP)
    record(home, clock, "paybank", HTTP_UP)
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(home.root)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.strip().splitlines()[-1])
    assert first["loaded"] == [] and first["full read"] is False
    assert first["rows"]["nlcloud"] == "▼ DOWN" and first["rows"]["paybank"] == "▲ up"
    assert first["rows"] == first["after"]  # the full read shows the same states, for the same suppliers


def test_the_first_look_declines_what_it_cannot_read_plainly(home, clock):
    from warroom.home import Home
    from warroom.services import glance

    configure(home)
    assert glance.status(home, clock.now()) is not None
    assert glance.status(Home(home.root, "sqlite:///" + str(home.db_path)), clock.now()) is None  # --db: the normal path alone
    home.config_path.write_text(home.config_path.read_text().replace('id = "nlcloud"', "id = 7", 1))
    assert glance.status(home, clock.now()) is None


def test_the_board_starts_with_the_collector_paused_and_a_command_or_a_failure_leaves_it_on(home):
    """`warroom` reads its arguments and the home's language with the collector off and keeps it off
    while importing Textual (app.run turns it on after the first frame); it is on again however the
    app ended, and a command runs with it on."""
    seen = _python_args(
        "import gc, json, sys\nimport warroom.tui.app as app\nfrom warroom.cli import main\nseen = {}\n"
        "def run(home, **options):\n    seen['during'], seen['paused'] = gc.isenabled(), options.get('collector_paused')\n    raise RuntimeError('ended')\n"
        "app.run = run\nimport warroom.cli\nspeak = warroom.cli.speak\n"
        "warroom.cli.speak = lambda args: (seen.setdefault('reading', gc.isenabled()), speak(args))[1]\n"
        "try:\n    main(['--home', sys.argv[1]])\nexcept (SystemExit, RuntimeError):\n    pass\n"
        "seen['after'] = gc.isenabled()\n"
        "import warroom.cli\nhome = warroom.cli.Env.home\n"
        "warroom.cli.Env.home = property(lambda env: (seen.setdefault('during a command', gc.isenabled()), home.fget(env))[1])\n"
        "try:\n    main(['--home', sys.argv[1], 'status'])\nexcept SystemExit:\n    pass\n"
        "seen['after a command'] = gc.isenabled()\nprint(json.dumps(seen))", str(home.root))
    assert seen == {"reading": False, "during": False, "paused": True, "after": True, "during a command": True, "after a command": True}


PARSED_ONCE = """
import json, sys, tomllib
from datetime import UTC, datetime
from pathlib import Path
from warroom.cli import speak
from warroom.home import Home
from warroom.services import glance

parses = []
real = tomllib.loads
tomllib.loads = lambda text: parses.append(len(text)) or real(text)
home = Home(Path(sys.argv[1]))
speak(["--home", sys.argv[1]])
first = glance.status(home, datetime.now(UTC))
once = len(parses)
speak(["--home", sys.argv[1]])
home.config_path.write_text(home.config_path.read_text().replace('name = "NLCloud Hosting B.V."', 'name = "NLCloud renamed"', 1))
changed = glance.status(home, datetime.now(UTC))
print(json.dumps({"once": once, "after a change": len(parses) - once,
                  "names": [{s.id: s.name for s in look.status.suppliers}["nlcloud"] for look in (first, changed)]}))
"""


def test_the_board_parses_warroom_toml_once_before_its_first_frame_and_again_when_it_changed(home):
    """The language's peek (cli.speak) hands its parse to the first look, which read the same
    bytes: one parse of warroom.toml before the first frame, not two; a file changed in between
    is parsed again and shown as it is now."""
    configure(home)
    assert 'name = "NLCloud Hosting B.V."' in home.config_path.read_text()
    seen = _python_args(PARSED_ONCE, str(home.root))
    assert seen["once"] == 1
    assert seen["after a change"] == 2  # speak's parse of the old bytes was not taken for the new
    assert seen["names"] == ["NLCloud Hosting B.V.", "NLCloud renamed"]


def _python_args(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ── the first look and the full read build the same board ──────────────────────────────────────

FIRST_AND_FULL = """
import asyncio, json, sys
from datetime import datetime
from pathlib import Path
from warroom.clock import MovableClock
from warroom.home import Home
from warroom.services import glance, views
from warroom.tui import board
from warroom.tui.app import make_app

seen = {}
look, read = board.BoardScreen._first_look, glance.status

def kept(home, now):
    seen["first status"] = look = read(home, now)
    return look

def shown(screen, status):
    # the supplier table as drawn (cut to the columns' widths, which the trend column moves), each
    # supplier's whole row as the board composes it before cutting, and the services panel
    table = screen.query_one("#suppliers")
    columns = [column.key.value for column in table.ordered_columns]
    return {"order": [key.value for key in table.rows],
            "drawn": {key.value: dict(zip(columns, map(str, table.get_row(key)), strict=True)) for key in table.rows},
            "rows": {s.id: dict(zip(columns, map(str, board.supplier_row(s, screen.zone)), strict=True)) for s in status.suppliers},
            "services": str(screen.query_one("#services").render())}

def observed(screen):
    look(screen)
    seen["first"] = shown(screen, seen["first status"].status)
    seen["loaded"] = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic") if m in sys.modules)
    seen["full read"] = screen.data is not None

glance.status, board.BoardScreen._first_look = kept, observed

def plain(status):
    return {"suppliers": views.to_json(status.suppliers), "services": views.to_json(status.services)}

async def main():
    app = make_app(Home(Path(sys.argv[1])), clock=MovableClock(datetime.fromisoformat(sys.argv[2])))
    async with app.run_test(size=(120, 40)) as pilot:
        while app.screen.data is None:  # the full read takes over
            await pilot.pause(0.05)
        seen["after"] = shown(app.screen, app.screen.data.status)
        seen["full status"] = plain(app.screen.data.status)
    seen["first status"] = plain(seen["first status"].status)

asyncio.run(asyncio.wait_for(main(), 60))
print(json.dumps(seen))
"""


def _record(home, clock, supplier_id: str, result, rounds: int = 2) -> None:
    for _ in range(rounds):  # confirmed: `confirm` agreeing rounds
        record(home, clock, supplier_id, result)


def test_the_first_look_shows_every_cell_the_full_read_shows(home, clock, simulator):
    """A drill holds paybank down (DRILL #n), nlcloud is down for real and casesaas down through it,
    eidgate is in maintenance (announced and configured), hyperscale up inside a configured window,
    netlink and mailco last checked long ago (stale), an active drill fallback on nlcloud, and the
    services on all of them: the first frame's rows and services panel are the full read's, cell
    for cell, and so are the views they are drawn from."""
    import tomllib
    from datetime import timedelta

    import tomli_w

    from tests.test_health_states import PAGE_MAINT
    from warroom.clock import iso

    configure(home)
    config = tomllib.loads(home.config_path.read_text())
    config["settings"]["simulator"] = simulator
    window = {"start": clock.now() - timedelta(hours=1), "end": clock.now() + timedelta(days=1)}
    for supplier in config["suppliers"]:
        if supplier["id"] in ("eidgate", "hyperscale"):
            supplier["maintenance"] = [window]
        if supplier["id"] == "mailco":
            supplier["interval"] = "10s"
    home.config_path.write_text(tomli_w.dumps(config))
    _record(home, clock, "mailco", HTTP_UP)
    _record(home, clock, "netlink", HTTP_DOWN)
    clock.advance(timedelta(minutes=10))  # past their tolerance: stale
    drill = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    assert drill.isdigit()
    for args in (("drill", "inject", drill, "--fault", "paybank=down"),
                 ("log", drill, "Fail over to the stand-by site", "--kind", "decision"),
                 ("fallback", "activate", drill, "secondary-dc", "--reason", "the exercise")):
        done = run_cli(*args, home=home.root)
        assert done.returncode == 0, (args, done.stderr)
    _record(home, clock, "paybank", HTTP_DOWN)  # the drill's fault: marked with the drill
    _record(home, clock, "nlcloud", HTTP_DOWN)
    _record(home, clock, "casesaas", HTTP_DOWN)  # down via nlcloud
    _record(home, clock, "eidgate", PAGE_MAINT)
    _record(home, clock, "hyperscale", HTTP_UP)
    _record(home, clock, "caredata", HTTP_UP)
    done = subprocess.run([sys.executable, "-c", FIRST_AND_FULL, str(home.root), iso(clock.now())], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == [] and seen["full read"] is False  # drawn before the ORM and the config's models load
    first, after = seen["first"], seen["after"]
    # The scenario is on the board as meant: each case of the builder is exercised.
    full = {s["id"]: s for s in seen["full status"]["suppliers"]}
    assert full["paybank"]["state"] == "down" and full["paybank"]["drill"] == int(drill) and "drill" not in full["nlcloud"]
    assert after["rows"]["paybank"]["note"].startswith(f"DRILL #{drill}: ")
    assert full["nlcloud"]["fallback"]["id"] == "secondary-dc" and full["nlcloud"]["fallback"]["mode"] == "drill"
    assert full["casesaas"]["via"] == "nlcloud" and after["rows"]["casesaas"]["state"] == "▼ DOWN ↳"
    assert full["eidgate"]["state"] == "maintenance" and full["hyperscale"]["maintenance"] is True and full["hyperscale"]["state"] == "up"
    assert full["netlink"]["stale"] and full["mailco"]["stale"] and not full["hyperscale"]["stale"] and not full["paybank"]["stale"]
    assert {v["id"]: v["state"] for v in seen["full status"]["services"]}["benefit-payments"] == "down"
    # The first look is the full read: every cell of every row but the trend's (which only the full
    # read reads), drawn in the same order; the services panel; the views they are drawn from.
    for rows in (first["rows"], after["rows"], first["drawn"], after["drawn"]):
        for cells in rows.values():
            cells.pop("latency")
    assert first["rows"] == after["rows"]
    assert first["order"] == after["order"]
    for drawn in (first["drawn"], after["drawn"]):  # as drawn: the trend column only narrows the name and the cause
        for cells in drawn.values():
            del cells["name"], cells["note"]
    assert first["drawn"] == after["drawn"]
    assert first["services"] == after["services"]
    assert seen["first status"] == seen["full status"]
