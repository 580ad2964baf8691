"""`warroom backup` while writers run: a consistent copy that verifies on its own."""

from __future__ import annotations

import sqlite3

from tests.conftest import assert_clean_failure, run_cli, wait_for
from tests.test_concurrency import start_writers


def count(db) -> int:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM event").fetchone()[0]
    finally:
        connection.close()


def test_backup_while_writers_run_verifies(home, tmp_path):
    go = tmp_path / "go"
    writers = start_writers(home.root, 2, 400, go)
    go.touch()
    wait_for(lambda: count(home.db_path) > 100, what="writers to get going")
    copy = tmp_path / "copy.db"
    result = run_cli("backup", str(copy), home=home.root)
    assert result.returncode == 0, result.stderr
    for writer in writers:
        assert writer.wait(timeout=300) == 0
    copied = count(copy)
    assert 100 < copied <= 801
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    checked = run_cli("--db", f"sqlite:///{copy}", "verify", home=home.root)
    assert checked.returncode == 0, checked.stderr
    assert f"event log verified: {copied:,} events" in checked.stdout
    if copied < 801:  # taken while the writers ran: the witness has seen further
        assert "witnessed later events than this database holds" in checked.stdout
    assert run_cli("verify", home=home.root).returncode == 0


def test_backup_never_overwrites(home, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("precious")
    result = run_cli("backup", str(target), home=home.root)
    assert_clean_failure(result, 2)
    assert "exists" in result.stderr
    assert target.read_text() == "precious"


def test_a_backup_that_was_altered_fails_verify(home, tmp_path):
    copy = tmp_path / "copy.db"
    assert run_cli("backup", str(copy), home=home.root).returncode == 0
    connection = sqlite3.connect(copy)
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("UPDATE event SET actor = 'mallory' WHERE seq = 1")
    connection.commit()
    connection.close()
    result = run_cli("--db", f"sqlite:///{copy}", "verify", home=home.root)
    assert_clean_failure(result, 3)
    assert "seq 1" in result.stderr
