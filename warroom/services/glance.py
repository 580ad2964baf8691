"""The board's first look: every supplier of warroom.toml with the state its database holds now,
read without the ORM and without the configuration's models (SQLAlchemy, SQLModel and pydantic
take about a second to import on two cores, which the first frame should not wait for).

The rows are what the full read (services/health.status) would show for these suppliers, from
the same sources: the file's recorded states and active fallbacks, and the config's names,
intervals and maintenance windows. Anything that does not read plainly (an invalid or unusual
config, a database at another schema, a lock) makes this decline with None: the full read, a
moment later, says what is wrong. Nothing here is ever shown in place of that read."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from typing import Any

from warroom import durations, files
from warroom.health.states import worst
from warroom.home import Home
from warroom.services import views
from warroom.store import glance

_WAIT_SECONDS = 1.0  # a hung file system delays the first frame by this at most; the full read then meets it
_CRITICALITIES = ("vital", "important", "normal")


class _Unusual(Exception):
    """The config holds something this plain reading does not follow: leave it to the full read."""


def status(home: Home, now: datetime) -> views.Status | None:
    """The suppliers and the crucial services they hit, as the board lists them (no incidents: the
    full read brings those), or None to wait for the full read."""
    if home.db_url is not None:  # PostgreSQL, or a copy named with --db: the normal path alone
        return None
    try:
        home.require()
        raw = tomllib.loads(files.read_bytes(home.config_path, "warroom.toml", limit=1_000_000, what="a config",
                                             deadline=_WAIT_SECONDS).decode("utf-8"))
        read = glance.states(home.db_path)
        if read is None:
            return None
        return _status(raw, *read, now)
    except Exception:  # _Unusual or anything else: the full read meets it and says so
        return None


def _status(raw: dict[str, Any], rows: dict[str, glance.StateRow], active: dict[str, glance.ActiveRow], now: datetime) -> views.Status:
    settings = _table(raw.get("settings", {}))
    interval = _duration(settings.get("interval", "30s"))
    hits: dict[str, list[str]] = {}
    for service in _list(raw.get("services", [])):
        for supplier_id in _list(_table(service).get("depends_on", [])):
            hits.setdefault(_text(supplier_id), []).append(_text(service.get("id")))
    shown = []
    for entry in _list(raw.get("suppliers", [])):
        s = _table(entry)
        sid, name = _text(s.get("id")), _text(s.get("name"))
        criticality = s.get("criticality", "normal")
        if criticality not in _CRITICALITIES:
            raise _Unusual(criticality)
        tolerance = 3 * (_duration(s["interval"]) if "interval" in s else interval) + timedelta(seconds=10)  # history.tolerance
        row, fallback = rows.get(sid), active.get(sid)
        checked = row.checked_at if row else None
        shown.append(views.SupplierView(
            id=sid, name=name, criticality=criticality,
            state=row.state if row else "unknown",
            since=row.since if row else None,  # type: ignore[arg-type]
            via=row.via if row else None,
            detail=row.detail if row else "never checked",
            latency_ms=row.latency_ms if row else None,
            checked_at=checked,  # type: ignore[arg-type]
            stale=checked is None or now - checked > tolerance,  # type: ignore[operator]
            maintenance=_in_maintenance(s, now) or (row is not None and row.state == "maintenance"),
            disagreement=row.disagreement if row else None,
            services=tuple(hits.get(sid, ())),
            fallback=views.ActiveFallback(id=fallback.fallback_id, since=fallback.since, incident=fallback.incident_id,  # type: ignore[arg-type]
                                          mode=fallback.mode) if fallback else None,
        ))
    by_id = {s.id: s for s in shown}
    if len(by_id) != len(shown):
        raise _Unusual("duplicate supplier ids")
    services = []
    for entry in _list(raw.get("services", [])):  # as health.status builds them
        v = _table(entry)
        depends_on = [by_id[d] for d in v["depends_on"]]
        through = tuple(views.Through(supplier=d.id, state=d.state, via=d.via) for d in depends_on if d.state in ("down", "degraded", "maintenance"))
        services.append(views.ServiceView(
            id=_text(v["id"]), name=_text(v["name"]), sector=_text(v["sector"]),
            state=worst(t.state for t in through) if through else "unknown" if any(d.state == "unknown" for d in depends_on) else "up",
            through=through,
        ))
    return views.Status(at=now, suppliers=tuple(shown), services=tuple(services), incidents=())


def _in_maintenance(supplier: dict[str, Any], now: datetime) -> bool:
    found = False
    for entry in _list(supplier.get("maintenance", [])):
        window = _table(entry)
        start, end = window.get("start"), window.get("end")
        if not (isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo and end.tzinfo):
            raise _Unusual("a maintenance window without its UTC offsets")
        found = found or start <= now < end
    return found


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    parsed = durations.parse(_text(value))
    if parsed <= timedelta(0):
        raise _Unusual(value)
    return parsed


def _table(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Unusual(value)
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise _Unusual(value)
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Unusual(value)
    return value
