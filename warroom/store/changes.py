"""Noticing other processes' commits cheaply (DESIGN §4), without sockets of our own.

- SQLite: `PRAGMA data_version` on one dedicated connection. The number changes when any other
  connection commits; polling it costs a few microseconds, so a TUI can poll several times a
  second without loading anything.
- PostgreSQL: LISTEN on the channel every write transaction NOTIFYs at its commit (Store.write).
  Polling reads what the server has already sent down the connection, without a round trip.
  A connection lost (the server restarted, the network dropped) is opened again, and that poll
  says "changed": what was sent while it was gone is lost with it.
- Anything else (PostgreSQL through psycopg2): every poll says "maybe", and the caller's
  one-query fingerprint decides."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


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


class Notified:
    """PostgreSQL's LISTEN/NOTIFY: one connection of its own, in autocommit, listening."""

    def __init__(self, connect_kwargs: dict[str, Any]):
        self._kwargs = connect_kwargs
        self._connection: Any = None

    def _listen(self) -> None:
        import psycopg

        from warroom.store.engine import CHANNEL

        self._connection = psycopg.connect(**self._kwargs, autocommit=True)
        self._connection.execute(f"LISTEN {CHANNEL}")

    def poll(self) -> bool:
        """True the first time, after a reconnection, and whenever a write was committed since the last poll."""
        import psycopg

        if self._connection is None or self._connection.closed:
            self._close_quietly()
            try:
                self._listen()
            except psycopg.Error:
                self._close_quietly()  # the server is away: the caller's read says so; try again next poll
            return True
        try:
            return sum(1 for _ in self._connection.notifies(timeout=0)) > 0
        except psycopg.Error:
            self._close_quietly()
            return True

    def _close_quietly(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
        self._connection = None

    def close(self) -> None:
        self._close_quietly()


class Maybe:
    """For databases that tell us nothing: every poll may have changed something."""

    def poll(self) -> bool:
        return True

    def close(self) -> None:
        return None


Watcher = Changes | Notified | Maybe


def watch(url: str) -> Watcher:
    """What notices commits to the database at `url` (the home's own file, or --db)."""
    from sqlalchemy.engine import make_url

    from warroom.store.engine import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return Changes(path)
    parsed = make_url(url)
    if parsed.drivername == "postgresql+psycopg":
        dialect = parsed.get_dialect()()
        _, kwargs = dialect.create_connect_args(parsed)
        kwargs.setdefault("connect_timeout", 5)  # a host gone silent must not hold the watcher for minutes
        return Notified(kwargs)
    return Maybe()
