"""The board's read model: supplier health and blast radius, open incidents, the fallback register.
One read, so every face (the TUI's board, the wall view, scripts) shows one consistent moment."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, bindparam, func, select, type_coerce
from sqlmodel import Session

from warroom.config import Config
from warroom.services import drills, fallbacks, health, owed, suggestions, views
from warroom.store import tables
from warroom.store.models import SupplierState


def board(session: Session, config: Config, now: datetime) -> views.Board:
    return views.Board(status=health.status(session, config, now), fallbacks=fallbacks.register(session, config, now),
                       suggestions=suggestions.pending(session, now), injects=drills.fired(session))


_STATES: Table = SupplierState.__table__  # type: ignore[attr-defined]
_EVENTS = tables.EVENT
_STATE = _STATES.c
# Portable SQL (SQLite and PostgreSQL alike): the newest seq, and each supplier's shown state in a
# fixed order, compared as rows rather than glued into one string by a dialect's own aggregate;
# times as their stored text, not parsed a thousand times to be compared.
_ENTRIES_LOOKED_AT = 200
_NEWEST = select(func.max(_EVENTS.c.seq)).scalar_subquery()
_FINGERPRINT = select(_NEWEST, _STATE.supplier_id, _STATE.state, type_coerce(_STATE.since, String), _STATE.via, _STATE.detail,
                      _STATE.disagreement).select_from(_STATES).order_by(_STATE.supplier_id)
_HEAD_ONLY = select(_NEWEST)
_SINCE = select(_EVENTS.c.kind, _EVENTS.c.data).where(_EVENTS.c.seq > bindparam("after"), _EVENTS.c.seq <= bindparam("upto")).limit(_ENTRIES_LOOKED_AT + 1)


def only_entries(session: Session, after: int, upto: int) -> bool:
    """Whether every event after seq `after` up to `upto` is a log entry that answers no expected
    decision: nothing a board shows moves with one (its incidents count owed decisions and report
    clocks, which only an answer moves; entries are most of a busy log, several a second, and a
    board read costs fifty times this look). Many events at once: no, read the board."""
    rows = session.connection().execute(_SINCE, {"after": after, "upto": upto}).all()
    if not rows or len(rows) > _ENTRIES_LOOKED_AT:
        return False
    for kind, data in rows:
        if kind != "decision.logged" or type(data) is not str:
            return False
        if owed.ANSWER_KEY in data:  # may answer one (owed.may_answer's rule): parsed
            try:
                if owed.decision_of(json.loads(data)) is not None:
                    return False
            except ValueError:
                return False
    return True


def head(session: Session) -> int | None:
    """The newest event's seq: what `fingerprint` starts with, alone."""
    return session.connection().execute(_HEAD_ONLY).scalar()


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What a board read shows that a commit can change, in one query the database answers in a
    millisecond: the newest event (incidents, fallbacks, suggestions and escalations are all
    logged) and each supplier's shown state. The monitor commits every check; a full read of a
    thousand suppliers costs fifty times more, so a screen reads again only when this moved
    (and, for what moves with time alone, every few seconds)."""
    rows = session.connection().execute(_FINGERPRINT).all()
    if not rows:  # no supplier state yet: the log's head alone
        return (head(session),)
    return (rows[0][0], *(tuple(row[1:]) for row in rows))
