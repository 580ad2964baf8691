"""The board's read model: supplier health and blast radius, open incidents, the fallback register.
One read, so every face (the TUI's board, the wall view, scripts) shows one consistent moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from warroom.config import Config
from warroom.services import fallbacks, health, suggestions


def board(session: Session, config: Config, now: datetime) -> dict[str, Any]:
    return {**health.status(session, config, now), "fallbacks": fallbacks.register(session, config, now),
            "suggestions": suggestions.pending(session, now)}
