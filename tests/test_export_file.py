"""Exports read through the standard library (issue 13's benchmark): a JSON or CSV export of the
home's own SQLite file reads it read-only without SQLAlchemy (store/timelinefile.py). It must give
what the store's reading gives, byte for byte, on an awkward incident, say a tampered log is
tampered, and leave the file as it was."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import test_exports
from tests.conftest import assert_clean_failure, db_args, run_cli
from tests.test_exports import AWKWARD
from tests.test_incidents import ME

NOW = {"WARROOM_NOW": "2026-11-29T16:00:00+01:00"}  # both readings of one export say the same "prepared at"
template, root = test_exports.template, test_exports.root  # the awkward incident's home: made once a module, copied a test
FORMATS = ("json", "csv", "md", "html", "sitrep")


def _export(root: Path, fmt: str, name: str, *args: str, store: bool = False) -> bytes:
    """Incident #1 (or the id `args` starts with) exported in `fmt` to `name` beside the home; read
    by the store (`store`: $WARROOM_DB naming the same file, which the store reads through
    SQLAlchemy, where the home's own is read by the standard library)."""
    incident, args = (args[0], args[1:]) if args and args[0].isdigit() else ("1", args)
    env = {**NOW, **({"WARROOM_DB": f"sqlite:///{root / 'warroom.db'}"} if store else {})}
    result = run_cli("export", incident, "--format", fmt, "-o", str(root / name), *args, home=root, env=env)
    assert result.returncode == 0, result.stderr
    return (root / name).read_bytes()


def _alter(root: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(root / "warroom.db")
    db.execute("DROP TRIGGER event_no_update")
    db.execute(sql, params)
    db.commit()
    db.close()


@pytest.mark.parametrize("window", [(), ("--since", "2026-11-29 14:00"), ("--until", "2026-11-29 14:02")], ids=["whole", "since", "until"])
def test_each_format_from_the_file_is_the_stores_byte_for_byte(root, window):
    for fmt in FORMATS:
        assert _export(root, fmt, f"file.{fmt}", *window) == _export(root, fmt, f"store.{fmt}", *window, store=True), fmt
    document = json.loads((root / "file.json").read_text())
    assert document["chain"]["verified"] is True
    assert run_cli("verify", "--export", str(root / "file.json"), home=root).returncode == 0


def test_a_tampered_log_read_from_the_file_says_so_as_the_store_does(root):
    (seq,) = sqlite3.connect(root / "warroom.db").execute("SELECT max(seq) FROM event WHERE incident_id = 1 AND kind = 'step.done'").fetchone()
    _alter(root, "UPDATE event SET actor = 'mallory' WHERE seq = ?", seq)
    for fmt in ("json", "html"):
        assert _export(root, fmt, f"file.{fmt}") == _export(root, fmt, f"store.{fmt}", store=True), fmt
    document = json.loads((root / "file.json").read_text())
    assert document["chain"]["verified"] is False and f"seq {seq}" in document["chain"]["problem"]
    assert '<span class="broken">NOT VERIFIED</span>' in (root / "file.html").read_text()
    checked = run_cli("verify", "--export", str(root / "file.json"), home=root)
    assert checked.returncode == 3 and f"seq {seq}" in checked.stderr


@pytest.mark.parametrize("where", ["last", "before the window"])
def test_a_hash_stored_as_bytes_is_a_hash_that_does_not_hold_never_a_crash(root, where):
    """A row altered in the file so its hash is a BLOB: at the head of the log, or the event a
    window's first links to. Every format exports, the file's reading as the store's, and the JSON
    says (and `verify --export` finds) what does not hold."""
    seqs = [s for (s,) in sqlite3.connect(root / "warroom.db").execute("SELECT seq FROM event WHERE incident_id = 1 ORDER BY seq")]
    window = () if where == "last" else ("--since", "2026-11-29 14:01")
    if where == "last":
        seq = seqs[-1]
    else:
        _export(root, "json", "clean.json", *window)
        first = json.loads((root / "clean.json").read_text())["window"]["first_seq"]
        assert seqs.index(first) > 0
        seq = seqs[seqs.index(first) - 1]  # the one the window's first links to
    _alter(root, "UPDATE event SET hash = X'00ff' WHERE seq = ?", seq)
    for fmt in FORMATS:
        assert _export(root, fmt, f"file.{fmt}", *window) == _export(root, fmt, f"store.{fmt}", *window, store=True), fmt
    document = json.loads((root / "file.json").read_text())
    checked = run_cli("verify", "--export", str(root / "file.json"), home=root)
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert "Traceback" not in checked.stderr and "internal error" not in checked.stderr
    if where == "last":
        assert document["chain"]["verified"] is False and f"seq {seq}" in document["chain"]["problem"]
        assert f"seq {seq}" in checked.stderr
    else:  # the window's start is said as what it is, which its first event does not link to
        assert document["window"]["after"] == repr(b"\x00\xff")  # as the event's own hash is spelled in an export
        assert "window" in checked.stderr and "missing" in checked.stderr, checked.stderr


def test_awkward_text_in_every_column_reads_from_the_file_as_from_the_store(root):
    """Control characters (NUL too), quotes, backslashes, emoji, right-to-left and reordering marks,
    a line separator, DEL, in every text an event stores, appended through the event log; then the
    last one's summary altered in the file: the file's reading says so, as the store's does."""
    from warroom.home import Home
    from warroom.store import eventlog

    awkward = [AWKWARD, "\x00\x01\x08\x09\x0a\x0c\x0d\x1f\x7f", "\\\"'/</script>", "\u2028\u2029\ufeff\u200f", "\U0001f692" * 3, ""]
    store = Home(root).open_store()
    try:
        with store.write() as session:
            for n, text in enumerate(awkward):
                eventlog.append(session, at=datetime(2026, 11, 29, 16, n, tzinfo=UTC), kind="decision.logged", actor=text or ME, origin={"host": text},
                                incident_id=2, object="incident:2", summary=text, data={"kind": "observation", "text": text, text: [text]}, key=text or None)
    finally:
        store.dispose()
    for fmt in ("json", "csv"):
        assert _export(root, fmt, f"file.{fmt}", "2") == _export(root, fmt, f"store.{fmt}", "2", store=True)
    exported = json.loads((root / "file.json").read_text())
    assert exported["chain"]["verified"] is True
    assert [e["summary"] for e in exported["events"][-len(awkward):]] == awkward
    assert run_cli("verify", "--export", str(root / "file.json"), home=root).returncode == 0
    _alter(root, "UPDATE event SET summary = summary || '!' WHERE seq = (SELECT max(seq) FROM event)")
    (seq,) = sqlite3.connect(root / "warroom.db").execute("SELECT max(seq) FROM event").fetchone()
    for fmt in ("json", "csv"):
        assert _export(root, fmt, f"file.{fmt}", "2") == _export(root, fmt, f"store.{fmt}", "2", store=True)
    exported = json.loads((root / "file.json").read_text())
    assert exported["chain"]["verified"] is False and f"seq {seq}" in exported["chain"]["problem"]


def test_a_blob_or_a_number_where_text_belongs_reads_from_the_file_as_from_the_store(root):
    (seq,) = sqlite3.connect(root / "warroom.db").execute("SELECT max(seq) FROM event WHERE incident_id = 1").fetchone()
    _alter(root, "UPDATE event SET object = X'00FF', result = 12, data = X'7B7D' WHERE seq = ?", seq)
    for fmt in ("json", "csv"):
        assert _export(root, fmt, f"file.{fmt}") == _export(root, fmt, f"store.{fmt}", store=True)
    assert json.loads((root / "file.json").read_text())["chain"]["verified"] is False


def test_exporting_from_the_file_never_changes_it_and_imports_no_sqlalchemy(root):
    database = root / "warroom.db"
    before = database.read_bytes()
    for fmt in ("json", "csv"):
        result = run_cli("export", "1", "--format", fmt, "-o", str(root.parent / f"out.{fmt}"), home=root, env=NOW)
        assert result.returncode == 0, result.stderr
    assert database.read_bytes() == before
    wal = root / "warroom.db-wal"  # SQLite's shared-memory index may appear for any reader; nothing is written to the log
    assert not wal.exists() or wal.stat().st_size == 0
    import subprocess
    import sys

    seen = subprocess.run(
        [sys.executable, "-c", "import json, sys\nfrom warroom.cli import main\n"
         f"try:\n    main(['--home', {str(root)!r}, 'export', '1', '--format', 'json', '-o', {str(root.parent / 'again.json')!r}])\n"
         "except SystemExit as done:\n    assert done.code == 0, done.code\n"
         "print(json.dumps(sorted(m for m in sys.modules if m == 'sqlalchemy' or m.startswith('sqlalchemy.'))))"],
        capture_output=True, text=True, timeout=120)
    assert seen.returncode == 0, seen.stderr
    assert json.loads(seen.stdout.splitlines()[-1]) == []


def test_an_unknown_incident_is_refused_as_the_store_refuses_it(root):
    for fmt in ("json", "csv"):
        result = run_cli("export", "99", "--format", fmt, home=root)
        assert_clean_failure(result, 2)
        assert "no incident #99 (open or stabilised incidents: #2)" in result.stderr


def test_export_all_from_the_file_writes_every_incident(root):
    result = run_cli("export", "--all", "--format", "json", "-o", str(root.parent / "all"), home=root)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (root.parent / "all").iterdir()) == ["incident-1.json", "incident-2.json"]
    for path in (root.parent / "all").iterdir():
        assert run_cli("verify", "--export", str(path), home=root).returncode == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_still_exports_from_each_database(db_home, fmt, tmp_path):
    """PostgreSQL is read through the store (Core), SQLite through the driver or the file."""
    from tests.test_databases import cli, one_person

    one_person(db_home)
    incident = cli(db_home, "incident", "start", "cloud-hosting-outage", "--drill")
    cli(db_home, "log", incident, AWKWARD, "--kind", "decision", "--rationale", "ETA unknown")
    target = tmp_path / f"out.{fmt}"
    result = run_cli(*db_args(db_home), "export", incident, "--format", fmt, "-o", str(target), home=db_home.root)
    assert result.returncode == 0, result.stderr
    text = target.read_text(encoding="utf-8-sig")
    assert "ETA unknown" in text or fmt in ("csv", "sitrep")
    if fmt in ("md", "html"):
        assert "NOT VERIFIED" not in text and ("verified" in text or "Verified" in text)
    if fmt == "json":
        assert json.loads(text)["chain"]["verified"] is True
        assert run_cli("verify", "--export", str(target), home=db_home.root).returncode == 0
