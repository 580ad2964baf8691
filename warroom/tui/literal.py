"""Text that people, files and suppliers wrote, as Textual shows it: literally.

Textual reads a plain str as markup almost everywhere (a DataTable cell, `Static.update`, a
`Label`, a border title, `notify`). In a log entry, a supplier's name or a status page's
description that is an attack: `[@click=app.quit]` becomes a link that acts in the clicker's
name, `[/etc]` raises MarkupError and takes the screen down, `[urgent]` silently vanishes. So no
screen formats such text into a markup string. Our own styling is a template of Textual's
content markup whose `$variables` are filled with the untrusted text, which Textual inserts as
text and never parses; or it is assembled from styled pieces. Each piece first goes through
`warroom.text`, so no control character reaches the terminal either."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.notifications import SeverityLevel

from warroom import text


def cell(value: str | Text) -> Text:
    """A DataTable cell: a str is shown as written, on one line (a newline shows as ␊, so a
    multi-line entry cannot pass for another row). A Text is ours, already made of safe parts."""
    if isinstance(value, Text):
        return value
    return Text(text.line(value), no_wrap=True, end="")


def hanging(value: object, indent: str, width: int, first: int | None = None) -> Content:
    """Text shown as written after `indent` (its first line after `first` cells, where that
    differs), wrapped at words to `width` with every further line after `indent` too: a long value
    must not run back to column 0 under its label (a terminal wraps it there)."""
    width = max(width, len(indent) + 20)
    lines: list[str] = []
    for n, line in enumerate(text.block(value, "").split("\n")):
        start = " " * (len(indent) if n or first is None else first)
        wrapped = textwrap.wrap(line, width, initial_indent=start, subsequent_indent=indent, break_on_hyphens=False) or [start]
        lines += [wrapped[0][len(start):], *(w[len(indent):] for w in wrapped[1:])]
    return Content(("\n" + indent).join(lines))


def plain(value: object, style: str = "") -> Content:
    """One line shown as written, in one style of ours."""
    return Content.styled(text.line(value), style)


def block(value: object, indent: str = "  ") -> Content:
    """Several lines shown as written, each further line after `indent`."""
    return Content(text.block(value, indent))


def template(markup: str, **values: object) -> Content:
    """Our markup (a literal in our code) with `$name` places filled by `values`, each shown as
    written on one line: Textual substitutes them after parsing, as text."""
    return Content.from_markup(markup, **{name: text.line(value) for name, value in values.items()})


def notify(app: App, message: object, *, severity: SeverityLevel = "information", timeout: float | None = None) -> None:
    """A notification whose text is shown as written (never markup), a message of several lines
    (an error listing problems) with its further lines indented. Safe from any thread."""
    app.notify(text.block(message, "  "), severity=severity, timeout=timeout, markup=False)
