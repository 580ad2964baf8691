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
from warroom.vocabulary import drill_said

COLUMNS = ("seq", "at", "kind", "actor", "summary", "data")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 1000


def cell(text: str) -> str:
    """A text cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(_FORMULA) else text


def render(timeline: Timeline, out: TextIO) -> None:
    out.write("\ufeff")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = []
    cells: dict[str, str] = {}  # kind or actor → its cell: 100,000 events have a few of each
    drill = timeline.incident.get("mode") == "drill"
    for row in timeline.events.rows():  # the stored columns (store.chain.ROW): no record an event
        kind, actor, summary = row[2], row[3], row[7]
        kind_cell, actor_cell = cells.get(kind), cells.get(actor)
        if kind_cell is None or actor_cell is None:
            kind_cell, actor_cell = cell(kind), cell(actor)
            if len(cells) < 1000:
                cells[kind], cells[actor] = kind_cell, actor_cell
        if drill:
            summary = drill_said(summary)
        rows.append((row[0], row[1], kind_cell, actor_cell, "'" + summary if summary.startswith(_FORMULA) else summary,
                     row[13]))  # the data as its stored JSON text, as it is
        if len(rows) >= _BATCH:
            writer.writerows(rows)
            rows.clear()
    writer.writerows(rows)
