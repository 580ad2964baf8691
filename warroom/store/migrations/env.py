"""Alembic environment: always handed a connection by warroom.store.migrate, never a URL."""

from alembic import context

connection = context.config.attributes["connection"]
# SQLite runs DDL inside transactions once pysqlite's own BEGIN handling is off (store.engine does that),
# so a failed migration leaves the schema as it was.
context.configure(connection=connection, transactional_ddl=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
