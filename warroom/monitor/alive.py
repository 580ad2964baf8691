"""Whether a monitor process is alive on this host: the kernel's word, where the lease can only say
when a monitor was last seen.

Every `warroom monitor` holds a shared flock on its database's life lock for its life (beside a
SQLite file `warroom.db`, `warroom.db.monitor-lock`; in the home, `monitor.lock`, for a server
database), and the kernel frees it when the process dies, however it dies. A keeper (keeper.py)
that finds the lease stale starts a monitor only when no process holds that lock: a monitor
starved of CPU renews its lease late but is alive, and is left alone. (Under load, twenty TUIs
each started their own; the lease and the writers' lock they then fought over starved the first
one further.)

Keepers start one at a time under the start lock (`warroom.db.monitor-start-lock`, or
`monitor-start.lock`), and hand that lock to the monitor they start, which holds it for its life:
from the start until the child holds its own lock, no other keeper can start another. On one host
this is exact. Across hosts (a PostgreSQL war-room) each host starts at most one, and the lease
decides which of them checks."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING

from warroom import files
from warroom.errors import WarroomError
from warroom.store.engine import sqlite_path

if TYPE_CHECKING:
    from warroom.home import Home

# Each (its name in the home, for a server database; the end of its name beside a SQLite file)
LIFE = ("monitor.lock", ".monitor-lock")
START = ("monitor-start.lock", ".monitor-start-lock")


def lock_path(home: Home, which: tuple[str, str]) -> Path:
    """The LIFE or START lock of the home's database: beside a SQLite file and named after it, as
    its writers' lock is (a TUI opened with --db on another file is another war-room, whose keeper
    a monitor of this one must not hold back); in the home for a server database."""
    database = sqlite_path(home.url)
    return home.root / which[0] if database is None else database.with_name(database.name + which[1])


def _open(home: Home, which: tuple[str, str]) -> int | None:
    """A lock file, read-only (flock needs no more), shared like the home's other files."""
    opened = files.open_lock(lock_path(home, which), 0o640 if home.group_shared else 0o600, write=False)
    return None if opened is None else opened[0]


def _try(fd: int, how: int) -> bool:
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def hold(home: Home, within: float = 5.0) -> int | None:
    """Mark this process as a live monitor until it exits: the open, shared-locked life lock,
    to be kept open (never closed) for the process's life. A keeper probing the lock holds it for a
    moment only, so the wait is short. None when the file cannot be used: keepers then have only
    the lease to go by."""
    fd = _open(home, LIFE)
    if fd is None:
        return None
    try:
        files.lock_within(fd, within, "the monitor's life lock", shared=True)
    except WarroomError:
        os.close(fd)
        return None
    return fd


class Claim:
    """The right to start one monitor. `fd` is the start lock, for the child to inherit and hold;
    None where the lock files cannot be used (then the lease alone decides, as before them)."""

    def __init__(self, fd: int | None):
        self.fd = fd

    def close(self) -> None:
        """Our copy of the start lock; a child given it keeps holding it."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def claim(home: Home) -> Claim | None:
    """A Claim when no monitor process is alive on this host and no keeper is starting one; None
    otherwise, however stale the lease looks."""
    start = _open(home, START)
    if start is None:
        return Claim(None)
    if not _try(start, fcntl.LOCK_EX):
        os.close(start)
        return None  # another keeper is starting one, or the one it started is alive
    life = _open(home, LIFE)
    if life is None:
        return Claim(start)
    try:
        if not _try(life, fcntl.LOCK_EX):
            os.close(start)
            return None  # a monitor is alive
    finally:
        os.close(life)  # the probe's lock goes with it
    return Claim(start)
