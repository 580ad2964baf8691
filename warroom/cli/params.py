"""Argument types shared by every command, so that bad input is refused the same way everywhere,
as a usage error (exit 2) before any command runs."""

from __future__ import annotations

import click

from warroom import text

LARGEST_ID = 2**63 - 1  # what SQLite and PostgreSQL keep in a BIGINT


class Number(click.ParamType):
    """An id, a sequence number or a level: a whole number from 1 to what a database column holds."""

    name = "integer"

    def __init__(self, what: str):
        self.what = what

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            number = value
        else:
            # Only ASCII digits: int() also reads "１" (fullwidth), "١" (Arabic-Indic), "+1", " 1 "
            # and "1_000", so a look-alike of an id would act on the id it resembles.
            if not (value.isascii() and value.isdigit()):
                self.fail(f"{text.line(value, 40)!r} is not a number (digits 0-9 only)", param, ctx)
            try:
                number = int(value)
            except ValueError:  # a number of more digits than int() will read
                self.fail(f"{text.line(value, 40)!r} is not a number", param, ctx)
        if not 1 <= number <= LARGEST_ID:
            self.fail(f"{text.line(value, 40)} is not a{'n' if self.what[0] in 'aeiou' else ''} {self.what}: "
                      f"{self.what}s are numbers from 1 to {LARGEST_ID}", param, ctx)
        return number


class Text(click.ParamType):
    """Text as typed: refused when it is not valid UTF-8 (the bytes of another encoding, which
    Python hands over as lone surrogates, could be neither stored nor shown)."""

    name = "text"

    def convert(self, value, param, ctx) -> str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(value[exc.start]) - 0xDC00 if 0xDC80 <= ord(value[exc.start]) <= 0xDCFF else None
            which = f"byte 0x{byte:02x}" if byte is not None else "a lone surrogate"
            self.fail(f"not valid UTF-8 ({which} at character {exc.start + 1}); check the encoding of the terminal or script", param, ctx)
        return value


class Speed(click.ParamType):
    """How many times faster a drill runs: a finite number (not nan, inf or 1e999), checked for its
    range by the service."""

    name = "number"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        shown = text.line(value, 40)
        if not (value.isascii() and value.replace(".", "", 1).isdigit()):
            self.fail(f"{shown!r} is not a number (like 4 or 12.5)", param, ctx)
        number = float(value)
        if not 1 <= number <= 3600:
            self.fail(f"{shown} is out of range: a drill runs from 1 to 3600 times faster than its playbook", param, ctx)
        return number


INCIDENT = Number("incident id")
SPEED = Speed()
SEQ = Number("seq")
LEVEL = Number("level")
TEXT = Text()
PORT = click.IntRange(0, 65535)
