"""Schema migrations (Alembic), run whenever a home is opened.

Alembic is imported only when the schema is behind: checking the version is one cheap query, and
start-up time matters to a coordinator opening the TUI in a hurry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from warroom.errors import WarroomError

if TYPE_CHECKING:
    from sqlalchemy import Engine

HEAD = "0009"  # the newest revision in migrations/versions; a test keeps the two in step
_SCRIPTS = Path(__file__).parent / "migrations"


def current(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(engine: Engine, target: str = "head") -> None:
    """Bring the schema to `target` inside one write transaction; concurrent openers wait, then find it done."""
    found = current(engine)
    if target == "head" and found == HEAD:
        return
    if target == "head" and found is not None and not _known(found):
        from warroom.errors import DatabaseDamaged
        from warroom.i18n import _

        raise DatabaseDamaged(_("the database's schema is at revision {revision!r}, which this warroom does not know "
                                "(made by a newer version, or altered); nothing was changed: use the warroom that made it, or check it with warroom verify").format(revision=found))
    from alembic import command
    from sqlalchemy import text

    config = _config()
    with engine.connect() as connection:
        connection = connection.execution_options(warroom_write=True)
        if engine.dialect.name == "postgresql":
            from warroom.store.engine import WRITERS_LOCK

            # The writers' lock: a second process opening a new database waits, then finds it migrated.
            connection.execute(text(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})"))
        config.attributes["connection"] = connection
        from sqlalchemy.exc import OperationalError

        try:
            command.upgrade(config, target)
        except (WarroomError, OperationalError) as exc:
            raise _no_room(engine, found, exc) or exc from None
        connection.commit()


def _no_room(engine: Engine, found: str | None, failure: Exception) -> WarroomError | None:
    """A SQLite upgrade that ran out of disk says that the upgrade is what needs the room, and how
    much: 0009 rebuilds the event table, so the file system must hold a second copy of it for a
    moment (its journal grows by as much). Every command, a read too, upgrades first; the log stays
    at its revision, whole. None when the disk is not what failed."""
    import os

    from warroom.i18n import _

    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return None
    try:
        size = os.stat(database).st_size
        free = os.statvfs(os.path.dirname(os.path.abspath(database)))
    except OSError:
        return None
    if free.f_bavail * free.f_frsize >= size:
        return None
    return WarroomError(_("upgrading the database {file} from schema revision {found} to {head} needs about {need} MB free on its "
                          "file system (it copies the event log's table once), and {free} MB are free: free space there, or copy the "
                          "home to a larger file system, then run the command again; nothing was changed ({failure})").format(
        file=database, found=found, head=HEAD, need=-(-size // (1 << 20)) + 1, free=free.f_bavail * free.f_frsize // (1 << 20),
        failure=failure))


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _known(revision: str) -> bool:
    return (_SCRIPTS / "versions").is_dir() and any(p.name.startswith(f"{revision}_") for p in (_SCRIPTS / "versions").glob("*.py"))


def guard_triggers() -> list[str]:
    """The triggers on PostgreSQL that keep the event log append-only (0001) and the state tables
    on their paths (0004), by name, as the migrations create them."""
    from importlib import import_module

    guards = import_module("warroom.store.migrations.versions.0004_state_table_guards")
    return ["event_append_only", *(rule[0] for rule in guards.RULES)]
