"""How much text one entry of the log may hold, the same for the CLI and the TUI.

Every entry is kept for ever, hash-chained, copied into every export and read on terminals under
stress. 20,000 characters is some ten pages: more than any decision, note or reason needs, and
a document that long belongs in a file the entry names."""

from __future__ import annotations

from warroom.errors import BadInput
from warroom.i18n import _, number

MAX_TEXT = 20_000


def check_text(value: str | None, what: str) -> None:
    """BadInput (nothing recorded) when `value` is longer than one entry may be."""
    if value is not None and len(value) > MAX_TEXT:
        # TRANSLATORS: {what} is a phrase like "the note", translated on its own.
        raise BadInput(_("{what} is {length} characters long; one entry holds at most {most} "
                         "(put a long document in a file and log where it is); nothing was recorded").format(
            what=what, length=number(len(value)), most=number(MAX_TEXT)))
