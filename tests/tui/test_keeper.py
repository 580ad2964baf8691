"""A TUI makes sure a monitor runs when nobody holds the lease, and hands it back when it quits."""

from __future__ import annotations

import asyncio
import os

from tests.test_incidents import configure
from tests.test_monitor import lease_holder
from tests.tui.test_board import until
from warroom.tui.app import make_app


def test_the_app_starts_a_monitor_when_none_runs_and_releases_it_on_exit(home, clock, monitors):
    configure(home)
    host = os.uname().nodename

    async def scenario():
        app = make_app(home, clock=clock, keep_monitor=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.keeper is not None and app.keeper.child is not None, timeout=15, what="a child monitor")
            child = app.keeper.child.pid
            await until(pilot, lambda: lease_holder(home) == f"{host}:{child}", timeout=20, what="the child to hold the lease")
        return child

    asyncio.run(scenario())
    assert lease_holder(home) is None  # released at once on exit, not left to expire


def test_the_app_leaves_a_running_monitor_alone(home, clock, monitors):
    from tests.conftest import wait_for

    configure(home)
    service = monitors(home)
    wait_for(lambda: lease_holder(home) == f"{os.uname().nodename}:{service.proc.pid}", what="the service monitor to lead")

    async def scenario():
        app = make_app(home, clock=clock, keep_monitor=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.board_data is not None, what="the board")
            assert app.keeper is not None and app.keeper.child is None

    asyncio.run(scenario())


def test_with_db_the_app_and_its_monitor_use_that_database_not_the_homes_file(home, clock, tmp_path):
    from tests.conftest import run_cli, wait_for
    from warroom.home import Home

    configure(home)
    other = tmp_path / "elsewhere.db"
    assert run_cli("backup", str(other), home=home.root).returncode == 0
    url = f"sqlite:///{other}"
    elsewhere = Home(home.root, url)
    host = os.uname().nodename

    async def scenario():
        app = make_app(elsewhere, clock=clock, keep_monitor=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.keeper is not None and app.keeper.child is not None, timeout=15, what="a child monitor")
            child = app.keeper.child.pid
            await until(pilot, lambda: lease_holder(home, other) == f"{host}:{child}", timeout=20, what="the child to lead in the --db database")
            assert lease_holder(home) is None  # the home's own file was left alone
            started = run_cli("--db", url, "incident", "start", "quick-drill", "--drill", home=home.root)
            assert started.returncode == 0, started.stderr
            await until(pilot, lambda: app.board_data is not None and any(i.id == int(started.stdout) for i in app.board_data.status.incidents),
                        timeout=5, what="the incident started in the --db database to show")

    asyncio.run(scenario())
    wait_for(lambda: lease_holder(home, other) is None, what="the lease handed back on exit")
