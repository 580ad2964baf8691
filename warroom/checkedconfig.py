"""The record of a warroom.toml that passed the full check, so that a write with the same config
learns who acts (and the time zone) without loading pydantic and the config's models: ~120 ms of
a `warroom log`, the scribe's command while the phone rings (issue 16).

The record is content-addressed: it names the SHA-256 of the exact bytes that were checked (and of
the code that checked them) and holds what a write needs of them, plain: [people] and the time zone.
A record that names other bytes is no record; so an unchanged record cannot outlive an edit of the
file, and a changed or new config always takes the full check, which says what is wrong with it.

Who may act is decided by warroom.toml, so its record is trusted only where nobody could have written
it who could not have written warroom.toml itself: a regular file in the home (never followed through
a link), owned by warroom.toml's owner, writable by nobody else. Anything else (no record, another
owner, writable by the group or anyone, a link, bytes that are not a record, values of the wrong
shape) is not trusted and the caller checks the config in full. Only a process that has just checked
the config in full, running as the config's owner, writes a record (a new file renamed into place);
in a group home the members' processes therefore read the owner's record but never write one."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import files

if TYPE_CHECKING:
    from warroom.home import Home

RECORD = ".warroom.toml.checked"
FORMAT = 1
LIMIT = 1_000_000  # tomlsource.MAX_BYTES: a config above it is refused by the full check, never recorded
ROLES = frozenset({"commander", "coordinator", "scribe", "facilitator", "observer"})  # config.Role (a test keeps them equal)


@dataclass(frozen=True)
class Known:
    """What a write needs of a warroom.toml checked before: each OS user [people] names, with their
    name and role (empty: every user may act), and the time zone times are read in."""

    people: dict[str, tuple[str, str]]
    timezone: str


_CHECKING_LIBRARIES = (
    ("pydantic", "version.py"),
    ("pydantic_core", "__init__.py"),  # the validators themselves: pydantic pins it, but a broken pin must not pass
    ("idna", "idnadata.py"),  # which supplier host names are valid
    ("tzdata", "__init__.py"),  # which zones exist where the OS has none (the zone is also re-checked at read)
)


@cache  # the code that runs in this process is the code it loaded
def _checker() -> bytes:
    """Which code did the checking: warroom's version and each of its top-level modules (where the
    config's models and field types live) by size and time of change, and a file of each library
    whose verdict is part of the check, changed by any reinstall of it.
    A record made by other code (an upgrade, an edited model) is not this code's verdict."""
    package = Path(__file__).parent
    parts = [f"format {FORMAT}"]
    try:
        with os.scandir(package) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    info = entry.stat()
                    parts.append(f"{entry.name} {info.st_size} {info.st_mtime_ns}")
        from importlib.util import find_spec

        for name, marker in _CHECKING_LIBRARIES:
            spec = find_spec(name)
            if spec is not None and spec.origin:
                info = os.stat(Path(spec.origin).with_name(marker))
                parts.append(f"{name} {info.st_size} {info.st_mtime_ns}")
    except OSError:
        parts.append(secrets.token_hex(8))  # the code cannot be told: no record will match
    from warroom import __version__

    parts.append(__version__)
    return "\n".join(parts).encode()


def key(raw: bytes) -> str:
    """The name of a record for these bytes of warroom.toml, as checked by this code."""
    return hashlib.sha256(b"warroom.toml checked\0" + _checker() + b"\0" + raw).hexdigest()


def _trusted(fd: int, config: os.stat_result) -> bool:
    info = os.fstat(fd)
    return (stat.S_ISREG(info.st_mode) and info.st_uid == config.st_uid
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and info.st_size <= LIMIT)


def _read_record(home: Home, config: os.stat_result) -> dict[str, Any] | None:
    try:
        fd = os.open(home.root / RECORD, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not _trusted(fd, config):
            return None
        raw = os.read(fd, LIMIT + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _known(record: dict[str, Any], raw: bytes) -> Known | None:
    """The record's values, if it is a record of exactly these bytes and every value has its shape."""
    if record.get("key") != key(raw):
        return None
    people, zone = record.get("people"), record.get("timezone")
    if not isinstance(people, dict) or not isinstance(zone, str) or not _known_zone(zone):
        return None
    known: dict[str, tuple[str, str]] = {}
    for user, person in people.items():
        if not (isinstance(person, list) and len(person) == 2 and all(isinstance(p, str) for p in person) and person[1] in ROLES):
            return None
        known[user] = (person[0], person[1])
    return Known(known, zone)


def _known_zone(zone: str) -> bool:
    """Whether this host knows the zone now: the check that passed it may have run with other zone
    data (another TZPATH, a tzdata without the legacy names), which the record's key does not cover."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def recall(home: Home) -> Known | None:
    """What the trusted record of the home's warroom.toml as it is now says; None when there is
    none to trust (the caller then checks the file in full, which reports any problem it has)."""
    from warroom.errors import InvalidFile

    try:
        raw, config = files.read_with_status(home.config_path, "warroom.toml", limit=LIMIT, what="a config")
    except InvalidFile:
        return None
    record = _read_record(home, config)
    return _known(record, raw) if record is not None else None


def _clear_way(path: Path) -> None:
    """Remove what stands where the record goes and is no file of ours to replace (an empty folder
    someone made there, in a home the owner may clean): else no record could ever be written."""
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            os.rmdir(path)
    except OSError:
        pass


def remember(home: Home, raw: bytes, config: os.stat_result, known: Known) -> None:
    """Record that `raw`, read from a file whose status is `config`, passed the full check with these
    values. Only as that file's owner (whose record alone is trusted); a record of these bytes
    already there is left as it is. Best effort: a home that cannot take the file goes without."""
    if os.geteuid() != config.st_uid:
        return
    name = key(raw)
    current = _read_record(home, config)
    if current is not None and _known(current, raw) == known:
        return
    body = json.dumps({"key": name, "people": {u: list(p) for u, p in known.people.items()}, "timezone": known.timezone},
                      ensure_ascii=True, sort_keys=True).encode()
    _clear_way(home.root / RECORD)
    temporary = home.root / f"{RECORD}.{os.getpid()}.{secrets.token_hex(4)}"
    mode = 0o600 | (config.st_mode & stat.S_IRGRP)  # read by whoever may read the config, written by its owner alone
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError:
        return
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken the group's read
            files.write_all(fd, body)
        finally:
            os.close(fd)
        os.replace(temporary, home.root / RECORD)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
