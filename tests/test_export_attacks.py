"""Adversarial tests of the exports on odd stored data (x-attack5). These faults are older than
today's changes (c69edc8 fails them alike): an event altered in the database must make an export
say NOT VERIFIED, never end it in an internal error."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import run_cli
from tests.helpers import start_incident
from tests.test_incidents import configure


def altered_entry(home, incident_id: int, data: str) -> None:
    """A log entry's stored data replaced by `data` (the append-only trigger lifted for it)."""
    with sqlite3.connect(home.root / "warroom.db") as c:
        seq = c.execute("SELECT max(seq) FROM event WHERE incident_id = ? AND kind = 'decision.logged'", (incident_id,)).fetchone()[0]
        c.execute("DROP TRIGGER event_no_update")
        c.execute("UPDATE event SET data = ? WHERE seq = ?", (data, seq))
        c.execute("CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only: events are never updated'); END")


@pytest.mark.parametrize(("data", "fmt"), [
    ('{"kind": "decision", "text": "\\ud800 a lone surrogate, escaped"}', "md"),
    ('{"kind": "decision", "text": "\\ud800 a lone surrogate, escaped"}', "html"),
    ('{"kind": "decision", "text": "a raw \x07 control character"}', "sitrep"),
])
def test_an_export_of_an_entry_whose_data_was_altered_says_not_verified_and_ends_cleanly(home, clock, tmp_path, data, fmt):
    configure(home)
    incident_id = start_incident(home, clock)
    logged = run_cli("log", str(incident_id), "an entry", home=home.root)
    assert logged.returncode == 0, logged.stderr
    altered_entry(home, incident_id, data)
    out = tmp_path / f"export.{fmt}"
    result = run_cli("export", str(incident_id), "--format", fmt, "-o", str(out), home=home.root)
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    if fmt != "sitrep":  # a briefing of the situation now, which checks no chain: it carries on past the row
        assert "NOT VERIFIED" in out.read_text(encoding="utf-8")
