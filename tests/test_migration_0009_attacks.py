"""Adversarial tests of migration 0009 (x-attack5): it rebuilds SQLite's event table, so an upgrade
needs free space of about the table's size."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta

import pytest

from tests.conftest import run_cli, tmpfs
from tests.helpers import ORIGIN, START, downgrade
from warroom.store import eventlog


@pytest.fixture
def small_filesystem(tmp_path):
    with tmpfs(tmp_path / "small", "24m", "mounting a small tmpfs needs root (CI runs as root)") as where:
        yield where


def test_an_old_log_on_a_disk_without_room_for_the_rebuild_is_left_at_0008_and_the_refusal_says_why(home, small_filesystem):
    store = home.open_store()
    with store.write() as session:
        for i in range(30_000):
            eventlog.append(session, at=START + timedelta(seconds=i), kind="test.event", actor="t", origin=ORIGIN, object="test:t",
                            summary=f"t event {i}", incident_id=None, data={"n": i, "pad": "x" * 200})
    downgrade(store.engine, "0008")
    store.dispose()
    moved = small_filesystem / "home"
    shutil.copytree(home.root, moved)
    db = moved / "warroom.db"
    size = db.stat().st_size
    free = shutil.disk_usage(small_filesystem).free
    assert size > free > 0, (size, free)  # room for the log, not for a second copy of its table

    result = run_cli("verify", home=moved)

    with sqlite3.connect(db) as c:  # held: nothing lost, nothing half done
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0008",)
        assert c.execute("SELECT count(*) FROM event").fetchone()[0] == 30_001
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'")} >= {
            "event_no_update", "event_no_delete"}
    assert "Traceback" not in result.stderr
    # Every command upgrades first: it says that the upgrade is what needs the room, and how much.
    assert result.returncode == 1 and "upgrading the database" in result.stderr and "from schema revision 0008 to 0009" in result.stderr, result.stderr
    need = int(result.stderr.split("needs about ")[1].split(" MB")[0])
    assert need * (1 << 20) >= size, (need, size)  # how much: at least the file's size
    assert len(result.stderr.strip().splitlines()) == 1
