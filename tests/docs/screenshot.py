"""The README's picture of the board, saved from the real app over a realistic moment:

    uv run python -m tests.docs.screenshot .readme/board.svg

The moment is built through the same services the monitor and the CLI use, at a fixed time, so
the picture changes only when the board does. A developer's tool, not shipped: the snapshot tests
build the same moment and wait on the same "painted" predicate."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.clock import MovableClock
from warroom.config import Supplier
from warroom.health.states import Result, observe
from warroom.home import Home
from warroom.services import actors, fallbacks, homes, incidents, lease, library
from warroom.services import health as health_service

MOMENT = datetime(2026, 11, 29, 12, 41, tzinfo=UTC)
UP = Result("http", "up", 82.0, "HTTP 200", "ok")
DOWN = Result("http", "down", None, "HTTP 503", "http-status")
SLOW = Result("http", "degraded", 1240.0, "slow: 1,240 ms", "slow")


def build(root: Path, clock: MovableClock) -> Home:
    from warroom import hints, identity
    from warroom.demo import demo_config
    from warroom.services import escalation

    home = homes.create(root, clock=clock, actor="alice", origin={}, config_text=demo_config(commander=identity.os_user()))
    hints.dismiss(home, hints.FIRST_RUN)  # a war-room in use: its first-run hint was hidden long ago
    config = library.config(home)
    playbooks = [e.playbook for e in library.library(home, config) if e.playbook]
    store = home.open_store()

    def record(supplier: Supplier, result: Result) -> None:
        with store.write() as session:
            lease.take(session, holder="picture", now=clock.now(), ttl=timedelta(hours=2), gap_after=timedelta(days=1), origin={})
            health_service.record(session, supplier=supplier, observation=observe([result]), now=clock.now(),
                                  config=config, playbooks=playbooks, holder="picture", origin={})

    for supplier in config.suppliers:
        record(supplier, UP)
    clock.advance(timedelta(minutes=1))
    alice = actors.resolve(config, "alice", {})
    with store.write() as session:
        drill = incidents.start(session, playbook=library.find(home, config, "payment-processor-payday"), mode="drill", now=clock.now(), actor=alice).id
    assert drill is not None
    clock.advance(timedelta(minutes=20))
    with store.write() as session:
        fallbacks.activate(session, incident_id=drill, fallback_id="manual-batch", reason="drill: exercise the emergency channel",
                           now=clock.now(), actor=alice, config=config)
    faults = {"nlcloud": DOWN, "casesaas": DOWN, "paybank": SLOW}
    for _ in range(12):
        clock.advance(timedelta(seconds=30))
        for supplier in config.suppliers:
            record(supplier, faults.get(supplier.id, UP))
    with store.write() as session:
        live = incidents.start(session, playbook=library.find(home, config, "cloud-hosting-outage"), mode="live", now=clock.now(), actor=alice).id
    assert live is not None
    clock.advance(timedelta(minutes=2))
    with store.read() as session:
        due = [d for d in escalation.pending(session) if d.kind == "escalation" and d.due_at <= clock.now()]
    for deadline in due:
        with store.write() as session:
            escalation.fire(session, deadline, now=clock.now(), config=config, holder="picture", origin={})
    with store.write() as session:
        escalation.acknowledge(session, incident_id=live, level=1, now=clock.now(), actor=alice)
    clock.advance(timedelta(seconds=30))
    for supplier in config.suppliers:
        record(supplier, faults.get(supplier.id, UP))
    store.dispose()
    return home


def board_painted(app) -> bool:
    """The board shows all of its first read: every incident in its table, and the columns grown
    to their text (a data table widens its columns a frame after the rows arrive)."""
    from textual.geometry import Region

    from warroom.tui.board import BoardScreen
    from warroom.tui.quiet import Rows

    screen, data = app.screen, app.board_data
    if data is None or not isinstance(screen, BoardScreen):
        return False
    incidents, suppliers = screen.query_one("#incidents", Rows), screen.query_one("#suppliers", Rows)
    shown = "".join(strip.text for strip in suppliers.render_lines(Region(0, 0, suppliers.size.width, suppliers.size.height)))
    return incidents.row_count == len(data.status.incidents) and data.status.suppliers[0].name in shown


async def until_painted(pilot, condition, tries: int = 400) -> None:
    """Wait (bounded) until `condition(app)` holds, then let the screen paint once more."""
    for _ in range(tries):
        if condition(pilot.app):
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def shoot(home: Home, clock: MovableClock, target: Path) -> None:
    from warroom.tui.app import make_app

    app = make_app(home, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_painted(pilot, board_painted)
        app.save_screenshot(filename=target.name, path=str(target.parent))


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".readme/board.svg").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    clock = MovableClock(MOMENT)
    with tempfile.TemporaryDirectory() as tmp:
        home = build(Path(tmp) / "home", clock)
        asyncio.run(shoot(home, clock, target))
    print(f"saved {target}")


if __name__ == "__main__":
    main()
