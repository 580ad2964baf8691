"""The tables. The event log is the truth; the state tables are what the services keep beside it,
always written in the same transaction as the event that explains the change.

Derived from the events, so `verify` rebuilds and compares them (store/derive.py) and triggers
refuse the changes no service makes (migration 0004): `incident`, `incident_step`, `escalation`,
`fallback_activation`, and the confirmed state (state, since) of `supplier_state`.
Operational, not derived: `lease` (who runs the monitor), `health_sample` (latency history,
pruned), `outbox` (webhook delivery), `stream_head` (an append cache, Core only: tables.py) and supplier_state's
per-round fields. Their changes are not events, so nothing can check them against the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, TypeDecorator
from sqlmodel import Field, SQLModel

from warroom.clock import iso, parse_iso
from warroom.store import tables


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as sortable UTC text, the same spelling as the event log's `at`."""

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> str | None:
        return None if value is None else iso(value)

    def process_result_value(self, value: str | None, dialect) -> datetime | None:
        return None if value is None else parse_iso(value)


def utc_column(**kwargs) -> Column:
    return Column(UTCDateTime(), **kwargs)


class Event(SQLModel, table=True):
    """One entry of the append-only, hash-chained log (DESIGN §3, §6). Database triggers refuse
    UPDATE and DELETE; `warroom verify` recomputes every hash. Mapped onto the Core table the append
    writes through (store/tables.py): its columns are defined there, once."""

    __table__ = tables.EVENT

    seq: int = Field(sa_column=tables.EVENT.c.seq)
    at: str = Field(sa_column=tables.EVENT.c.at)
    kind: str = Field(sa_column=tables.EVENT.c.kind)
    actor: str = Field(sa_column=tables.EVENT.c.actor)
    incident_id: int | None = Field(default=None, sa_column=tables.EVENT.c.incident_id)
    object: str = Field(sa_column=tables.EVENT.c.object)
    result: str = Field(sa_column=tables.EVENT.c.result)
    origin: str = Field(sa_column=tables.EVENT.c.origin)
    summary: str = Field(sa_column=tables.EVENT.c.summary)
    data: str = Field(sa_column=tables.EVENT.c.data)
    key: str | None = Field(default=None, sa_column=tables.EVENT.c.key)
    links: str = Field(sa_column=tables.EVENT.c.links)
    prev_hash: str = Field(sa_column=tables.EVENT.c.prev_hash)
    hash: str = Field(sa_column=tables.EVENT.c.hash)
    scheme: int | None = Field(default=None, sa_column=tables.EVENT.c.scheme)


class Lease(SQLModel, table=True):
    """Who runs the monitor: the one process whose lease has not expired (DESIGN §4)."""

    name: str = Field(primary_key=True)
    holder: str
    acquired_at: datetime = Field(sa_column=utc_column(nullable=False))
    renewed_at: datetime = Field(sa_column=utc_column(nullable=False))  # the holder was last seen alive
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))


class SupplierState(SQLModel, table=True):
    """A supplier's confirmed health state, and the streak of results that may change it."""

    __tablename__ = "supplier_state"

    supplier_id: str = Field(primary_key=True)
    state: str
    since: datetime = Field(sa_column=utc_column(nullable=False))
    detail: str = ""
    latency_ms: float | None = None
    checked_at: datetime | None = Field(default=None, sa_column=utc_column())
    candidate: str | None = None  # the state the latest rounds agree on, if not yet confirmed
    streak: int = 0  # how many consecutive rounds agreed on the candidate
    via: str | None = None  # the parent supplier it is down through, if any
    disagreement: str | None = None  # what its status page says that our probe contradicts
    # When its TLS certificate ends (not-after), as the latest round that read one saw it: kept while
    # the host is unreachable (an outage does not change the certificate), for the risk view.
    certificate_not_after: datetime | None = Field(default=None, sa_column=utc_column())


class HealthSample(SQLModel, table=True):
    """One check round's result for one supplier: history for trends, kept for settings.history."""

    __tablename__ = "health_sample"
    __table_args__ = (Index("ix_health_sample_supplier_at", "supplier_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: str
    at: datetime = Field(sa_column=utc_column(nullable=False))
    state: str
    latency_ms: float | None = None


class WatchSpan(SQLModel, table=True):
    """A stretch of time in which the monitor checked one supplier with no two rounds further apart
    than its tolerance: availability history counts only watched time. Operational, written with
    each round; kept as long as the log, so 90-day figures outlive the pruned samples."""

    __tablename__ = "watch_span"
    __table_args__ = (Index("ix_watch_span_supplier_last", "supplier_id", "last_at"), Index("ix_watch_span_last", "last_at"))

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: str
    first_at: datetime = Field(sa_column=utc_column(nullable=False))
    last_at: datetime = Field(sa_column=utc_column(nullable=False))


class Incident(SQLModel, table=True):
    """One run of a playbook. `playbook` is the snapshot it ran, so later edits to the file never
    change what the incident is judged against."""

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: str
    playbook_version: int
    playbook: str  # JSON snapshot of the playbook as it was when the incident started
    mode: str  # live | drill
    title: str
    status: str  # open | stabilised | resolved | closed
    speed: float = 1.0  # a drill's compression: every playbook time runs this many times faster
    opened_by: str
    opened_at: datetime = Field(sa_column=utc_column(nullable=False))
    stabilised_at: datetime | None = Field(default=None, sa_column=utc_column())
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())


class IncidentStep(SQLModel, table=True):
    """A checklist item: a playbook step, or an activation step of a fallback (source fallback:ID)."""

    __tablename__ = "incident_step"

    incident_id: int = Field(primary_key=True, foreign_key="incident.id")
    step_id: str = Field(primary_key=True)
    position: int
    title: str
    source: str  # playbook | fallback:ID
    status: str  # pending | started | done | skipped
    due_at: datetime | None = Field(default=None, sa_column=utc_column())
    changed_at: datetime | None = Field(default=None, sa_column=utc_column())
    changed_by: str | None = None
    note: str | None = None


class Escalation(SQLModel, table=True):
    """One level of an incident's ladder, its deadline stored as an absolute time."""

    incident_id: int = Field(primary_key=True, foreign_key="incident.id")
    level: int = Field(primary_key=True)
    notify: str  # JSON list of notify target ids
    message: str
    due_at: datetime = Field(sa_column=utc_column(nullable=False))
    fired_at: datetime | None = Field(default=None, sa_column=utc_column())
    late_seconds: float | None = None
    acked_at: datetime | None = Field(default=None, sa_column=utc_column())
    acked_by: str | None = None
    cancelled: bool = False


class FallbackActivation(SQLModel, table=True):
    """A fallback switched on (and later off) during an incident: the register's exercise record."""

    __tablename__ = "fallback_activation"
    __table_args__ = (Index("ix_fallback_activation_fallback", "fallback_id", "activated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    fallback_id: str
    supplier_id: str
    incident_id: int = Field(foreign_key="incident.id")
    mode: str  # the incident's mode: a drill exercises a fallback as much as live use does
    reason: str
    activated_at: datetime = Field(sa_column=utc_column(nullable=False))
    activated_by: str
    deactivated_at: datetime | None = Field(default=None, sa_column=utc_column())
    deactivated_by: str | None = None
    result: str | None = None  # worked | partial | failed, said when it is stood down


class Outbox(SQLModel, table=True):
    """A webhook message waiting to be delivered: retried with back-off until delivered or expired,
    surviving monitor restarts."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    target: str
    url: str
    payload: str  # JSON
    incident_id: int | None = None
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    next_attempt_at: datetime = Field(sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    attempts: int = 0
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column())
    gave_up_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str | None = None
