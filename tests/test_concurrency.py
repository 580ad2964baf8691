"""Several processes appending at once still make one linear chain."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, run_cli
from warroom.store import eventlog


def start_writers(root, count: int, per_writer: int, go) -> list[subprocess.Popen]:
    return [
        subprocess.Popen([sys.executable, "-m", "tests.helpers", str(root), f"w{n}", str(per_writer), str(go)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(count)
    ]


def test_four_processes_appending_500_each_make_one_chain(home, tmp_path):
    go = tmp_path / "go"
    writers = start_writers(home.root, 4, 500, go)
    go.touch()  # all four start appending at the same moment
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    result = run_cli("verify", home=home.root)
    assert result.returncode == 0, result.stderr
    assert "event log verified: 2,001 events" in result.stdout
    store = home.open_store()
    with store.engine.connect() as connection:
        records = list(eventlog.records(connection))
    store.dispose()
    assert [r["seq"] for r in records] == list(range(1, 2002))
    for n in range(4):
        mine = [r["data"]["n"] for r in records if r["actor"] == f"w{n}"]
        assert mine == list(range(500)), f"writer w{n} lost or reordered events"
    interleaved = sum(1 for a, b in zip(records, records[1:]) if a["actor"] != b["actor"])
    assert interleaved > 4, "the writers did not actually overlap"
