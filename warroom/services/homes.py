"""Creating a home and recording that it exists: the first event of every log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom import home as homes
from warroom.clock import Clock
from warroom.store import eventlog


def create(root: Path, *, clock: Clock, actor: str, origin: dict[str, Any], group: str | None = None, config_text: str | None = None) -> homes.Home:
    home = homes.init(root, group=group, config_text=config_text)
    store = home.open_store()
    try:
        with store.write() as session:
            eventlog.append(
                session, at=clock.now(), kind="home.created", actor=actor, origin=origin,
                object=f"home:{root}", summary=f"war-room home created at {root}",
                data={"group": group},
            )
    finally:
        store.dispose()
    return home
