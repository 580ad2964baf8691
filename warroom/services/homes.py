"""Creating a home and recording that it exists: the first event of every log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom import files
from warroom import home as homes
from warroom.clock import Clock
from warroom.errors import WarroomError
from warroom.i18n import _
from warroom.store import eventlog


def create(root: Path, *, clock: Clock, actor: str, origin: dict[str, Any], group: str | None = None, config_text: str | None = None,
           db_url: str | None = None, lang: str | None = None) -> homes.Home:
    """All or nothing: a home whose files were made but whose first event could not be recorded is
    taken away again, so no half-made home (an empty warroom.db) is left for the next command.
    `lang`: the language chosen for it (its example config and playbooks, and the setting)."""
    made: list[Path] = []
    try:
        home = homes.init(root, group=group, config_text=config_text, made=made, db_url=db_url, lang=lang)
        store = home.open_store(new=True)
        try:
            with store.write() as session:
                eventlog.append(
                    session, at=clock.now(), kind="home.created", actor=actor, origin=origin,
                    object=f"home:{root}", summary=f"war-room home created at {root}",
                    data={"group": group},
                )
        finally:
            store.dispose()
    except OSError as exc:
        homes.unmake(made)
        said = (_("cannot create the war-room home at {home}: {error} ({file}); nothing was left behind") if exc.filename
                else _("cannot create the war-room home at {home}: {error}; nothing was left behind"))
        raise WarroomError(said.format(home=files.name_of(root), error=exc.strerror or exc,
                                       file=files.name_of(exc.filename) if exc.filename else "")) from None
    except BaseException:
        homes.unmake(made)
        raise
    return home
