"""One monitor at a time (DESIGN §4): the process holding the lease row runs the checks.

Taking, renewing and checking the lease are each one write transaction (BEGIN IMMEDIATE on SQLite,
the writers' advisory lock on PostgreSQL), so two processes, on one host or several, can never both
believe they hold it. A vacancy longer than one check interval is
recorded as a `monitor.gap` event: history must never show "up" for time nobody watched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from warroom.clock import iso
from warroom.store import eventlog
from warroom.store.models import Lease

MONITOR = "monitor"


class NotLeader(Exception):
    """This process no longer holds the lease: it must stop checking and recording at once."""


@dataclass(frozen=True)
class Taken:
    ok: bool
    holder: str  # who holds it now
    fresh: bool  # this call took it over (rather than renewed it)


def take(session: Session, *, holder: str, now: datetime, ttl: timedelta, gap_after: timedelta, origin: dict) -> Taken:
    """Take the lease if it is free or expired, or renew it if ours."""
    lease = session.get(Lease, MONITOR)
    if lease is not None and lease.holder != holder and lease.expires_at > now:
        return Taken(False, lease.holder, False)
    fresh = lease is None or lease.holder != holder or lease.expires_at <= now
    if fresh:
        previous = lease.holder if lease else None
        # Nobody has watched since the last holder was last seen alive, not since its lease ran out.
        if lease is not None and now - lease.renewed_at > gap_after:
            eventlog.append(
                session, at=now, kind="monitor.gap", actor="system", origin=origin, object="monitor",
                summary=f"no monitor ran for {_span(now - lease.renewed_at)}: supplier states were not watched",
                data={"from": iso(lease.renewed_at), "to": iso(now), "seconds": round((now - lease.renewed_at).total_seconds())},
            )
        eventlog.append(
            session, at=now, kind="monitor.started", actor="system", origin=origin, object="monitor",
            summary=f"monitor {holder} holds the lease" + (f" (took over from {previous})" if previous and previous != holder else ""),
            data={"holder": holder, "previous": previous},
        )
    if lease is None:
        lease = Lease(name=MONITOR, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl)
    else:
        if fresh:
            lease.acquired_at = now
        lease.holder, lease.renewed_at, lease.expires_at = holder, now, now + ttl
    session.add(lease)
    return Taken(True, holder, fresh)


def require(session: Session, *, holder: str, now: datetime) -> None:
    """Raise NotLeader unless `holder` holds an unexpired lease: checked inside every recording
    transaction, so a monitor that lost the lease can never record a round."""
    lease = session.get(Lease, MONITOR)
    if lease is None or lease.holder != holder or lease.expires_at <= now:
        raise NotLeader(holder)


def release(session: Session, *, holder: str, now: datetime) -> None:
    """Give the lease up on a clean exit, so another monitor need not wait for it to expire."""
    lease = session.get(Lease, MONITOR)
    if lease is not None and lease.holder == holder:
        lease.renewed_at = lease.expires_at = now
        session.add(lease)


def current(session: Session) -> Lease | None:
    return session.get(Lease, MONITOR)


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
