"""Use cases: one transaction each, taking the store (or a session) and the clock as arguments.
The CLI and the TUI call these and nothing below them."""
