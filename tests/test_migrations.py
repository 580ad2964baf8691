"""Schema migrations run when a home is opened; old logs survive them intact."""

from __future__ import annotations

import sqlite3

from sqlalchemy import inspect

from tests.helpers import append_many, downgrade, rehash_as_scheme1
from warroom.services import integrity
from warroom.store import migrate
from warroom.store.engine import make_engine


def test_head_constant_matches_the_migration_scripts():
    assert migrate.script_head() == migrate.HEAD


def test_a_database_from_the_first_revision_opens_with_every_event_intact(home):
    # Built by today's code, taken back to revision 0001 and rehashed as events were then (scheme 1):
    # the first revision's log as its code wrote it.
    append_many(home.open_store(), 50)
    engine = make_engine(home.url)
    downgrade(engine, "0001")
    assert not inspect(engine).has_table("lease")
    engine.dispose()
    rehash_as_scheme1(home.db_path)
    before = sqlite3.connect(home.db_path).execute("SELECT * FROM event ORDER BY seq").fetchall()
    home.witness().path.unlink()
    home.witness().record(before[-1][0], before[-1][-1], before[-1][1])

    store = home.open_store()  # the newest code: migrates on open
    assert migrate.current(store.engine) == migrate.HEAD
    assert inspect(store.engine).has_table("lease") and inspect(store.engine).has_table("supplier_state")
    after = sqlite3.connect(home.db_path).execute("SELECT * FROM event ORDER BY seq").fetchall()
    assert [row[:-1] for row in after] == before and len(after) == 51  # home.created and 50
    assert {row[-1] for row in after} == {None}  # the old events keep scheme 1
    assert integrity.verify(store, home.witness(), own_database=True).events == 51
    append_many(store, 5, start=50)  # and the log goes on from where it was, in scheme 2
    assert integrity.verify(store, home.witness(), own_database=True).events == 56
    schemes = sqlite3.connect(home.db_path).execute("SELECT scheme, count(*) FROM event GROUP BY scheme ORDER BY scheme").fetchall()
    assert schemes == [(None, 51), (2, 5)]


def test_the_models_and_the_migrations_describe_the_same_schema(home):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import warroom.store.models  # noqa: F401  (registers the tables)
    from warroom.store import tables  # the event log's Core tables, which the models map onto

    store = home.open_store()
    with store.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), [SQLModel.metadata, tables.metadata])
    store.dispose()
    assert drift == [], f"models and migrations differ; write a migration: {drift}"


def test_the_event_model_is_the_core_table_every_column_of_it():
    from warroom.store import models, tables

    assert models.Event.__table__ is tables.EVENT
    assert list(models.Event.model_fields) == list(tables.EVENT.c.keys())
