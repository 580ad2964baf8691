"""Reading TOML files people wrote, and pointing at the line a problem is on.

tomllib gives values without positions, so `Locator` scans the text once and records the line of every
table header and key (`steps[1].due` → line 12). That is what lets every problem be reported as
`playbooks/x.toml:12: steps[1].due: …` instead of "somewhere in the file".
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from warroom import files, i18n, pydantic_messages
from warroom.errors import InvalidFile
from warroom.i18n import N_, _
from warroom.text import line

MAX_BYTES = 1_000_000  # a playbook or config is a few KB; anything near this is a mistake, not a file

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_BARE = r"[A-Za-z0-9_\-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]\]?")
_PART = re.compile(_KEY_PART)
_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_AT_END = "(at end of document)"

# tomllib's messages (Python 3.11 to 3.13), reworded in the chosen language; one that is not here
# (a newer Python's) keeps tomllib's English. A group is the file's own text (a key, a character).
_SYNTAX = [(re.compile(pattern), template) for pattern, template in (
    (r"Invalid statement", N_("invalid statement")),
    (r"Expected newline or end of document after a statement", N_("expected a new line or the end of the file after a statement")),
    (r"Expected (?P<expected>'.*')", N_("expected {expected}")),
    (r"Found invalid character (?P<char>.+)", N_("invalid character {char}")),
    (r"Illegal character (?P<char>.+)", N_("invalid character {char}")),
    (r"Cannot declare (?P<key>.+) twice", N_("{key} is declared twice")),
    (r"Cannot overwrite a value", N_("a value cannot be overwritten (is a key there twice?)")),
    (r"Expected '\]' at the end of a table declaration", N_("expected ']' at the end of a table header")),
    (r"Expected '\]\]' at the end of an array declaration", N_("expected ']]' at the end of an array of tables header")),
    (r"Cannot mutate immutable namespace (?P<key>.+)", N_("{key} is already defined and cannot be extended")),
    (r"Cannot redefine namespace (?P<key>.+)", N_("{key} cannot be defined again")),
    (r"Expected '=' after a key in a key/value pair", N_("expected '=' after a key")),
    (r"Invalid initial character for a key part", N_("invalid first character of a key")),
    (r"Unclosed array", N_("array not closed")),
    (r"Duplicate inline table key (?P<key>.+)", N_("key {key} appears twice in an inline table")),
    (r"Unclosed inline table", N_("inline table not closed")),
    (r"Unescaped '\\' in a string", N_("a lone '\\' in a string (write '\\\\')")),
    (r"Invalid hex value", N_("invalid hexadecimal value")),
    (r"Escaped character is not a Unicode scalar value", N_("escaped character is not a Unicode scalar value")),
    (r"Unterminated string", N_("string not closed")),
    (r"Invalid date or datetime", N_("invalid date or date-time")),
    (r"Invalid value", N_("invalid value")),
)]


def _syntax_reason(message: str) -> str:
    """tomllib's message without its position, in the chosen language when it is one we know."""
    reason = _AT.sub("", message).strip()
    if i18n.current() == i18n.DEFAULT:
        return reason
    end = reason.endswith(_AT_END)
    reason = reason.removesuffix(_AT_END).strip() if end else reason
    for pattern, template in _SYNTAX:
        found = pattern.fullmatch(reason)
        if found:
            reason = _(template).format(**found.groupdict())
            break
    return _("{reason} (at the end of the file)").format(reason=reason) if end else reason


def format_path(path: Path_) -> str:
    """('steps', 1, 'due') → `steps[1].due`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _split_key(text: str) -> list[str]:
    return [p[1:-1] if p[0] in "\"'" else p for p in _PART.findall(text)]


def _depth_change(fragment: str, in_string: str | None) -> tuple[int, str | None]:
    """Net bracket depth of a line fragment, skipping strings and comments.

    Returns the change and the multi-line string delimiter still open at the end, if any."""
    depth, i, n = 0, 0, len(fragment)
    while i < n:
        if in_string:
            end = fragment.find(in_string, i)
            if end < 0:
                return depth, in_string
            i, in_string = end + len(in_string), None
            continue
        ch = fragment[i]
        if fragment.startswith('"""', i) or fragment.startswith("'''", i):
            in_string, i = fragment[i : i + 3], i + 3
        elif ch == '"':
            i += 1
            while i < n and fragment[i] != '"':
                i += 2 if fragment[i] == "\\" else 1
            i += 1
        elif ch == "'":
            end = fragment.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif ch == "#":
            break
        else:
            depth += ch in "[{"
            depth -= ch in "]}"
            i += 1
    return depth, in_string


class Locator:
    """The line of every table and key in a TOML text, by field path. The text is scanned when a
    line is first asked for: only a file with a problem needs one, and every command reads the config."""

    def __init__(self, text: str):
        self._text: str | None = text
        self._lines: dict[Path_, int] = {}
        self._arrays: dict[Path_, int] = {}  # array-of-tables path → index of its current element

    @property
    def lines(self) -> dict[Path_, int]:
        if self._text is not None:
            text, self._text = self._text, None
            self._scan(text)
        return self._lines

    def line_of(self, path: Path_) -> int:
        """The line of `path`, or of its nearest ancestor that the file spells out (1 if none)."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return 1

    def _resolve(self, keys: list[str]) -> Path_:
        path: Path_ = ()
        for key in keys:
            path += (key,)
            if path in self._arrays:
                path += (self._arrays[path],)
        return path

    def _scan(self, text: str) -> None:
        table: Path_ = ()
        depth, in_string = 0, None
        for lineno, row in enumerate(text.splitlines(), start=1):
            if in_string or depth > 0:
                change, in_string = _depth_change(row, in_string)
                depth += change
                continue
            header = _HEADER.match(row)
            if header:
                keys = _split_key(header.group(2))
                parent = self._resolve(keys[:-1])
                if header.group(1) == "[[":
                    array = parent + (keys[-1],)
                    index = self._arrays.get(array, -1) + 1
                    self._arrays[array] = index
                    self._lines.setdefault(array, lineno)
                    table = array + (index,)
                else:
                    table = parent + (keys[-1],)
                self._lines[table] = lineno
                continue
            key = _KEY.match(row)
            if key:
                path = table + tuple(_split_key(key.group(1)))
                self._lines[path] = lineno
                value = row[key.end() :]
                if value.lstrip().startswith("{"):  # inline table: its keys sit on this row
                    for part in re.findall(rf"[{{,]\s*({_BARE})\s*=", value):
                        self._lines[path + (part,)] = lineno
                change, in_string = _depth_change(value, None)
                depth += change


def read_text(path: Path, shown: str) -> str:
    """The text of a file a person wrote, or InvalidFile saying plainly why it cannot be read.

    Only a regular file of at most MAX_BYTES, read under a deadline (warroom.files): a FIFO, a
    device or a hung mount is named, never waited on."""
    return decode(read_raw(path, shown)[0], shown)


def read_raw(path: Path, shown: str) -> tuple[bytes, os.stat_result]:
    """The bytes read_text decodes, and the status of the file they were read from (its owner)."""
    return files.read_with_status(path, shown, limit=MAX_BYTES, what="a playbook or config")


def decode(raw: bytes, shown: str) -> str:
    """The text of a file's bytes, or InvalidFile: empty, or not UTF-8 (at which line)."""
    if not raw.strip():
        raise InvalidFile([_("{file}: file is empty").format(file=shown)])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile([_("{file}:{line}: not UTF-8 text (byte {byte} at offset {offset}); save the file as UTF-8")
                           .format(file=shown, line=line, byte=f"0x{raw[exc.start]:02x}", offset=exc.start)]) from None


def _too_deep(shown: str) -> InvalidFile:
    # tomllib parses nested arrays and inline tables by recursion: a few hundred `[` in 1 KB
    # exhaust the interpreter's stack. That is one bad file, never a crash of whoever reads it.
    return InvalidFile([_("{file}: nested too deeply (arrays or tables inside each other, hundreds of levels)").format(file=shown)])


_LONG_NUMBER = re.compile(rf"(?<![\w\"'.])[+-]?[0-9_]{{{sys.get_int_max_str_digits() + 1},}}")  # not in a string


def _too_long(text: str, shown: str) -> InvalidFile:
    # tomllib converts an integer with int(), which refuses more than 4300 digits with a plain
    # ValueError (CVE-2020-10735): one bad file, said at its line, never "internal error".
    found = _LONG_NUMBER.search(text)
    where = f"{shown}:{text.count(chr(10), 0, found.start()) + 1}" if found else shown
    digits = sys.get_int_max_str_digits()
    return InvalidFile([_("{where}: a number of more than {digits} digits; no field takes one (a mistake, or a hostile file)")
                        .format(where=where, digits=i18n.number(digits))])


def parse(text: str, shown: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (RecursionError, MemoryError):
        raise _too_deep(shown) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _AT.search(message)
        where = f"{shown}:{at.group(1)}:{at.group(2)}" if at else shown
        raise InvalidFile([_("{where}: TOML syntax error: {reason}").format(where=where, reason=_syntax_reason(message))]) from None
    except ValueError:  # after TOMLDecodeError, which is one
        raise _too_long(text, shown) from None


def _message(error: dict[str, Any]) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return _("unknown key (a typo? unknown keys are refused so nothing is silently dropped)")
    if kind == "missing":
        return _("required key is missing")
    if kind == "finite_number":  # nan then failed every bound: "less than or equal to 100" said nothing
        return _("must be a finite number (not nan or inf)")
    if kind == "value_error":  # our validators' own words, already in the chosen language
        return msg.removeprefix("Value error, ")
    return pydantic_messages.message(error)


def problem(shown: str, locator: Locator, path: Path_, message: str) -> str:
    field = line(format_path(path))  # a key is whatever the author typed, newlines included
    return f"{shown}:{locator.line_of(path)}: {field + ': ' if field else ''}{message}"


def validate(model: type[M], data: dict[str, Any], shown: str, locator: Locator) -> M:
    """The model built from `data`, or InvalidFile listing every problem (not only the first)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))  # drop union tags
            found.append((locator.line_of(loc), problem(shown, locator, loc, _message(error))))
        raise InvalidFile([text for _, text in sorted(found, key=lambda f: f[0])]) from None


def load(path: Path, shown: str, model: type[M]) -> tuple[M, Locator]:
    """Read, parse and validate one file; InvalidFile names the file, line and field of each problem."""
    return load_text(read_text(path, shown), shown, model)


def load_text(text: str, shown: str, model: type[M]) -> tuple[M, Locator]:
    """Parse and validate the text of one file (load, once it is read)."""
    data = parse(text, shown)
    try:
        locator = Locator(text)
        return validate(model, data, shown, locator), locator
    except (RecursionError, MemoryError):
        raise _too_deep(shown) from None
