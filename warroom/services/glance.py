"""The board's first look: every supplier of warroom.toml with the state its database holds now,
read without the ORM and without the configuration's models (SQLAlchemy, SQLModel and pydantic
take about a second to import on two cores, which the first frame should not wait for).

The rows are what the full read (services/health.status) shows for these suppliers, built by the
same builder (services/blast.py) with the same drill-mark rule (services/drillrule.py) from the same
sources: the file's recorded states, active fallbacks and the `supplier.state` events that set
those states, and the config's names, intervals, maintenance windows and services. This module
only reads warroom.toml plainly. Anything that does not read plainly (an invalid or unusual
config, a database at another schema, a lock) makes this decline with None: the full read, a
moment later, says what is wrong. Nothing here is ever shown in place of that read."""

from __future__ import annotations

import time
import tomllib
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from warroom import defaults, durations, files, tomlonce
from warroom.errors import WarroomError
from warroom.home import Home
from warroom.services import blast, drillrule, views
from warroom.store import glance

_WAIT_SECONDS = 1.0  # the config's read and the database's together delay the first frame this much at most


class _Unusual(Exception):
    """The config holds something this plain reading does not follow: leave it to the full read."""


# NamedTuples, not frozen dataclasses: made while the board starts (see store/glance.py).
class Look(NamedTuple):
    status: views.Status
    timezone: ZoneInfo  # settings.timezone: the board shows when each state began in it, as the full read does


def status(home: Home, now: datetime) -> Look | None:
    """The suppliers and the crucial services they hit, as the board lists them (no incidents: the
    full read brings those), with the war-room's time zone; or None to wait for the full read."""
    if home.db_url is not None:  # PostgreSQL, or a copy named with --db: the normal path alone
        return None
    try:
        deadline = time.monotonic() + _WAIT_SECONDS  # one wait for both reads: a hung file system, then a lock
        home.require()
        raw = tomlonce.loads(files.read_bytes(home.config_path, "warroom.toml", limit=1_000_000, what="a config", deadline=_WAIT_SECONDS))
        settings = _table(raw.get("settings", {}))
        interval = _duration(settings.get("interval", defaults.INTERVAL))
        zone = ZoneInfo(_text(settings.get("timezone", defaults.TIMEZONE)))
        suppliers = [_supplier(entry) for entry in _list(raw.get("suppliers", []))]
        services = [_service(entry) for entry in _list(raw.get("services", []))]
        if len({s.id for s in suppliers}) != len(suppliers):
            raise _Unusual("duplicate supplier ids")
        # Where the drill marks of the states are read (the full read asks drillmarks.states alike).
        read = glance.states(home.db_path, lambda rows: drillrule.setting_at(drillrule.asked(rows)),
                             wait=max(0.0, deadline - time.monotonic()))
        if read is None:
            return None
        rows, active, events, asked = read
        shown, carried = blast.build(suppliers=suppliers, services=services, interval=interval, rows=rows, active=active,
                                     drills=drillrule.caused(asked, events), now=now)
        return Look(views.Status(at=now, suppliers=shown, services=carried, incidents=()), zone)
    # What a plain read of files people write can raise (a missing or unreadable home or file, bad
    # TOML or UTF-8, an unknown zone, a value of another type, one this reading does not follow):
    # the full read meets it and says so. Anything else is a bug, and shows as one.
    except (OSError, ValueError, KeyError, TypeError, tomllib.TOMLDecodeError, WarroomError, _Unusual):
        return None


class _Window(NamedTuple):
    start: datetime
    end: datetime


class _Supplier(NamedTuple):
    """What the board needs of a supplier of warroom.toml (blast.SupplierEntry)."""

    id: str
    name: str
    criticality: str
    interval: timedelta | None
    maintenance: tuple[_Window, ...]


class _Service(NamedTuple):
    """What the board needs of a crucial service (blast.ServiceEntry)."""

    id: str
    name: str
    sector: str
    depends_on: tuple[str, ...]


def _supplier(entry: object) -> _Supplier:
    s = _table(entry)
    criticality = s.get("criticality", defaults.CRITICALITY)
    if criticality not in defaults.CRITICALITIES:
        raise _Unusual(criticality)
    return _Supplier(id=_text(s.get("id")), name=_text(s.get("name")), criticality=criticality,
                     interval=_duration(s["interval"]) if "interval" in s else None,
                     maintenance=tuple(_window(w) for w in _list(s.get("maintenance", []))))


def _window(entry: object) -> _Window:
    window = _table(entry)
    start, end = window.get("start"), window.get("end")
    if not (isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo and end.tzinfo):
        raise _Unusual("a maintenance window without its UTC offsets")
    return _Window(start, end)


def _service(entry: object) -> _Service:
    v = _table(entry)
    return _Service(id=_text(v.get("id")), name=_text(v.get("name")), sector=_text(v.get("sector")),
                    depends_on=tuple(_text(d) for d in _list(v.get("depends_on"))))


def _duration(value: object) -> timedelta:
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
