"""The one way the command line prints: every line a person reads, and every error, goes through `echo`.

The commands lay out their fields with `warroom.text` (`line` for a field, `block` for a multi-line
entry indented under its own row), so every newline that reaches `echo` is one of ours. `echo` then
shows any control character still left as a visible symbol: a field someone forgot to format
cannot send the terminal an escape sequence, a carriage return or a C1 control. JSON is printed as
`json.dumps` writes it (every such character escaped), unchanged, since scripts parse it."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

from warroom import text

CONTINUED = "┆ "
"""Marks the further lines of a multi-line entry, after an indent under the entry's text: a line
that starts with it cannot be taken for a row of its own."""


def continued(column: int) -> str:
    """The indent for the further lines of an entry whose text starts at `column`."""
    return " " * column + CONTINUED


def entry(value: object, column: int, width: int | None = None) -> str:
    """A person's text starting at `column` of a row: its own lines, and lines too long for the
    terminal wrapped here, each further line indented and marked. Left to the terminal's soft wrap,
    text padded to the right length could start a wrapped line with a row of its own making."""
    import shutil
    import textwrap

    width = width or shutil.get_terminal_size((120, 24)).columns
    room = max(width - column - len(CONTINUED), 20)
    pieces: list[str] = []
    for part in text.block(value, "\0").split("\n\0"):
        pieces += textwrap.wrap(part, room, replace_whitespace=False, break_on_hyphens=False) or [""]
    return ("\n" + continued(column)).join(pieces)


def widest(context: str, values) -> int:
    """The width of a column of stored words as shown (words.shown): in English what the column
    always was, in Dutch as wide as its longest word, so the columns after it still line up."""
    from warroom import words

    return max(len(words.shown(str(v), context)) for v in values)


def inert(message: str) -> str:
    """`message` with our newlines kept and every other control character shown as a symbol; lone
    surrogates (undecodable bytes of an argument) shown as escapes rather than failing to print."""
    shown = "\n".join(text.line(part, limit=sys.maxsize) for part in message.split("\n"))
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def echo(message: str = "", *, err: bool = False) -> None:
    """Print lines that we laid out (see the module docstring)."""
    click.echo(inert(message), err=err)


def echo_json(value: Any) -> None:
    """Print `--json` output: json.dumps escapes every control character itself."""
    click.echo(json.dumps(value, indent=2))


QUOTED_SHOWN = 200  # characters of one quoted value that an error message shows
ERROR_SHOWN = 1_000  # characters of one error message, whatever it holds
# A value quoted in a message, as repr() or our messages write it ('…' or "…"), or one long word
# (a path, a URL) of more than QUOTED_SHOWN characters.
_LONG = re.compile(rf"'([^'\n]{{{QUOTED_SHOWN + 1},}})'|\"([^\"\n]{{{QUOTED_SHOWN + 1},}})\"|\S{{{QUOTED_SHOWN + 1},}}")


def _clip(match: re.Match) -> str:
    whole = match.group()
    quote = whole[0] if match.group(1) or match.group(2) else ""
    value = match.group(1) or match.group(2) or whole
    return f"{quote}{value[:QUOTED_SHOWN]}{quote}… ({len(value) - QUOTED_SHOWN:,} more characters)"


def clipped(message: object) -> str:
    """`message` with every long quoted value or word cut to its start and a count of what was cut:
    an argument of 120 KB is not worth echoing whole, and the rest of the message says what to do."""
    return text.line(_LONG.sub(_clip, str(message)), limit=ERROR_SHOWN)


def error(message: object) -> None:
    """An error: always one line on stderr, whatever text it quotes, and never a wall of it."""
    echo(clipped(message), err=True)


def click_error(exc: click.ClickException) -> None:
    """A bad value is one line naming the command and the parameter; other usage errors are laid
    out as click does (usage, hint, `Error: …`), since there the usage is the help."""
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter) and exc.ctx is not None:
        error(f"{exc.ctx.command_path}: {exc.format_message()}")
        return
    exc.message = text.line(exc.message, limit=sys.maxsize)
    buffer = io.StringIO()
    exc.show(file=buffer)
    echo(buffer.getvalue().rstrip("\n"), err=True)


@contextmanager
def data_out() -> Iterator[TextIO]:
    """Stdout for a file's content (an export written without -o): UTF-8 whatever the locale, line
    ends as the format writes them. On a terminal, which obeys what it is sent, every control
    character is shown as a symbol first, as `echo` does; a pipe or a file gets the bytes as they are."""
    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=False)
    target: TextIO = _Inert(stream) if sys.stdout.isatty() else stream  # type: ignore[assignment]
    try:
        yield target
    finally:
        stream.flush()
        stream.detach()


class _Inert:
    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, chunk: str) -> int:
        return self._stream.write(inert(chunk.replace("\r\n", "\n")))
