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
from warroom.i18n import C_, _, date_time, ngettext, number, word
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
        width = max(8, *(len(word(w, LEVEL)) for w in LEVELS))  # one column, however long the words of the language
        return f"{word(self.level, LEVEL):<{width}} {self.text}"


LEVEL = "doctor finding"
LEVELS = (C_("doctor finding", "ok"), C_("doctor finding", "warning"), C_("doctor finding", "problem"))


def examine(home: Home, now: datetime, *, network: bool = True) -> list[Finding]:
    """Every finding about this home, in the order a person would fix them. `network`: also run a
    quick check round against the suppliers and the simulator (a few seconds at most)."""
    if not home.config_path.is_file():
        home.require()  # says how to create one
    unsafe = home.unsafe()
    if unsafe:
        prefixes = ("refusing to open the war-room home: ", _("refusing to open the war-room home: "))
        return [Finding("problem", _without(text, prefixes)) for text in unsafe] + [
            Finding("warning", _("nothing else was checked: every command refuses this home until the above is fixed"))]
    findings = [Finding("ok", _("no file of the home can be written by anyone on this host"))]
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


def _without(text: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _quoted(path) -> str:
    return shown(shlex.quote(str(path)))


def _group(home: Home) -> list[Finding]:
    mode = home.root.stat().st_mode
    if not home.group_shared or mode & stat.S_ISVTX:
        return []
    return [Finding("warning", _("{home} is shared with its group but not sticky: any member can rename or delete "
                                 "witness.log and the key pair and put their own in place; run: chmod +t {quoted}").format(
        home=shown(home.root), quoted=_quoted(home.root)))]


def _key(home: Home, witness) -> list[Finding]:
    key = witness.key_path
    if witness.key_belongs_elsewhere():
        return [Finding("ok", _("{key} belongs to {owner}, who signs the witness (the monitor's service account); this account "
                                "cannot sign, as intended").format(key=shown(key.name), owner=shown(witness.key_owner())))]
    try:
        signer = witness.signer()
    except WitnessProblem as exc:
        return [Finding("problem", _("{problem}; new heads are not witnessed (restore the key from a backup, or make it readable by its owner)").format(problem=exc))]
    found = []
    mode = stat.S_IMODE(key.stat().st_mode)
    if mode & 0o077:
        found.append(Finding("problem", _("{key} can be read by others than its owner (mode {mode:04o}), who could sign a witness "
                                          "of their own; run: chmod 600 {quoted}").format(key=shown(key), mode=mode, quoted=_quoted(key))))
    try:
        public = witness.public
    except LogAltered as exc:
        return [*found, Finding("problem", str(exc))]
    if signer.public_key() != public:
        found.append(Finding("problem", _("{key} does not match {pub}: what it signs will not verify").format(
            key=shown(key.name), pub=shown(witness.pub_path.name))))
    if not found:
        found.append(Finding("ok", _("{key} readable by its owner only ({owner}), who signs the witness").format(
            key=shown(key.name), owner=shown(witness.key_owner()))))
    return found


def _witness_file(witness) -> list[Finding]:
    path = witness.path
    if not os.path.lexists(path):
        return []  # the coverage check says whether that matters
    if not path.is_file():
        return [Finding("problem", _("{file} is not a file; move it away so the next write can witness").format(file=shown(path)))]
    found = []
    if not witness.key_belongs_elsewhere() and not os.access(path, os.W_OK):
        found.append(Finding("problem", _("{file} cannot be written by this account (read-only, immutable or on a "
                                          "read-only file system): new heads are not witnessed").format(file=shown(path))))
    try:
        for entry in witness.entries():
            if isinstance(entry, Torn):
                found.append(Finding("warning", str(entry)))
    except LogAltered as exc:
        found.append(Finding("problem", _("{problem}; run: warroom verify").format(problem=exc)))
    except OSError as exc:
        found.append(Finding("problem", _("{file} cannot be read ({error})").format(file=shown(path), error=exc.strerror)))
    return found


def _files(home: Home) -> tuple[Config | None, list[Finding]]:
    """The config and every playbook, checked as `playbook validate` checks them; the config, when valid."""
    from warroom.services import library

    ok, problems = library.validate(home, [])
    found = [Finding("problem", shown(p)) for p in problems if not p.startswith("note: ")]
    try:
        config = library.config(home)
    except InvalidFile:
        return None, [*found, Finding("warning", _("the time zone, retention and suppliers were not checked: warroom.toml must be valid first"))]
    if not found:
        count = len(ok) - 1  # the first is warroom.toml
        found.append(Finding("ok", ngettext("warroom.toml and {n} playbook are valid", "warroom.toml and {n} playbooks are valid", count).format(n=count)))
    return config, found


def _database(home: Home, witness, now: datetime, config: Config | None) -> list[Finding]:
    """What the database says: the witness's coverage, the monitor's lease, the clock, the samples."""
    try:
        store = home.open_store()
    except WarroomError as exc:
        return [Finding("problem", _("the database cannot be opened: {error}").format(error=exc))]
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
        return [Finding("ok", _("--db: another database than the home's own; the witness is not compared"))]
    if head is None:
        return [Finding("ok", _("the log is empty: nothing to witness yet"))]
    try:
        newest = max((e.seq for e in witness.entries() if not isinstance(e, Torn)), default=0)
    except (LogAltered, OSError):
        newest = 0
    seq, at = head[0], head[2]
    if newest >= seq:
        return [Finding("ok", _("the newest event, seq {seq}, is witnessed").format(seq=seq))]
    if not os.path.lexists(witness.path):
        return [Finding("problem", _("{file} is missing, but the log holds events up to seq {seq}: verify fails until it is "
                                     "back; restore it from a backup (the next write starts a new one, witnessing only what follows)").format(
            file=shown(witness.path), seq=seq))]
    waiting = now - parse_iso(at)
    events = _("seq {first} to {last}").format(first=newest + 1, last=seq) if newest + 1 < seq else _("seq {seq}").format(seq=seq)
    if witness.key_belongs_elsewhere():
        if waiting <= WITNESS_GRACE:
            return [Finding("ok", _("{events} not witnessed yet: the monitor running as {owner} witnesses within a second").format(
                events=events, owner=shown(witness.key_owner())))]
        return [Finding("problem", _("{events} not witnessed for {seconds} s: is the monitor running as {owner}? (start it: warroom monitor)").format(
            events=events, seconds=int(waiting.total_seconds()), owner=shown(witness.key_owner())))]
    return [Finding("problem", _("{events} recorded but not witnessed: fix the above, and the next write (or a running monitor) "
                                 "witnesses the head, which covers every event before it").format(events=events))]


def _ago(delta: timedelta) -> str:
    return durations.format(max(delta, timedelta(0)))


def _lease(session: Session, now: datetime) -> list[Finding]:
    """Whether a monitor holds the lease, and is alive: without one nothing is checked and no
    escalation fires (deadlines are kept, and fire late when one starts)."""
    from warroom.services import escalation, lease

    held = lease.current(session)
    waiting = len(escalation.pending(session))
    consequence = (ngettext("{n} deadline of open incidents waits for it", "{n} deadlines of open incidents wait for it", waiting).format(n=waiting)
                   if waiting else _("supplier states are not watched"))
    start = _("start one: warroom monitor (on a server: systemctl start warroom-monitor)")
    level: Literal["warning", "problem"] = "problem" if waiting else "warning"
    if held is None:
        return [Finding(level, _("no monitor has run on this home yet: {consequence}; {start}").format(consequence=consequence, start=start))]
    holder = shown(held.holder)
    if held.expires_at <= now:
        return [Finding(level, _("no monitor is running (the last, {holder}, was last seen {span} ago): {consequence}; {start}").format(
            holder=holder, span=_ago(now - held.renewed_at), consequence=consequence, start=start))]
    if _holder_gone(held.holder):
        return [Finding("problem", _("the lease is held by {holder}, but that process no longer runs on this host: it died without handing "
                                     "the lease back; a monitor takes over when it expires in {span}").format(holder=holder, span=_ago(held.expires_at - now)))]
    return [Finding("ok", _("monitor {holder} holds the lease (renewed {span} ago)").format(holder=holder, span=_ago(now - held.renewed_at)))]


def _holder_gone(holder: str) -> bool:
    """A holder is `host:pid`: on this host, whether that process has ended. Elsewhere: not ours to tell."""
    host, _colon, pid = holder.rpartition(":")
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
        return [Finding("ok", _("this host's clock says {now}; the log is empty, nothing to compare").format(
            now=date_time(now.astimezone(zone), seconds=True, zone_name=True)))]
    seq, at = head[0], head[2]
    recorded = parse_iso(at)
    ahead = recorded - now
    if ahead > CLOCK_SLACK:
        return [Finding("problem", _("the newest event (seq {seq}) was recorded at {at}, {span} ahead of this host's clock: the clock moved back, "
                                     "or the writer's clock runs ahead; set the time right (timedatectl, NTP) before recording more").format(
            seq=seq, at=date_time(recorded.astimezone(zone), seconds=True, zone_name=True), span=_ago(ahead)))]
    return [Finding("ok", _("this host's clock is not behind the log (the newest event, seq {seq}, was recorded {span} ago)").format(seq=seq, span=_ago(-ahead)))]


def _retention(session: Session, now: datetime, config: Config | None) -> list[Finding]:
    """Latency samples are kept for [settings] history and pruned by the leading monitor; events never are."""
    from sqlalchemy import func
    from sqlmodel import select

    from warroom.store.models import HealthSample

    count, oldest = session.exec(select(func.count(), func.min(HealthSample.at))).one()
    if config is None:
        return []
    history = config.settings.history
    kept = _("kept for {span} ([settings] history), older ones pruned hourly by the leading monitor; events are never pruned").format(
        span=durations.format(history))
    if not count:
        return [Finding("ok", _("no latency samples yet; {kept}").format(kept=kept))]
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    zone = ZoneInfo(config.settings.timezone)
    said = ngettext("{n} latency sample, the oldest from {at}", "{n} latency samples, the oldest from {at}", count).format(
        n=number(count), at=date_time(oldest.astimezone(zone), zone_name=True))
    if now - oldest > history + PRUNE_SLACK:
        return [Finding("warning", _("{samples}, older than [settings] history = {span}: pruning has not run "
                                     "(the leading monitor prunes hourly: is one running?)").format(samples=said, span=durations.format(history)))]
    return [Finding("ok", f"{said}; {kept}")]


def _timezone(config: Config, now: datetime) -> list[Finding]:
    zone = config.settings.timezone
    local = now.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return [Finding("ok", _("times are shown in {zone} (now {now}, UTC{offset}); they are stored in UTC").format(
        zone=shown(zone), now=f"{local:%H:%M %Z}", offset=f"{offset[:3]}:{offset[3:]}"))]


def _reviews_ahead(config: Config, now: datetime) -> list[Finding]:
    """An exit plan reviewed after today (a typo, or this host's clock behind): the risk view does not count it."""
    today = clock.today(now, config.settings.timezone)
    return [Finding("warning", _("{supplier}: exit plan review dated {reviewed}, after today ({today}): "
                                 "the risk view does not count it (is the date, or this host's clock, wrong?)").format(
        supplier=shown(s.id), reviewed=s.sourcing.exit_plan.reviewed, today=today))
            for s in config.suppliers
            if s.sourcing.exit_plan is not None and risk.review_ahead(s.sourcing.exit_plan.reviewed, today)]


def _disk(home: Home) -> list[Finding]:
    """Free space on the home's file system: a full disk stops every write (nothing is lost: the
    command says so and records nothing), and the witness cannot follow."""
    try:
        info = os.statvfs(home.root)
    except OSError as exc:
        return [Finding("problem", _("the free space of {home} cannot be read ({error})").format(home=shown(home.root), error=exc.strerror))]
    free = info.f_bavail * info.f_frsize
    total = info.f_blocks * info.f_frsize or 1
    said = _("{free} free on the home's file system ({percent} % of it)").format(free=_bytes(free), percent=free * 100 // total)
    if info.f_files and info.f_favail < INODES_PROBLEM:
        return [Finding("problem", _("only {n} free inodes on the home's file system: creating a file (the "
                                     "database's journal, a backup) will soon fail; delete files you do not need there").format(n=number(info.f_favail)))]
    if free < DISK_PROBLEM:
        return [Finding("problem", _("only {free}: writes will soon fail with a full disk; free space, or move the home "
                                     "to a larger file system").format(free=said))]
    if free < DISK_WARNING:
        return [Finding("warning", _("only {free}: free space before it runs out (writes fail on a full disk)").format(free=said))]
    return [Finding("ok", said)]


def _bytes(count: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size:
            return f"{number(count / size, decimals=1)} {unit}"
    return _("{n} bytes").format(n=count)


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
        found += [Finding("problem", _("a check of {check}; fix it in warroom.toml").format(check=u)) for u in unusable]
        checked = sum(1 for s in config.suppliers if s.checks)
        if not silent:
            found.append(Finding("ok", _("all {n} suppliers with checks answered a quick check").format(n=checked)))
        else:
            named = ", ".join(silent[:NAMED]) + (_(" and {n} more").format(n=len(silent) - NAMED) if len(silent) > NAMED else "")
            said = (_("{silent} of {checked} suppliers did not answer a quick check: {named}; none answered: check this host's network, "
                      "DNS and HTTP(S)_PROXY, and the URLs in warroom.toml") if len(silent) == checked
                    else _("{silent} of {checked} suppliers did not answer a quick check: {named}; they may be down (warroom status), or their URLs wrong"))
            found.append(Finding("warning", said.format(silent=len(silent), checked=checked, named=named)))
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
        return Finding("warning", _("the simulator at {url} does not answer ({error}): drill faults cannot "
                                    "be injected; start it: warroom simulate (or warroom demo)").format(url=shown(base), error=shown(type(exc).__name__)))
    if response.status_code != 200:
        return Finding("warning", _("{url} answered HTTP {status}: is that warroom simulate?").format(url=shown(url), status=response.status_code))
    return Finding("ok", _("the simulator at {url} answers").format(url=shown(base)))
