"""A restore from `warroom backup`, end to end (issue 15, items 2 and 5): the backup is verified before
anything changes, the database and witness as they were are kept, what was lost is said and
recorded, a process that had the database open carries on into the restored log (and witnesses it),
and everything verifies afterwards."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import tomllib

import pytest
import tomli_w

from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from tests.test_faults import AckedWriter, integrity, logged_texts

PLAYBOOK = "cloud-hosting-outage"


def one_person(root) -> None:
    config = tomllib.loads((root / "warroom.toml").read_text())
    config.pop("people", None)
    (root / "warroom.toml").write_text(tomli_w.dumps(config))


def head(db) -> int:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0]
    finally:
        connection.close()


def witnessed(root) -> list[int]:
    return [json.loads(line)["seq"] for line in (root / "witness.log").read_text().splitlines()]


def restored_event(db) -> dict:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        seq, summary, data = connection.execute("SELECT seq, summary, data FROM event WHERE kind = 'home.restored'").fetchone()
    finally:
        connection.close()
    return {"seq": seq, "summary": summary, **json.loads(data)}


@pytest.fixture
def root(home):
    one_person(home.root)
    assert run_cli("incident", "start", PLAYBOOK, "--drill", home=home.root).returncode == 0
    return home.root


def test_the_restore_drill_while_a_writer_has_the_database_open(root, tmp_path):
    backup_file = tmp_path / "warroom-backup.db"
    writer = AckedWriter(root, "before")
    wait_for(lambda: len(writer.acked) >= 20, timeout=60, what="the writer to log")
    taken = run_cli("backup", str(backup_file), home=root)
    assert taken.returncode == 0, taken.stderr
    in_backup = head(backup_file)
    wait_for(lambda: head(root / "warroom.db") >= in_backup + 20, timeout=60, what="writes after the backup")

    result = run_cli("restore", str(backup_file), home=root)  # the writer keeps writing throughout
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    event = restored_event(root / "warroom.db")
    assert event["seq"] == in_backup + 1 and event["backup_head"] == in_backup
    assert event["lost_from"] == in_backup + 1 and event["lost_to"] > in_backup + 20
    assert f"restored {backup_file}: events 1 to {in_backup}" in result.stdout
    assert f"lost: seq {in_backup + 1} to {event['lost_to']}, recorded after the backup was taken" in result.stdout
    kept = event["kept"]
    assert len(kept) == 2 and all((root / name).exists() for name in kept)
    old_database = root / next(name for name in kept if name.startswith("warroom.db."))
    assert head(old_database) >= event["lost_to"] - 1  # the database as it was, kept whole
    assert witnessed(root)[0] == event["seq"]  # a new witness, starting with the restore

    # The writer had the database open all along: it carries on into the restored log, and its
    # heads are witnessed again although their seq numbers are below what the old witness saw.
    wait_for(lambda: head(root / "warroom.db") >= event["seq"] + 10, timeout=60, what="the writer to carry on")
    acked = list(writer.acked)
    writer.kill()
    assert max(witnessed(root)) >= head(root / "warroom.db") - 1, "the writer stopped witnessing after the restore"
    present = logged_texts(root / "warroom.db")
    assert all(count == 1 for count in present.values())
    assert present[acked[-1]] == 1  # written after the restore: kept
    assert [t for t in acked if not present[t]], "nothing was lost, so the restore restored nothing"

    verified = run_cli("verify", home=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert integrity(root / "warroom.db") == ["ok"]
    # The log as it was still verifies against its own witness, in a scratch home (the README's drill).
    before = tmp_path / "before"
    before.mkdir(mode=0o700)
    shutil.copyfile(root / "warroom.toml", before / "warroom.toml")
    shutil.copyfile(root / "warroom.pub", before / "warroom.pub")
    shutil.copyfile(old_database, before / "warroom.db")
    shutil.copyfile(root / next(name for name in kept if name.startswith("witness.log.")), before / "witness.log")
    old = run_cli("verify", home=before)
    assert old.returncode == 0, old.stderr
    assert f"witness: signed head at seq {max(witnessed(before))} matches" in old.stdout, old.stdout
    carried = run_cli("log", "1", "carried on after the restore", home=root)
    assert carried.returncode == 0 and carried.stderr == "", carried.stderr
    assert run_cli("verify", home=root).returncode == 0


def test_a_damaged_database_is_moved_aside_and_the_backup_takes_its_place(root, tmp_path):
    backup_file = tmp_path / "backup.db"
    assert run_cli("log", "1", "in the backup", home=root).returncode == 0
    assert run_cli("backup", str(backup_file), home=root).returncode == 0
    assert run_cli("log", "1", "after the backup", home=root).returncode == 0
    db = root / "warroom.db"
    data = bytearray(db.read_bytes())
    data[4096:4096 * 3] = os.urandom(4096 * 2)  # pages of the log overwritten
    db.write_bytes(bytes(data))
    assert_clean_failure(run_cli("verify", home=root), 3)

    result = run_cli("restore", str(backup_file), home=root)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = restored_event(db)["kept"]
    assert any(name.startswith("warroom.db.before-restore-") for name in kept)
    assert (root / next(n for n in kept if n.startswith("warroom.db."))).read_bytes() == bytes(data)
    assert logged_texts(db)["in the backup"] == 1 and logged_texts(db)["after the backup"] == 0
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    verified = run_cli("verify", home=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert run_cli("log", "1", "carried on", home=root).returncode == 0


def test_a_restore_is_refused_while_a_monitor_runs_and_changes_nothing(root, tmp_path, monitors):
    from warroom.home import Home

    backup_file = tmp_path / "backup.db"
    assert run_cli("backup", str(backup_file), home=root).returncode == 0
    monitor = monitors(Home(root))
    wait_for(lambda: monitor.said("holding the lease"), timeout=60, what="the monitor to lead")
    witness_before = (root / "witness.log").read_bytes()
    result = run_cli("restore", str(backup_file), home=root)
    assert_clean_failure(result, 1)
    assert result.stderr.count("\n") == 1 and "is running on this home: stop it first" in result.stderr
    assert (root / "witness.log").read_bytes()[: len(witness_before)] == witness_before
    assert not [p for p in root.iterdir() if "restor" in p.name]
    monitor.stop(signal.SIGTERM)


def test_a_backup_of_another_home_or_an_altered_one_or_no_database_is_refused(root, tmp_path, clock):
    from warroom.services import homes

    other = homes.create(tmp_path / "other", clock=clock, actor="alice", origin={})
    one_person(other.root)
    assert run_cli("incident", "start", PLAYBOOK, "--drill", home=other.root).returncode == 0
    foreign = tmp_path / "foreign.db"
    assert run_cli("backup", str(foreign), home=other.root).returncode == 0
    altered = tmp_path / "altered.db"
    assert run_cli("backup", str(altered), home=root).returncode == 0
    connection = sqlite3.connect(altered)
    connection.execute("DROP TRIGGER event_no_update")
    connection.execute("UPDATE event SET actor = 'mallory' WHERE seq = 1")
    connection.commit()
    connection.close()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n")

    before = (root / "warroom.db").read_bytes(), (root / "witness.log").read_bytes()
    for path, code, words in ((foreign, 3, "does not verify"), (altered, 3, "does not verify"), (junk, 2, "cannot be read as a database"),
                              (tmp_path / "missing.db", 2, "is not a file")):
        result = run_cli("restore", str(path), home=root)
        assert_clean_failure(result, code)
        assert result.stderr.count("\n") == 1 and words in result.stderr and path.name in result.stderr, result.stderr
    assert ((root / "warroom.db").read_bytes(), (root / "witness.log").read_bytes()) == before
    assert not [p for p in root.iterdir() if "restor" in p.name]
    assert run_cli("verify", home=root).returncode == 0


def test_restore_refuses_a_monitor_lease_only_while_it_lives(root, tmp_path):
    """A monitor killed -9 leaves its lease until it expires: the restore waits for that, no longer."""
    from warroom.home import Home

    backup_file = tmp_path / "backup.db"
    assert run_cli("backup", str(backup_file), home=root).returncode == 0
    monitor = Process("--home", str(Home(root).root), "monitor")
    wait_for(lambda: monitor.said("holding the lease"), timeout=60, what="the monitor to lead")
    monitor.stop(signal.SIGKILL)
    wait_for(lambda: run_cli("restore", str(backup_file), home=root).returncode == 0, timeout=40, what="the lease to expire")
    assert run_cli("verify", home=root).returncode == 0
