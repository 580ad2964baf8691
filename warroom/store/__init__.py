"""Persistence: the engine and its transactions, the event log, migrations. Imports nothing above it."""
