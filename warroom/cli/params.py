"""Argument types shared by every command, so that bad input is refused the same way everywhere,
as a usage error (exit 2) before any command runs."""

from __future__ import annotations

import click

from warroom import text
from warroom.i18n import N_, _

LARGEST_ID = 2**63 - 1  # what SQLite and PostgreSQL keep in a BIGINT


class Number(click.ParamType):
    """An id, a sequence number or a level: a whole number from 1 to what a database column holds."""

    name = "integer"

    def __init__(self, what: str, whats: str, article: str):
        self.what, self.whats, self.article = what, whats, article  # what and whats marked N_(), shown translated

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            number = value
        else:
            # Only ASCII digits: int() also reads "１" (fullwidth), "١" (Arabic-Indic), "+1", " 1 "
            # and "1_000", so a look-alike of an id would act on the id it resembles.
            if not (value.isascii() and value.isdigit()):
                self.fail(_("{value} is not a number (digits 0-9 only)").format(value=repr(text.line(value, 40))), param, ctx)
            try:
                number = int(value)
            except ValueError:  # a number of more digits than int() will read
                self.fail(_("{value} is not a number").format(value=repr(text.line(value, 40))), param, ctx)
        if not 1 <= number <= LARGEST_ID:
            # TRANSLATORS: "0 is not an incident id: incident ids are numbers from 1 to …"; {article} is English's a/an
            self.fail(_("{value} is not {article} {what}: {whats} are numbers from 1 to {largest}").format(
                value=text.line(value, 40), article=self.article, what=_(self.what), whats=_(self.whats), largest=LARGEST_ID), param, ctx)
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
            which = _("byte {byte}").format(byte=f"0x{byte:02x}") if byte is not None else _("a lone surrogate")
            self.fail(_("not valid UTF-8 ({which} at character {n}); check the encoding of the terminal or script").format(which=which, n=exc.start + 1),
                      param, ctx)
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
            self.fail(_("{value} is not a number (like 4 or 12.5)").format(value=repr(shown)), param, ctx)
        number = float(value)
        if not 1 <= number <= 3600:
            self.fail(_("{value} is out of range: a drill runs from 1 to 3600 times faster than its playbook").format(value=shown), param, ctx)
        return number


INCIDENT = Number(N_("incident id"), N_("incident ids"), "an")
SPEED = Speed()
SEQ = Number(N_("seq"), N_("seqs"), "a")
LEVEL = Number(N_("level"), N_("levels"), "a")
TEXT = Text()
PORT = click.IntRange(0, 65535)
