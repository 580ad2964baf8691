"""`warroom restore FILE`: put a backup (`warroom backup`) in place of the home's database.

The backup is copied into the home and verified first (chain, integrity, state tables, and the
witness record it should agree with), so a foreign or altered file is refused before anything
changes. Nothing is thrown away: the database as it was and its witness.log are kept beside them
under `.before-restore-STAMP` names. The witness starts anew, because heads witnessed after the
backup name events the restored log no longer has (seq numbers that will be reused); the first
event after the restore, `home.restored`, records what the backup held and which events were lost,
and is the new witness's first line.

The backup is copied over the live database through SQLite's backup API, in one step: a TUI that
has the database open sees the restored log at its next read and cannot keep writing into a file
that was moved away. A database too damaged to be written that way is moved aside instead."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.clock import Clock
from warroom.errors import BadInput, LogAltered, WarroomError
from warroom.home import WITNESS, Home
from warroom.i18n import _
from warroom.store import eventlog
from warroom.store.backup import backup, restore_into
from warroom.text import line as shown
from warroom.witness import Torn, WitnessProblem


@dataclass(frozen=True)
class Restored:
    backup_head: int  # the newest seq the backup holds
    witnessed: int | None  # the newest witnessed seq that the backup holds and agrees with
    lost: tuple[int, int] | None  # seq numbers recorded after the backup, gone from the log
    kept: tuple[str, ...]  # the database and witness.log as they were, beside them in the home
    seq: int  # the home.restored event

    def lines(self, source: Path) -> list[str]:
        checked = f", its witness record at seq {self.witnessed} matches" if self.witnessed else ""
        out = [f"restored {shown(source)}: events 1 to {self.backup_head} (hash chain, integrity and state tables verified{checked})"]
        if self.lost:
            out.append(f"lost: seq {self.lost[0]} to {self.lost[1]}, recorded after the backup was taken")
        out.append(f"kept beside them: {', '.join(shown(k) for k in self.kept)}")
        out.append(f"recorded as seq {self.seq} (home.restored), the first line of a new witness.log; check with: warroom verify")
        return out


def restore(home: Home, source: Path, *, clock: Clock, actor: str, origin: dict[str, Any]) -> Restored:
    from warroom.services import integrity
    from warroom.store.engine import SIDECARS, sqlite_path, writers_held

    home.require()
    if not home.own_database or sqlite_path(home.url) is None:
        raise BadInput(_("restore puts a backup in place of the home's own SQLite database; leave out --db"))
    if not source.is_file():
        raise BadInput(_("{file} is not a file (give a backup written by warroom backup)").format(file=shown(source)))
    witness = home.witness()
    _require_signer(home, witness)
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    staging = home.root / f"warroom.db.restoring-{stamp}"
    live = home.db_path
    try:
        try:
            backup(source, staging)
        except WarroomError as exc:
            raise BadInput(_("{file} cannot be read as a database: {error}").format(file=shown(source), error=exc)) from None
        staged = Home(home.root, f"sqlite:///{staging}").open_store()  # migrates a backup from an older version
        try:
            try:
                report = integrity.verify(staged, witness, own_database=False)
            except LogAltered as exc:
                raise LogAltered(_("the backup {file} does not verify, nothing was restored: {error}").format(file=shown(source), error=exc)) from None
            _refuse_running_monitor(home, clock)
            # From here to the new witness's first line, no writer of this host may slip in: a
            # write between the swap and the new witness would be witnessed in the wrong file.
            with writers_held(live):
                previous = _live_head(live)
                newest_witnessed = _newest_witnessed(witness)
                lost_until = max(previous or 0, newest_witnessed or 0)
                lost = (report.head_seq + 1, lost_until) if lost_until > report.head_seq else None
                kept_database = live.with_name(f"{live.name}.before-restore-{stamp}")
                kept_witness = home.root / f"{WITNESS}.before-restore-{stamp}"
                kept = [path.name for path, there in ((kept_database, live), (kept_witness, witness.path)) if os.path.lexists(there)]
                summary = f"restored from backup {source.name}: events 1 to {report.head_seq}" + (
                    f"; seq {lost[0]} to {lost[1]}, recorded after it, are lost" if lost else "")
                with staged.write() as session:  # the restore's own event travels with the restored log
                    event = eventlog.append(
                        session, at=clock.now(), kind="home.restored", actor=actor, origin=origin, object=f"home:{home.root}",
                        summary=summary, data={"backup": str(source), "backup_head": report.head_seq, "lost_from": lost[0] if lost else None,
                                               "lost_to": lost[1] if lost else None, "kept": kept},
                    )
                staged.dispose()
                _keep_and_replace(home, staging, kept_database, readable=previous is not None)
                if os.path.lexists(witness.path):
                    os.rename(witness.path, kept_witness)
                os.close(os.open(witness.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, witness.mode))
                witness.record_or_warn(event["seq"], event["hash"], event["at"])
        finally:
            staged.dispose()
    finally:
        for leftover in (staging, *(staging.with_name(staging.name + end) for end in SIDECARS)):
            leftover.unlink(missing_ok=True)
    return Restored(report.head_seq, report.witnessed_seq, lost, tuple(kept), event["seq"])


def _refuse_running_monitor(home: Home, clock: Clock) -> None:
    """A monitor would keep checking and firing into the log while it is swapped: stop it first.
    A lease whose holder died runs out within seconds."""
    from warroom.services import lease

    if _live_head(home.db_path) is None:
        return  # nothing readable there: no monitor can be using it
    current = home.open_store()
    try:
        with current.read() as session:
            held = lease.current(session)
    finally:
        current.dispose()
    if held is not None and held.expires_at > clock.now():
        raise WarroomError(_("monitor {holder} is running on this home: stop it first (systemctl stop warroom-monitor), then restore; "
                             "nothing was restored").format(holder=shown(held.holder)))


def _require_signer(home: Home, witness) -> None:
    """Only the account that signs can start a new witness.log (in a sticky group home nobody else
    may rename the old one), and a restore that cannot witness its own first event helps nobody."""
    if witness.key_belongs_elsewhere():
        owner = witness.key_owner()
        raise WarroomError(_("restore must run as {owner}, who owns warroom.key and signs the witness: "
                             "sudo -u {owner} warroom --home {home} restore FILE; nothing was restored").format(owner=shown(owner), home=shown(home.root)))
    try:
        witness.signer()
    except WitnessProblem as exc:
        raise WarroomError(_("{problem}: put the key back first (from a backup of the home); nothing was restored").format(problem=exc)) from None
    if os.path.lexists(witness.path) and os.lstat(witness.path).st_uid != os.geteuid() and os.geteuid() != 0:
        raise WarroomError(_("{file} belongs to another account, which must run the restore; nothing was restored").format(file=shown(witness.path)))


def _live_head(live: Path) -> int | None:
    """The newest seq of the live database, or None when it is missing or too damaged to read."""
    if not live.exists():
        return None
    try:
        connection = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return None
            return connection.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def _keep_and_replace(home: Home, staging: Path, kept: Path, *, readable: bool) -> None:
    """Keep the live database as it was, then put the staged backup in its place."""
    live = home.db_path
    if readable:
        backup(live, kept)
        restore_into(staging, live)
        return
    # Too damaged to copy or write through SQLite (or gone): move it aside whole, its -wal beside it
    # under the matching name; the staged file takes its place with the home's mode and group.
    for suffix in ("", "-wal"):
        if os.path.lexists(f"{live}{suffix}"):
            os.rename(f"{live}{suffix}", f"{kept}{suffix}")
    if os.path.lexists(f"{live}-shm"):
        os.unlink(f"{live}-shm")
    os.chmod(staging, 0o660 if home.group_shared else 0o600)
    with contextlib.suppress(PermissionError):
        os.chown(staging, -1, home.root.stat().st_gid)
    os.replace(staging, live)


def _newest_witnessed(witness) -> int | None:
    try:
        return max((e.seq for e in witness.entries() if not isinstance(e, Torn)), default=None)
    except (LogAltered, OSError):
        return None
