"""Noticing other processes' commits cheaply (DESIGN §4): SQLite's `PRAGMA data_version` on one
dedicated connection. The number changes when any other connection commits; polling it costs a
few microseconds, so a TUI can poll several times a second without loading anything. A database
that is not a SQLite file has no such number: every poll then says "maybe", and the caller's
one-query fingerprint decides."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class Changes:
    def __init__(self, db_path: Path):
        # A connection of its own: data_version is per connection and sees only others' commits.
        self._connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        self._last: int | None = None

    def poll(self) -> bool:
        """True the first time, and whenever someone has committed since the last poll."""
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        changed, self._last = version != self._last, version
        return changed

    def close(self) -> None:
        self._connection.close()


class Maybe:
    """For databases without data_version: every poll may have changed something."""

    def poll(self) -> bool:
        return True

    def close(self) -> None:
        return None


def watch(url: str) -> Changes | Maybe:
    """What notices commits to the database at `url` (the home's own file, or --db)."""
    from warroom.store.engine import sqlite_path

    path = sqlite_path(url)
    return Changes(path) if path is not None else Maybe()
