"""Noticing other processes' commits cheaply (DESIGN §4): SQLite's `PRAGMA data_version` on one
dedicated connection. The number changes when any other connection commits; polling it costs a
few microseconds, so a TUI can poll several times a second without loading anything."""

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
