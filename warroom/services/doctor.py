"""`warroom doctor`: check a home and say what to fix.

It looks where a failure would not show by itself: files others can write to (which every command
refuses, one at a time), the signing key and its owner, a witness.log that cannot be written or ends
in a torn line, and events recorded but not witnessed. Each finding is one line; the chmod or
command that fixes it is in the line."""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from warroom.clock import parse_iso
from warroom.errors import LogAltered, WarroomError
from warroom.home import Home
from warroom.text import line as shown
from warroom.witness import Torn, WitnessProblem

# How long a head may wait for the monitor's witness before that is a problem: it witnesses within
# a second while it runs; this leaves room for a loaded host.
WITNESS_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class Finding:
    level: Literal["ok", "warning", "problem"]
    text: str

    def __str__(self) -> str:
        return f"{self.level:<8} {self.text}"


def examine(home: Home, now: datetime) -> list[Finding]:
    """Every finding about this home, in the order a person would fix them."""
    if not home.config_path.is_file():
        home.require()  # says how to create one
    unsafe = home.unsafe()
    if unsafe:
        return [Finding("problem", text.removeprefix("refusing to open the war-room home: ")) for text in unsafe] + [
            Finding("warning", "nothing else was checked: every command refuses this home until the above is fixed")]
    findings = [Finding("ok", "no file of the home can be written by anyone on this host")]
    witness = home.witness()
    findings += _group(home)
    findings += _key(home, witness)
    findings += _witness_file(witness)
    findings += _coverage(home, witness, now)
    return findings


def _quoted(path) -> str:
    return shown(shlex.quote(str(path)))


def _group(home: Home) -> list[Finding]:
    mode = home.root.stat().st_mode
    if not home.group_shared or mode & stat.S_ISVTX:
        return []
    return [Finding("warning", f"{shown(home.root)} is shared with its group but not sticky: any member can rename or delete "
                               f"witness.log and the key pair and put their own in place; run: chmod +t {_quoted(home.root)}")]


def _key(home: Home, witness) -> list[Finding]:
    key = witness.key_path
    if witness.key_belongs_elsewhere():
        return [Finding("ok", f"{shown(key.name)} belongs to {shown(witness.key_owner())}, who signs the witness (the monitor's "
                              "service account); this account cannot sign, as intended")]
    try:
        signer = witness.signer()
    except WitnessProblem as exc:
        return [Finding("problem", f"{exc}; new heads are not witnessed (restore the key from a backup, or make it readable by its owner)")]
    found = []
    mode = stat.S_IMODE(key.stat().st_mode)
    if mode & 0o077:
        found.append(Finding("problem", f"{shown(key)} can be read by others than its owner (mode {mode:04o}), who could sign a witness "
                                        f"of their own; run: chmod 600 {_quoted(key)}"))
    try:
        public = witness.public
    except LogAltered as exc:
        return found + [Finding("problem", str(exc))]
    if signer.public_key() != public:
        found.append(Finding("problem", f"{shown(key.name)} does not match {shown(witness.pub_path.name)}: "
                                        "what it signs will not verify"))
    if not found:
        found.append(Finding("ok", f"{shown(key.name)} readable by its owner only ({shown(witness.key_owner())}), who signs the witness"))
    return found


def _witness_file(witness) -> list[Finding]:
    path = witness.path
    if not os.path.lexists(path):
        return []  # the coverage check says whether that matters
    if not path.is_file():
        return [Finding("problem", f"{shown(path)} is not a file; move it away so the next write can witness")]
    found = []
    if not witness.key_belongs_elsewhere() and not os.access(path, os.W_OK):
        found.append(Finding("problem", f"{shown(path)} cannot be written by this account (read-only, immutable or on a "
                                        "read-only file system): new heads are not witnessed"))
    try:
        for entry in witness.entries():
            if isinstance(entry, Torn):
                found.append(Finding("warning", str(entry)))
    except LogAltered as exc:
        found.append(Finding("problem", f"{exc}; run: warroom verify"))
    except OSError as exc:
        found.append(Finding("problem", f"{shown(path)} cannot be read ({exc.strerror})"))
    return found


def _coverage(home: Home, witness, now: datetime) -> list[Finding]:
    """Whether the newest event is witnessed; a witnessed head covers every event before it."""
    if not home.own_database:
        return [Finding("ok", "--db: another database than the home's own; the witness is not compared")]
    try:
        store = home.open_store()
    except WarroomError as exc:
        return [Finding("problem", f"the database cannot be opened: {exc}")]
    try:
        head = store.newest_head()
    finally:
        store.dispose()
    if head is None:
        return [Finding("ok", "the log is empty: nothing to witness yet")]
    try:
        newest = max((e.seq for e in witness.entries() if not isinstance(e, Torn)), default=0)
    except (LogAltered, OSError):
        newest = 0
    seq, _, at = head
    if newest >= seq:
        return [Finding("ok", f"the newest event, seq {seq}, is witnessed")]
    waiting = now - parse_iso(at)
    events = f"seq {newest + 1} to {seq}" if newest + 1 < seq else f"seq {seq}"
    if witness.key_belongs_elsewhere():
        if waiting <= WITNESS_GRACE:
            return [Finding("ok", f"{events} not witnessed yet: the monitor running as {shown(witness.key_owner())} witnesses within a second")]
        return [Finding("problem", f"{events} not witnessed for {int(waiting.total_seconds())} s: is the monitor running as "
                                   f"{shown(witness.key_owner())}? (start it: warroom monitor)")]
    return [Finding("problem", f"{events} recorded but not witnessed: fix the above, and the next write (or a running monitor) "
                               "witnesses the head, which covers every event before it")]
