"""The board's read model: supplier health and blast radius, open incidents, the fallback register.
One read, so every face (the TUI's board, the wall view, scripts) shows one consistent moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from warroom.config import Config
from warroom.services import drills, fallbacks, health, suggestions, views


def board(session: Session, config: Config, now: datetime) -> views.Board:
    return views.Board(status=health.status(session, config, now), fallbacks=fallbacks.register(session, config, now),
                       suggestions=suggestions.pending(session, now), injects=drills.fired(session))


_FINGERPRINT = text(
    "SELECT (SELECT max(seq) FROM event),"
    " (SELECT group_concat(supplier_id || '|' || state || '|' || since || '|' || coalesce(via, '') || '|' || detail || '|'"
    "  || coalesce(disagreement, ''), ';') FROM supplier_state)")


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What a board read shows that a commit can change, in one query SQLite answers in a
    millisecond: the newest event (incidents, fallbacks, suggestions and escalations are all
    logged) and each supplier's shown state. The monitor commits every check; a full read of a
    thousand suppliers costs fifty times more, so a screen reads again only when this moved
    (and, for what moves with time alone, every few seconds)."""
    return tuple(session.execute(_FINGERPRINT).one())
