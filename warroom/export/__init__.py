"""Exported incident timelines (DESIGN §6, issue 13): one module per format, each a pure render of
the read model in `model.py` that `warroom.services.exports` builds. Renders write to a text stream
in pieces as they read the events, so 100,000 events never sit in memory at once; none of them
touches the database.

    json     the timeline with every hashed field, the chain head and an Ed25519 signature:
             verifiable with nothing but the file and the war-room's public key (verify.py)
    html     one self-contained page for screen and print
    markdown a report for the crisis team's minutes, with an ICS-214-style activity log
    csv      one event a row, for spreadsheets and other tools
    sitrep   the ICS-201-style briefing a commander hands over at a shift change
    report   a draft of one legal report (NIS2, CER) for a person to finish (--obligation NAME)
"""

from __future__ import annotations

FORMATS = {"md": "markdown", "html": "html", "json": "json", "csv": "csv", "sitrep": "sitrep", "report": "report"}
"""--format word → module of this package."""

EXTENSIONS = {"md": "md", "html": "html", "json": "json", "csv": "csv", "sitrep": "md", "report": "md"}
