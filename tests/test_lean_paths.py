"""Where someone waits, only what that moment needs is imported (issue 16). Proved by what a clean
process has imported, not by timing: a write command loads its own command module and no Alembic on
an up-to-date home; the TUI's first frame shows the suppliers with their states, read from the
database before SQLAlchemy, SQLModel or the configuration's models are imported."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, run_cli
from tests.test_health_states import HTTP_DOWN, HTTP_UP
from tests.test_incidents import configure
from tests.tui.test_board import record


def _python(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# What a log entry does not need: the ORM and SQLModel (it appends through Core), the table models,
# the read models, the playbooks' models and loader, and the incidents' service module.
NOT_FOR_A_WRITE = ("sqlmodel", "sqlalchemy.orm", "warroom.store.models", "warroom.services.views", "warroom.services.incidents",
                   "warroom.playbooks.schema", "warroom.playbooks.loader")


def test_a_write_loads_only_its_own_command_module_and_no_alembic(home):
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    assert incident.isdigit()
    seen = _python(
        "import json, sys\nfrom warroom.cli import main\n"
        f"try:\n    main(['--home', {str(home.root)!r}, 'log', {incident!r}, 'a lean entry'])\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print(json.dumps({'alembic': 'alembic' in sys.modules,\n"
        "                  'commands': sorted(m for m in sys.modules if m.startswith('warroom.cli.')),\n"
        f"                  'loaded': sorted(m for m in {NOT_FOR_A_WRITE!r} if m in sys.modules)}}))"
    )
    assert seen["alembic"] is False
    assert seen["commands"] == ["warroom.cli.incidents", "warroom.cli.output", "warroom.cli.params"]
    assert seen["loaded"] == []  # appended through Core: no ORM, no table models, no read models, no playbook models
    shown = run_cli("incident", "show", incident, "--json", home=home.root)
    assert "a lean entry" in shown.stdout  # it was written


def test_the_write_path_imports_cryptography_only_to_sign_and_the_orm_not_at_all():
    # A coordinator's write in a group home is witnessed by the monitor: their process never signs.
    seen = _python(
        "import json, sys\n"
        "import warroom.witness, warroom.home, warroom.store.engine, warroom.store.eventlog, warroom.services.logbook\n"
        "print(json.dumps(sorted(m for m in ('cryptography', 'sqlmodel', 'sqlalchemy.orm', 'warroom.store.models') if m in sys.modules)))"
    )
    assert seen == []


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
    first["loaded"] = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic", "warroom.config", "warroom.services.commands") if m in sys.modules)
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
