"""`warroom doctor`: check a home and say what to fix.

It looks where a failure would not show by itself: files others can write to (which every command
refuses, one at a time), the config and playbooks, the signing key and its owner, a witness.log
that cannot be written or ends in a torn line, events recorded but not witnessed, whether a monitor
holds the lease, the clock against the log, free disk space, latency-sample retention, and whether
the suppliers (and the simulator) answer at all. Each finding is one line; the chmod or command
that fixes it is in the line."""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from warroom import clock, durations, risk
from warroom.clock import parse_iso
from warroom.config import Config
from warroom.errors import InvalidFile, LogAltered, WarroomError
from warroom.home import Home
from warroom.text import line as shown
from warroom.witness import Torn, WitnessProblem

# How long a head may wait for the monitor's witness before that is a problem: it witnesses within
# a second while it runs; this leaves room for a loaded host.
WITNESS_GRACE = timedelta(seconds=10)
# Processes on one host share one clock; a few seconds leave room for another host's (PostgreSQL).
CLOCK_SLACK = timedelta(seconds=5)
# The leading monitor prunes hourly: samples a little older than the retention are normal.
PRUNE_SLACK = timedelta(hours=2)
# A full disk stops every write; well before that, say so.
DISK_PROBLEM, DISK_WARNING, INODES_PROBLEM = 100 << 20, 1 << 30, 1000
# The quick reachability round: a few seconds at most, however slow the suppliers.
QUICK_TIMEOUT, QUICK_CONCURRENCY = timedelta(seconds=3), 50
NAMED = 5  # suppliers named in one line; a thousand would not make a line


@dataclass(frozen=True)
class Finding:
    level: Literal["ok", "warning", "problem"]
    text: str

    def __str__(self) -> str:
        return f"{self.level:<8} {self.text}"


def examine(home: Home, now: datetime, *, network: bool = True) -> list[Finding]:
    """Every finding about this home, in the order a person would fix them. `network`: also run a
    quick check round against the suppliers and the simulator (a few seconds at most)."""
    if not home.config_path.is_file():
        home.require()  # says how to create one
    unsafe = home.unsafe()
    if unsafe:
        return [Finding("problem", text.removeprefix("refusing to open the war-room home: ")) for text in unsafe] + [
            Finding("warning", "nothing else was checked: every command refuses this home until the above is fixed")]
    findings = [Finding("ok", "no file of the home can be written by anyone on this host")]
    config, found = _files(home)
    findings += found
    witness = home.witness()
    findings += _group(home)
    findings += _key(home, witness)
    findings += _witness_file(witness)
    findings += _database(home, witness, now, config)
    if config is not None:
        findings += _timezone(config, now)
        findings += _reviews_ahead(config, now)
    findings += _disk(home)
    if config is not None and network:
        findings += asyncio.run(_reachable(config))
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
        return [*found, Finding("problem", str(exc))]
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


def _files(home: Home) -> tuple[Config | None, list[Finding]]:
    """The config and every playbook, checked as `playbook validate` checks them; the config, when valid."""
    from warroom.services import library

    ok, problems = library.validate(home, [])
    found = [Finding("problem", shown(p)) for p in problems if not p.startswith("note: ")]
    try:
        config = library.config(home)
    except InvalidFile:
        return None, [*found, Finding("warning", "the time zone, retention and suppliers were not checked: warroom.toml must be valid first")]
    if not found:
        count = len(ok) - 1  # the first is warroom.toml
        found.append(Finding("ok", f"warroom.toml and {count} playbook{'' if count == 1 else 's'} are valid"))
    return config, found


def _database(home: Home, witness, now: datetime, config: Config | None) -> list[Finding]:
    """What the database says: the witness's coverage, the monitor's lease, the clock, the samples."""
    try:
        store = home.open_store()
    except WarroomError as exc:
        return [Finding("problem", f"the database cannot be opened: {exc}")]
    try:
        head = store.newest_head()
        found = _coverage(home, witness, head, now)
        with store.read() as session:
            found += _lease(session, now)
            found += _clock(head, now, config)
            found += _retention(session, now, config)
    finally:
        store.dispose()
    return found


def _coverage(home: Home, witness, head: tuple[int, str, str] | None, now: datetime) -> list[Finding]:
    """Whether the newest event is witnessed; a witnessed head covers every event before it."""
    if not home.own_database:
        return [Finding("ok", "--db: another database than the home's own; the witness is not compared")]
    if head is None:
        return [Finding("ok", "the log is empty: nothing to witness yet")]
    try:
        newest = max((e.seq for e in witness.entries() if not isinstance(e, Torn)), default=0)
    except (LogAltered, OSError):
        newest = 0
    seq, _, at = head
    if newest >= seq:
        return [Finding("ok", f"the newest event, seq {seq}, is witnessed")]
    if not os.path.lexists(witness.path):
        return [Finding("problem", f"{shown(witness.path)} is missing, but the log holds events up to seq {seq}: verify fails until it is "
                                   "back; restore it from a backup (the next write starts a new one, witnessing only what follows)")]
    waiting = now - parse_iso(at)
    events = f"seq {newest + 1} to {seq}" if newest + 1 < seq else f"seq {seq}"
    if witness.key_belongs_elsewhere():
        if waiting <= WITNESS_GRACE:
            return [Finding("ok", f"{events} not witnessed yet: the monitor running as {shown(witness.key_owner())} witnesses within a second")]
        return [Finding("problem", f"{events} not witnessed for {int(waiting.total_seconds())} s: is the monitor running as "
                                   f"{shown(witness.key_owner())}? (start it: warroom monitor)")]
    return [Finding("problem", f"{events} recorded but not witnessed: fix the above, and the next write (or a running monitor) "
                               "witnesses the head, which covers every event before it")]


def _ago(delta: timedelta) -> str:
    return durations.format(max(delta, timedelta(0)))


def _lease(session: Session, now: datetime) -> list[Finding]:
    """Whether a monitor holds the lease, and is alive: without one nothing is checked and no
    escalation fires (deadlines are kept, and fire late when one starts)."""
    from warroom.services import escalation, lease

    held = lease.current(session)
    waiting = len(escalation.pending(session))
    consequence = (f"{waiting} deadline{'' if waiting == 1 else 's'} of open incidents wait for it" if waiting
                   else "supplier states are not watched")
    start = "start one: warroom monitor (on a server: systemctl start warroom-monitor)"
    level: Literal["warning", "problem"] = "problem" if waiting else "warning"
    if held is None:
        return [Finding(level, f"no monitor has run on this home yet: {consequence}; {start}")]
    holder = shown(held.holder)
    if held.expires_at <= now:
        return [Finding(level, f"no monitor is running (the last, {holder}, was last seen {_ago(now - held.renewed_at)} ago): {consequence}; {start}")]
    if _holder_gone(held.holder):
        return [Finding("problem", f"the lease is held by {holder}, but that process no longer runs on this host: it died without handing "
                                   f"the lease back; a monitor takes over when it expires in {_ago(held.expires_at - now)}")]
    return [Finding("ok", f"monitor {holder} holds the lease (renewed {_ago(now - held.renewed_at)} ago)")]


def _holder_gone(holder: str) -> bool:
    """A holder is `host:pid`: on this host, whether that process has ended. Elsewhere: not ours to tell."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it runs, as another account
    return False


def _clock(head: tuple[int, str, str] | None, now: datetime, config: Config | None) -> list[Finding]:
    """Events are stamped by the clock of the process that recorded them: the newest one ahead of
    this host's clock means the clock moved back (or the writer's runs ahead), and times in the log
    would go backwards."""
    zone = ZoneInfo(config.settings.timezone) if config else UTC
    if head is None:
        return [Finding("ok", f"this host's clock says {now.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}; the log is empty, nothing to compare")]
    seq, _, at = head
    recorded = parse_iso(at)
    ahead = recorded - now
    if ahead > CLOCK_SLACK:
        return [Finding("problem", f"the newest event (seq {seq}) was recorded at {recorded.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}, "
                                   f"{_ago(ahead)} ahead of this host's clock: the clock moved back, or the writer's clock runs ahead; "
                                   "set the time right (timedatectl, NTP) before recording more")]
    return [Finding("ok", f"this host's clock is not behind the log (the newest event, seq {seq}, was recorded {_ago(-ahead)} ago)")]


def _retention(session: Session, now: datetime, config: Config | None) -> list[Finding]:
    """Latency samples are kept for [settings] history and pruned by the leading monitor; events never are."""
    from sqlalchemy import func
    from sqlmodel import select

    from warroom.store.models import HealthSample

    count, oldest = session.exec(select(func.count(), func.min(HealthSample.at))).one()
    if config is None:
        return []
    history = config.settings.history
    kept = f"kept for {durations.format(history)} ([settings] history), older ones pruned hourly by the leading monitor; events are never pruned"
    if not count:
        return [Finding("ok", f"no latency samples yet; {kept}")]
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    zone = ZoneInfo(config.settings.timezone)
    said = f"{count:,} latency sample{'' if count == 1 else 's'}, the oldest from {oldest.astimezone(zone):%Y-%m-%d %H:%M %Z}"
    if now - oldest > history + PRUNE_SLACK:
        return [Finding("warning", f"{said}, older than [settings] history = {durations.format(history)}: pruning has not run "
                                   "(the leading monitor prunes hourly: is one running?)")]
    return [Finding("ok", f"{said}; {kept}")]


def _timezone(config: Config, now: datetime) -> list[Finding]:
    zone = config.settings.timezone
    local = now.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return [Finding("ok", f"times are shown in {shown(zone)} (now {local:%H:%M %Z}, UTC{offset[:3]}:{offset[3:]}); they are stored in UTC")]


def _reviews_ahead(config: Config, now: datetime) -> list[Finding]:
    """An exit plan reviewed after today (a typo, or this host's clock behind): the risk view does not count it."""
    today = clock.today(now, config.settings.timezone)
    return [Finding("warning", f"{shown(s.id)}: exit plan review dated {s.sourcing.exit_plan.reviewed}, after today ({today}): "
                               "the risk view does not count it (is the date, or this host's clock, wrong?)")
            for s in config.suppliers
            if s.sourcing.exit_plan is not None and risk.review_ahead(s.sourcing.exit_plan.reviewed, today)]


def _disk(home: Home) -> list[Finding]:
    """Free space on the home's file system: a full disk stops every write (nothing is lost: the
    command says so and records nothing), and the witness cannot follow."""
    try:
        info = os.statvfs(home.root)
    except OSError as exc:
        return [Finding("problem", f"the free space of {shown(home.root)} cannot be read ({exc.strerror})")]
    free = info.f_bavail * info.f_frsize
    total = info.f_blocks * info.f_frsize or 1
    said = f"{_bytes(free)} free on the home's file system ({free * 100 // total} % of it)"
    if info.f_files and info.f_favail < INODES_PROBLEM:
        return [Finding("problem", f"only {info.f_favail:,} free inodes on the home's file system: creating a file (the "
                                   "database's journal, a backup) will soon fail; delete files you do not need there")]
    if free < DISK_PROBLEM:
        return [Finding("problem", f"only {said}: writes will soon fail with a full disk; free space, or move the home "
                                   "to a larger file system")]
    if free < DISK_WARNING:
        return [Finding("warning", f"only {said}: free space before it runs out (writes fail on a full disk)")]
    return [Finding("ok", said)]


def _bytes(count: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"


async def _reachable(config: Config) -> list[Finding]:
    """One quick round: does each supplier answer at all (any response, even an error page), and
    the simulator? A supplier that does not answer may simply be down, which is what the war-room
    is for, so it is a warning; none answering usually means the host's network, DNS or proxy."""
    from warroom.health import checks

    found: list[Finding] = []
    if config.suppliers:
        clients = checks.Clients(QUICK_CONCURRENCY)
        semaphore = asyncio.Semaphore(QUICK_CONCURRENCY)

        async def one(check):
            async with semaphore:
                quick = check.model_copy(update={"timeout": min(check.timeout, QUICK_TIMEOUT)})
                return await checks.run_with(quick, clients)

        try:
            results = await asyncio.gather(*(asyncio.gather(*(one(c) for c in s.checks)) for s in config.suppliers))
        finally:
            await clients.aclose()
        silent, unusable = [], []
        for supplier, outcome in zip(config.suppliers, results, strict=True):
            unusable += [f"{shown(supplier.id)}: {shown(r.detail)}" for r in outcome if r.cause == "config"]
            if outcome and not any(_answered(r) for r in outcome):
                silent.append(f"{shown(supplier.id)} ({shown(outcome[0].detail)})")
        found += [Finding("problem", f"a check of {u}; fix it in warroom.toml") for u in unusable]
        checked = sum(1 for s in config.suppliers if s.checks)
        if not silent:
            found.append(Finding("ok", f"all {checked} suppliers with checks answered a quick check"))
        else:
            hint = ("; none answered: check this host's network, DNS and HTTP(S)_PROXY, and the URLs in warroom.toml"
                    if len(silent) == checked else "; they may be down (warroom status), or their URLs wrong")
            named = ", ".join(silent[:NAMED]) + (f" and {len(silent) - NAMED} more" if len(silent) > NAMED else "")
            found.append(Finding("warning", f"{len(silent)} of {checked} suppliers did not answer a quick check: {named}{hint}"))
    if config.settings.simulator:
        found.append(await _simulator(config.settings.simulator))
    return found


def _answered(result) -> bool:
    """The supplier's host answered: a response, however bad, or a certificate we could read."""
    return result.latency_ms is not None or result.cause in ("http-status", "statuspage", "tls", "tls-expiring", "protocol")


async def _simulator(base: str) -> Finding:
    import httpx

    url = base.rstrip("/") + "/_control"
    try:
        async with httpx.AsyncClient(timeout=QUICK_TIMEOUT.total_seconds(), trust_env=False) as client:
            response = await client.get(url)
    except (httpx.HTTPError, OSError) as exc:
        return Finding("warning", f"the simulator at {shown(base)} does not answer ({shown(type(exc).__name__)}): drill faults cannot "
                                  "be injected; start it: warroom simulate (or warroom demo)")
    if response.status_code != 200:
        return Finding("warning", f"{shown(url)} answered HTTP {response.status_code}: is that warroom simulate?")
    return Finding("ok", f"the simulator at {shown(base)} answers")
