"""A consistent copy of a live SQLite database, through SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from warroom.errors import BadInput, WarroomError
from warroom.i18n import _
from warroom.store.engine import BUSY_TIMEOUT_MS


def backup(source: Path, destination: Path) -> None:
    """Copy `source` to `destination` while other processes keep writing.

    The copy runs in one step (pages=-1), so it reads one snapshot under one read transaction: WAL
    writers are not blocked and the copy is never a mix of two moments. It is written next to its
    destination and renamed into place, so a failed backup never leaves a half file behind."""
    if destination.exists():
        raise BadInput(_("{file} exists; choose a new file name (a backup never overwrites)").format(file=destination))
    if not destination.parent.is_dir():
        raise BadInput(_("{folder} is not a folder").format(folder=destination.parent))
    partial = destination.with_name(destination.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        dst.commit()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise WarroomError(_("backup failed: {error}").format(error=exc)) from None
    finally:
        dst.close()
        src.close()
    os.replace(partial, destination)


def restore_into(source: Path, destination: Path) -> None:
    """Copy the database `source` over the live database `destination`, in one step of SQLite's
    backup API: one write transaction on the destination (it waits for other writers, and readers
    see the old log or the new, never a mix), its journal mode kept, and every process that has it
    open reads the restored log next, instead of writing on into a file moved away."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(destination, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise WarroomError(_("restore failed: {error}; the database is as it was").format(error=exc)) from None
    finally:
        dst.close()
        src.close()
