"""warroom.toml parsed once while the board starts: the language's peek (cli.speak) and the board's
first look (services/glance) each read the whole file before the first frame, and tomllib took
~15 ms of two cores for a config of 200 suppliers, each time.

Each reader passes the bytes it has just read and gets the parse of exactly those bytes: the first
parse is kept for one more reader of equal bytes and then forgotten, so a file that changed in
between is parsed anew and nothing is kept that could go stale. Readers only read what they get."""

from __future__ import annotations

import tomllib
from typing import Any

_kept: tuple[bytes, dict[str, Any]] | None = None


def loads(data: bytes, *, keep: bool = False) -> dict[str, Any]:
    """`tomllib.loads` of `data` (UTF-8); `keep`: hand this parse to the next reader of the same bytes."""
    global _kept
    kept, _kept = _kept, None
    if kept is not None and kept[0] == data:
        return kept[1]
    parsed = tomllib.loads(data.decode("utf-8"))
    if keep:
        _kept = (data, parsed)
    return parsed


def forget() -> None:
    """No reader is coming (a command, not the board): let the kept parse go."""
    global _kept
    _kept = None
