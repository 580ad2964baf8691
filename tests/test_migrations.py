"""Schema migrations run when a home is opened; old logs survive them intact."""

from __future__ import annotations

import sqlite3

from sqlalchemy import inspect

from tests.helpers import append_many
from warroom.services import integrity
from warroom.store import migrate
from warroom.store.engine import Store, create_private_file, make_engine


def test_head_constant_matches_the_migration_scripts():
    assert migrate.HEAD == migrate.script_head()


def test_a_database_from_the_first_revision_opens_with_every_event_intact(home):
    home.db_path.unlink()
    for suffix in ("-wal", "-shm"):
        home.db_path.with_name(home.db_path.name + suffix).unlink(missing_ok=True)
    home.witness().path.unlink()
    create_private_file(home.db_path, group_shared=False)
    engine = make_engine(home.url)
    migrate.upgrade(engine, "0001")
    assert migrate.current(engine) == "0001"
    witness = home.witness()

    def witness_head(session):
        head = session.info.pop("head", None)
        if head:
            witness.record(*head)

    old = Store(engine, after_write=witness_head)
    append_many(old, 50)
    assert not inspect(engine).has_table("lease")
    engine.dispose()
    before = sqlite3.connect(home.db_path).execute("SELECT * FROM event ORDER BY seq").fetchall()

    store = home.open_store()  # the newest code: migrates on open
    assert migrate.current(store.engine) == migrate.HEAD
    assert inspect(store.engine).has_table("lease") and inspect(store.engine).has_table("supplier_state")
    after = sqlite3.connect(home.db_path).execute("SELECT * FROM event ORDER BY seq").fetchall()
    assert after == before and len(after) == 50
    assert integrity.verify(store, home.witness(), own_database=True).events == 50
    append_many(store, 5, start=50)  # and the log goes on from where it was
    assert integrity.verify(store, home.witness(), own_database=True).events == 55


def test_the_models_and_the_migrations_describe_the_same_schema(home):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import warroom.store.models  # noqa: F401  (registers the tables)

    store = home.open_store()
    with store.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    store.dispose()
    assert drift == [], f"models and migrations differ; write a migration: {drift}"
