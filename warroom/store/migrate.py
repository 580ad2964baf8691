"""Schema migrations (Alembic), run whenever a home is opened.

Alembic is imported only when the schema is behind: checking the version is one cheap query, and
start-up time matters to a coordinator opening the TUI in a hurry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

HEAD = "0005"  # the newest revision in migrations/versions; a test keeps the two in step
_SCRIPTS = Path(__file__).parent / "migrations"


def current(engine: Engine) -> str | None:
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
    if target == "head" and current(engine) == HEAD:
        return
    from alembic import command

    config = _config()
    with engine.connect() as connection:
        connection = connection.execution_options(warroom_write=True)
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        connection.commit()


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()
