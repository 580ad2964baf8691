"""What an incident owes: the one rule for when an expected decision counts as made (and when it was
taken) and when a step is late. The room, the board, the monitor, the exports, the reporting clocks
and the after-action review all read it here, so a value on one screen never contradicts another."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_
from sqlmodel import Session, col, select

from warroom import durations, vocabulary
from warroom.clock import parse_iso
from warroom.playbooks.schema import Decision, Playbook
from warroom.store import eventlog
from warroom.store.models import Event

UNFINISHED = ("pending", "started")  # a step in these states can still be late
LIVE = vocabulary.ONGOING  # a resolved incident owes nothing more


# How a stored log entry that answers an expected decision names it: eventlog's canonical JSON
# writes the key as it is, a colon straight after it. Every reader that narrows a long log to the
# entries that may answer one (in SQL, or the board's look at new entries) asks `may_answer`;
# `decision_of` decides, parsed. With the colon: most entries of a busy log are decisions, their
# kind the value "decision", and without it every board read parsed every one of them.
ANSWER_KEY = '"decision":'


def may_answer(kind: Any, data: Any) -> Any:
    """SQL: the events that may answer an expected decision, of a table's kind and data columns."""
    return and_(kind == "decision.logged", data.contains(ANSWER_KEY, autoescape=True))


def decision_of(data: object) -> str | None:
    """The expected decision a `decision.logged` entry answers; None for an entry that answers none
    or whose row was altered into something else than an object."""
    value = data.get("decision") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def decided(session: Session, incident_ids: Sequence[int]) -> dict[int, set[str]]:
    """The expected decisions each incident has logged an answer to (every id present, maybe empty)."""
    out: dict[int, set[str]] = {i: set() for i in incident_ids}
    if not out:
        return out
    rows = session.exec(select(Event.incident_id, Event.data).where(  # only entries that may name one are read
        col(Event.incident_id).in_(list(out)), may_answer(col(Event.kind), col(Event.data)))).all()
    for incident_id, data in rows:
        answered = decision_of(eventlog.stored_json(data))  # an altered row is no decision; the chain check reports it
        if answered and incident_id in out:
            out[incident_id].add(answered)
    return out


def taken_at(data: object, recorded_at: datetime) -> datetime:
    """When a log entry says it was taken (`occurred_at`: a decision by phone at 10:05, logged at
    10:20), else when it was recorded. An `occurred_at` that is not a stored instant (an altered
    row) is not believed: the recording time stands, and the chain check reports the row."""
    occurred = data.get("occurred_at") if isinstance(data, dict) else None
    if isinstance(occurred, str):
        try:
            return parse_iso(occurred)
        except ValueError:
            pass
    return recorded_at


Ref = TypeVar("Ref")


def earliest(taken: dict[str, tuple[datetime, Ref]], recorded: datetime, data: object, ref: Ref) -> None:
    """One more `decision.logged` entry (recorded at, data, a reference the caller keeps: its seq),
    in log order: `taken` keeps, for each expected decision answered, when it was first taken and
    the entry that says so (the earlier of two taken at the same time)."""
    answered = decision_of(data)
    if answered is None:
        return
    when = taken_at(data, recorded)
    if answered not in taken or when < taken[answered][0]:
        taken[answered] = (when, ref)


@dataclass(frozen=True, slots=True)
class OpenDecision:
    decision: Decision
    due_at: datetime | None
    overdue: bool


def open_decisions(playbook: Playbook, decided: Iterable[str], opened_at: datetime, now: datetime | None,
                   live: bool, speed: float = 1.0) -> tuple[OpenDecision, ...]:
    """The playbook's expected decisions not yet answered, each due `by` after the opening (a
    compressed drill's `speed` times sooner); overdue only while the incident is live and `now` is
    given (the monitor asks which deadlines exist, not which passed)."""
    done = set(decided)
    out = []
    for d in playbook.decisions:
        if d.id in done:
            continue
        due = opened_at + durations.scaled(d.by, speed) if d.by is not None else None
        out.append(OpenDecision(d, due, live and now is not None and due is not None and now > due))
    return tuple(out)


def is_late(status: str, due_at: datetime | None, now: datetime, live: bool) -> bool:
    """A step is late while its incident is live, it is unfinished and its due time has passed."""
    return live and status in UNFINISHED and due_at is not None and now > due_at
