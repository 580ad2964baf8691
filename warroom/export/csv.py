"""The CSV export: one event a row (RFC 4180: comma-separated, CRLF line ends, fields with a comma,
quote or line break quoted, quotes doubled), UTF-8 with a byte-order mark so that spreadsheets
read it as UTF-8. Columns: seq, at (UTC, ISO 8601), kind, actor, summary, data (the event's data as
JSON).

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return, which some strip
first) as a formula: such a cell gets a leading apostrophe, which spreadsheets show as text. The
text is otherwise exactly as recorded, so the csv module reads every cell back as written; but in
a drill's export every summary that does not say so already starts with "[DRILL] ", for a row
copied out of a drill's spreadsheet must not pass for live work (the data cell is as recorded).

The same in every language (issue 14): the column names, the kind and the data are a contract, and
the summary is the stored English one, not what eventtext says in the war-room's language, for
scripts compare it with the event log and the JSON export."""

from __future__ import annotations

import csv
from typing import TextIO

from warroom.export.model import Timeline
from warroom.store.chain import IN_ACTOR, IN_AT, IN_DATA, IN_KIND, IN_SEQ, IN_SUMMARY
from warroom.vocabulary import drill_said

COLUMNS = ("seq", "at", "kind", "actor", "summary", "data")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 1000


def cell(value: object) -> str:
    """A cell no spreadsheet runs as a formula: text as recorded; anything else (a row altered in
    the file: bytes, a number, nothing) as the csv module's writer spells it."""
    text = value if type(value) is str else "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def quoted(text: str) -> str:
    """A text field as the csv module's writer (the excel dialect, CRLF) writes it: in quotes when
    it holds a comma, a quote or a line break, its quotes doubled; as it is otherwise. Laid out here
    with a few searches of the whole text where the writer looks at each character in turn (a
    quarter of a 100,000-event export); tests/test_exports.py checks the two agree on any text."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def render(timeline: Timeline, out: TextIO) -> None:
    out.write("\ufeff")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")  # the rule `quoted` follows; it writes any odd row itself
    writer.writerow(COLUMNS)
    lines: list[str] = []
    cells: dict[str, str] = {}  # kind or actor → its field, quoted: 100,000 events have a few of each
    drill = timeline.incident.get("mode") == "drill"
    for row in timeline.events.rows(COLUMNS):  # the stored columns (store.chain.ROW): no record an event
        seq, at, kind, actor, summary, data = row[IN_SEQ], row[IN_AT], row[IN_KIND], row[IN_ACTOR], row[IN_SUMMARY], row[IN_DATA]  # data: its stored JSON text, as it is
        if drill and type(summary) is str:
            summary = drill_said(summary)
        if type(seq) is int and type(at) is str and type(kind) is str and type(actor) is str and type(summary) is str and type(data) is str:
            kind_field, actor_field = cells.get(kind), cells.get(actor)
            if kind_field is None or actor_field is None:
                kind_field, actor_field = quoted(cell(kind)), quoted(cell(actor))
                if len(cells) < 1000:
                    cells[kind], cells[actor] = kind_field, actor_field
            lines.append(f"{seq},{quoted(at)},{kind_field},{actor_field},{quoted(cell(summary))},{quoted(data)}\r\n")
        else:  # a value of another type than the log stores (an altered row): as the writer spells it
            if lines:
                out.write("".join(lines))
                lines.clear()
            writer.writerow((seq, at, cell(kind), cell(actor), cell(summary), data))
        if len(lines) >= _BATCH:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
