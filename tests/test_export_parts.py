"""A long incident's Markdown or HTML export read in two processes (services/exportparts.py): the
child reads, checks and renders the later events while the command reads the state and the earlier
ones. It must give what one process gives, byte for byte, whole or tampered on either side of the
split, carry on alone when the child fails, take in events appended after the child's read began,
and call a part that does not follow on from the one before it a break.

The command runs in a real subprocess with the length from which it parts lowered to a few events
(an incident of 20,000 events would take a minute to build)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import test_exports
from tests.test_export_file import NOW, _alter
from warroom.export import parts

template, root = test_exports.template, test_exports.root  # the awkward incident's home: made once a module, copied a test

SCRIPT = """
import os, sys
from warroom.services import exportparts
exportparts.SMALLEST = int(sys.argv[1])
os.sched_getaffinity = lambda pid: {0, 1}  # as on the 2-core machines this is for, whatever runs the test
collect = exportparts.Ahead.collect
def told(self):
    part = collect(self)
    print("PART FROM THE CHILD" if part is not None else "NO PART FROM THE CHILD", file=sys.stderr)
    return part
exportparts.Ahead.collect = told
%s
from warroom.cli import main
main(sys.argv[2:])
"""


def _export(root: Path, fmt: str, name: str, *, parted: bool, patch: str = "") -> tuple[bytes, str]:
    """Incident #1 exported in `fmt` to `name` beside the home, read in two processes or in one;
    its bytes and what the command said on stderr."""
    import os

    result = subprocess.run([sys.executable, "-c", SCRIPT % patch, "5" if parted else str(10**9), "--home", str(root), "export", "1",
                             "--format", fmt, "-o", str(root / name)], capture_output=True, text=True, timeout=120, env={**os.environ, **NOW})
    assert result.returncode == 0, result.stderr
    return (root / name).read_bytes(), result.stderr


def _own_seqs(root: Path) -> list[int]:
    return [s for (s,) in sqlite3.connect(root / "warroom.db").execute("SELECT seq FROM event WHERE incident_id = 1 ORDER BY seq")]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_two_processes_export_what_one_does_byte_for_byte(root, fmt):
    parted, said = _export(root, fmt, f"parted.{fmt}", parted=True)
    assert "PART FROM THE CHILD" in said
    whole, said = _export(root, fmt, f"whole.{fmt}", parted=False)
    assert "PART FROM THE CHILD" not in said
    assert parted == whole
    assert len(_own_seqs(root)) >= 10  # both sides of the split hold events (30 % before it)
    assert (b"verified: every hash holds" in parted) if fmt == "md" else (b'<span class="verified">' in parted)


@pytest.mark.parametrize("where", ["first", "last"], ids=["in this process's part", "in the child's part"])
def test_an_event_altered_on_either_side_of_the_split_is_said_as_one_process_says_it(root, where):
    seqs = _own_seqs(root)
    seq = seqs[1] if where == "first" else seqs[-1]
    _alter(root, "UPDATE event SET actor = 'mallory' WHERE seq = ?", seq)
    for fmt in ("md", "html"):
        parted, said = _export(root, fmt, f"parted.{fmt}", parted=True)
        assert "PART FROM THE CHILD" in said
        assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0]
        assert f"seq {seq}".encode() in parted
        assert (b"NOT VERIFIED" in parted), fmt


def test_a_child_that_fails_after_its_read_began_leaves_its_part_to_the_command(root):
    failing = ("def _child(home, incident_id, config, module, split, files, writing):\n"
               "    os.write(writing, b'{\"head\": 1}\\n')\n"
               "    return 1\n"
               "exportparts._child = _child")
    parted, said = _export(root, "html", "parted.html", parted=True, patch=failing)
    assert "NO PART FROM THE CHILD" in said
    assert parted == _export(root, "html", "whole.html", parted=False)[0]


def test_a_child_killed_before_it_said_anything_leaves_the_whole_read_to_the_command(root):
    dying = "exportparts._child = lambda *args: os.kill(os.getpid(), 9)"
    parted, said = _export(root, "md", "parted.md", parted=True, patch=dying)
    assert "CHILD" not in said  # no child to collect from: read in one process
    assert parted == _export(root, "md", "whole.md", parted=False)[0]


def test_events_appended_after_the_childs_read_began_are_read_by_the_command(root):
    """An entry logged between the child's read and the command's: the command reads it itself
    (the events after the child's head), and the export has it and verifies."""
    appending = ("begin = exportparts.Ahead.begin.__func__\n"
                 "def begun(cls, home, *args):\n"
                 "    ahead = begin(cls, home, *args)\n"
                 "    from datetime import UTC, datetime\n"
                 "    from warroom.store import eventlog\n"
                 "    store = home.open_store()\n"
                 "    with store.write() as session:\n"
                 "        eventlog.append(session, at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC), kind='decision.logged', actor='alice',"
                 " origin={'host': 'test'}, incident_id=1, object='incident:1', summary='Logged while the child read',"
                 " data={'kind': 'decision', 'text': 'Logged while the child read'})\n"
                 "    store.dispose()\n"
                 "    return ahead\n"
                 "exportparts.Ahead.begin = classmethod(begun)")
    before = len(_own_seqs(root))
    parted, said = _export(root, "md", "parted.md", parted=True, patch=appending)
    assert "PART FROM THE CHILD" in said
    assert len(_own_seqs(root)) == before + 1
    assert b"Logged while the child read" in parted and b"verified: every hash holds" in parted
    assert parted == _export(root, "md", "whole.md", parted=False)[0]


def _tallied(count: int, start: str | None, end: str | None, last_seq: int, problem: str | None = None) -> parts.Tallied:
    return parts.Tallied(count, end or start, problem, start, end, last_seq)


def test_parts_join_into_one_tally_and_a_part_that_does_not_follow_on_is_a_break():
    first, second, third = _tallied(3, None, "a", 10), _tallied(2, "a", "b", 20), _tallied(0, "b", "b", 0)
    whole = parts.joined([first, second, third])
    assert (whole.count, whole.head, whole.problem, whole.last_seq) == (5, "b", None, 20)
    broken = parts.joined([first, _tallied(2, "x", "b", 20)])
    assert broken.problem == "seq 10: the incident's events after it do not follow on from those before"
    assert parts.joined([first, _tallied(2, "x", "b", 20, problem="seq 12: its hash does not hold")]).problem.startswith("seq 10:")
    assert parts.joined([_tallied(1, None, "a", 5, problem="seq 5: no"), _tallied(2, "x", "b", 20)]).problem == "seq 5: no"
