"""A long incident's Markdown, HTML or JSON export read in two processes (services/exportchild.py): the
child reads, checks and renders the later events while the command reads the state and the earlier
ones. It must give what one process gives, byte for byte: whole, or tampered on either side of the
split or at it; when the child cannot start, fails or hangs (the command reads its part itself);
when events are appended or the incident closed after the child's read began. A part that does not
follow on from the one before it is a break.

The command runs in a real subprocess with the length from which it parts lowered to a few events
(an incident of 20,000 events would take a minute to build)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests import test_exports
from tests.test_export_file import NOW, _alter
from warroom.clock import iso, parse_iso
from warroom.export import parts

template, root = test_exports.template, test_exports.root  # the awkward incident's home: made once a module, copied a test

SCRIPT = """
import os, sys
from warroom.services import exportchild
exportchild.SMALLEST = int(sys.argv[1])
os.sched_getaffinity = lambda pid: {0, 1}  # as on the 2-core machines this is for, whatever runs the test
collect = exportchild.Child.collect
def told(self, waited):
    part = collect(self, waited)
    print("PART FROM THE CHILD" if part is not None else "NO PART FROM THE CHILD", file=sys.stderr)
    return part
exportchild.Child.collect = told
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


PARTED = ("md", "html", "json")
"""The formats read in parts."""


def _verified(fmt: str, export: bytes) -> bool:
    """Whether the export says its events verify."""
    if fmt == "json":
        import json

        return json.loads(export)["chain"]["verified"]
    assert (b"NOT VERIFIED" in export) != (b"verified: every hash holds" in export or b'<span class="verified">' in export), fmt
    return b"NOT VERIFIED" not in export


@pytest.mark.parametrize("fmt", PARTED)
def test_two_processes_export_what_one_does_byte_for_byte(root, fmt):
    parted, said = _export(root, fmt, f"parted.{fmt}", parted=True)
    assert "PART FROM THE CHILD" in said
    whole, said = _export(root, fmt, f"whole.{fmt}", parted=False)
    assert "PART FROM THE CHILD" not in said
    assert parted == whole
    assert len(_own_seqs(root)) >= 10  # both sides of the split hold events
    assert _verified(fmt, parted)
    if fmt == "json":  # the signature covers the hashes of both parts
        checked = subprocess.run([sys.executable, "-m", "warroom", "--home", str(root), "verify", "--export", str(root / "parted.json")],
                                 capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "signature: Ed25519, valid" in checked.stdout


@pytest.mark.parametrize("where", ["first", "last"], ids=["in this process's part", "in the child's part"])
def test_an_event_altered_on_either_side_of_the_split_is_said_as_one_process_says_it(root, where):
    seqs = _own_seqs(root)
    seq = seqs[1] if where == "first" else seqs[-1]
    _alter(root, "UPDATE event SET actor = 'mallory' WHERE seq = ?", seq)
    for fmt in PARTED:
        parted, said = _export(root, fmt, f"parted.{fmt}", parted=True)
        assert "PART FROM THE CHILD" in said
        assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0]
        assert f"seq {seq}".encode() in parted
        assert not _verified(fmt, parted)


@pytest.mark.parametrize("how", [
    "_child = exportchild._child\n"
    "def failing(*args):\n"
    "    _child(*args)\n"
    "    return 1\n"
    "exportchild._child = failing",
    "exportchild._child = lambda *args: os.kill(os.getpid(), 9)",
    "exportchild.PATIENCE = 1\n"
    "exportchild._child = lambda *args: os.kill(os.getpid(), 19)",  # SIGSTOP: a child that hangs
    "exportchild.PATIENCE = 1\n"
    "def halfway(home, config, module, plan, files, writing):\n"
    "    os.write(writing, b'{\"counts\": [1')\n"
    "    os.kill(os.getpid(), 19)\n"
    "exportchild._child = halfway",
    "def other(home, config, module, plan, files, writing):\n"
    "    os.write(writing, b'{\"counts\": [1], \"tally\": {}}\\n')\n"
    "    return 0\n"
    "exportchild._child = other",
    "import json\n"
    "def wrong(home, config, module, plan, files, writing):\n"
    "    os.write(writing, json.dumps({'counts': [1] * len(files), 'sizes': [0] * len(files), 'tally': {'count': '7', 'head': None,"
    " 'problem': None, 'start': None, 'end': None, 'last_seq': 9}}).encode() + b'\\n')\n"
    "    return 0\n"
    "exportchild._child = wrong",
    "import json\n"
    "def counts(home, config, module, plan, files, writing):\n"
    "    tally = {'count': 0, 'head': None, 'problem': None, 'start': None, 'end': None, 'last_seq': 0}\n"
    "    os.write(writing, json.dumps({'counts': {}, 'sizes': [0] * len(files), 'tally': tally}).encode() + b'\\n')\n"
    "    return 0\n"
    "exportchild._child = counts",
    "_child = exportchild._child\n"
    "def fewer(home, config, module, plan, files, writing):\n"
    "    read, write = os.pipe()\n"
    "    _child(home, config, module, plan, files, write)\n"
    "    said = json.loads(os.read(read, 1 << 20))\n"
    "    said['counts'] = [-1] * len(said['counts']) or [1]\n"
    "    os.write(writing, json.dumps(said).encode() + b'\\n')\n"
    "    return 0\n"
    "import json\n"
    "exportchild._child = fewer",
    "exportchild.PATIENCE = 1\n"
    "_child = exportchild._child\n"
    "def lingers(home, config, module, plan, files, writing):\n"
    "    _child(home, config, module, plan, files, writing)\n"
    "    os.kill(os.getpid(), 19)\n"
    "exportchild._child = lingers",
    "_child = exportchild._child\n"
    "def altered(home, config, module, plan, files, writing):\n"
    "    done = _child(home, config, module, plan, files, writing)\n"
    "    files[0].truncate(3)\n"
    "    return done\n"
    "exportchild._child = altered",
], ids=["said its part, then failed", "killed", "hangs", "hangs half-way through its line", "says something else",
        "says a tally whose count is no number", "says counts that are no list", "says counts below zero or too many",
        "said its part and hangs on", "its file altered after it said its part"])
def test_a_child_that_fails_or_hangs_leaves_its_part_to_the_command(root, how):
    for fmt in PARTED:
        parted, said = _export(root, fmt, f"parted.{fmt}", parted=True, patch=how)
        assert "NO PART FROM THE CHILD" in said
        assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0]


@pytest.mark.parametrize("how", [
    "import threading\nthreading.Thread(target=__import__('time').sleep, args=(60,), daemon=True).start()",
    "os.sched_getaffinity = lambda pid: {0}",
    "import tempfile\ndef none(*a, **k):\n    raise FileNotFoundError('no usable temporary directory')\ntempfile.TemporaryFile = none",
    "os.fork = lambda: (_ for _ in ()).throw(BlockingIOError(11, 'Resource temporarily unavailable'))",
], ids=["a thread running", "one core", "no temporary directory", "no process to spare"])
def test_where_no_child_can_start_one_process_reads_it_all(root, how):
    parted, said = _export(root, "html", "parted.html", parted=True, patch=how)
    assert "CHILD" not in said
    assert parted == _export(root, "html", "whole.html", parted=False)[0]


def test_a_child_begun_and_closed_is_gone_and_its_files_with_it(root):
    script = ("import os, sys\n"
              "from pathlib import Path\n"
              "from warroom.home import Home\n"
              "from warroom.services import exportchild, library\n"
              "exportchild.SMALLEST = 5\n"
              "os.sched_getaffinity = lambda pid: {0, 1}\n"
              "home = Home(Path(sys.argv[1]))\n"
              "before = set(os.listdir('/proc/self/fd'))\n"
              "child = exportchild.Child.begin(home, 1, 'md', library.config(home))\n"
              "assert child is not None\n"
              "child.close()\n"
              "try:\n"
              "    os.waitpid(-1, os.WNOHANG)\n"
              "    print('a child left')\n"
              "except ChildProcessError:\n"
              "    print('no child left')\n"
              "print(sorted(set(os.listdir('/proc/self/fd')) - before))\n")
    result = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["no child left", "[]"]


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_events_appended_after_the_childs_read_began_are_read_by_the_command(root, fmt):
    """An entry logged between the child's read and the command's: the command reads it itself
    (the events after the child's head), and the export has it and verifies."""
    appending = ("begin = exportchild.Child.begin.__func__\n"
                 "def begun(cls, home, *args):\n"
                 "    child = begin(cls, home, *args)\n"
                 "    from datetime import UTC, datetime\n"
                 "    from warroom.store import eventlog\n"
                 "    store = home.open_store()\n"
                 "    with store.write() as session:\n"
                 "        eventlog.append(session, at=datetime(2026, 11, 29, 15, 0, tzinfo=UTC), kind='decision.logged', actor='alice',"
                 " origin={'host': 'test'}, incident_id=1, object='incident:1', summary='Logged while the child read',"
                 " data={'kind': 'decision', 'text': 'Logged while the child read'})\n"
                 "    store.dispose()\n"
                 "    return child\n"
                 "exportchild.Child.begin = classmethod(begun)")
    before = len(_own_seqs(root))
    parted, said = _export(root, fmt, f"parted.{fmt}", parted=True, patch=appending)
    assert "PART FROM THE CHILD" in said
    assert len(_own_seqs(root)) == before + 1
    assert b"Logged while the child read" in parted and _verified(fmt, parted)
    assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0]


@pytest.mark.parametrize("fmt", PARTED)
def test_to_a_terminal_the_childs_text_arrives_whole_though_read_in_pieces_that_cut_characters(root, fmt):
    """Without -o on a terminal the export goes through a text stream that shows control
    characters inert; the child's files are read in pieces of a few bytes here, so many a piece
    ends inside a character (emoji, right-to-left names): each is decoded once whole."""
    import shlex

    from tests.terminal import Terminal
    from warroom.cli.output import inert

    small = "from warroom.export import shown\nshown.CHUNK = 7"
    command = shlex.join([sys.executable, "-c", SCRIPT % small, "5", "--home", str(root), "export", "1", "--format", fmt])
    said = root / "said.txt"
    terminal = Terminal(["sh", "-c", f"stty -onlcr; {command} 2>{shlex.quote(str(said))}; echo END-OF-TEST"], env={"TERM": "xterm", **NOW})
    try:
        terminal.wait_for(b"END-OF-TEST\n", timeout=120)
    finally:
        terminal.close()
    shown = b"".join(data for _, data in terminal.chunks).split(b"END-OF-TEST")[0]
    assert "PART FROM THE CHILD" in said.read_text() and "Traceback" not in said.read_text()
    whole = _export(root, fmt, f"whole.{fmt}", parted=False)[0].decode()
    assert any(len(c.encode()) > 1 for c in whole)  # there are characters to cut
    assert shown.decode() == inert(whole)


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


@pytest.mark.parametrize("formats", [("md", "html"), ("json",)], ids=["reports", "json"])
@pytest.mark.parametrize("where", ["deleted", "altered", "hash not text"])
def test_the_event_at_the_split_or_just_after_it_tampered_with_is_said_as_one_process_says_it(root, where, formats):
    """The child's part begins after the split: an event missing there is "the event before it …
    is missing", as one process says, not a window's start; the split row itself altered is its
    hash that does not hold, and so is a hash stored as bytes, where each part starts from it."""
    from warroom.services import exportchild

    seqs = _own_seqs(root)
    share = exportchild.SHARE_EVENTS_ONLY if formats == ("json",) else exportchild.SHARE
    split = seqs[int(len(seqs) * share)]  # the incident's events before it are the command's own
    if where == "deleted":
        db = sqlite3.connect(root / "warroom.db")
        db.execute("DROP TRIGGER event_no_delete")
        db.execute("DELETE FROM event WHERE seq = ?", (seqs[seqs.index(split) + 1],))
        db.commit()
        db.close()
    elif where == "altered":
        _alter(root, "UPDATE event SET summary = summary || '!' WHERE seq = ?", split)
    else:
        _alter(root, "UPDATE event SET hash = X'00ff' WHERE seq = ?", split)
    for fmt in formats:
        parted, said = _export(root, fmt, f"parted.{fmt}", parted=True)
        assert "PART FROM THE CHILD" in said
        assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0], fmt
        assert not _verified(fmt, parted)
        if where == "deleted":
            assert b"the event before it in incident:1 is missing from this export" in parted
        else:
            assert f"seq {split}".encode() in parted


def test_an_incident_closed_after_the_childs_read_began_is_read_by_the_rule_it_closed_with(root):
    """Closing ends the supplier changes the timeline takes in: the child read the rule of the
    incident still open, so the command, reading it closed, reads every part itself."""
    import json

    whole = json.loads(_export(root, "json", "whole.json", parted=False)[0])
    changes = [e for e in whole["events"] if e["incident_id"] is None]
    assert changes, "the incident's timeline holds a supplier's change"
    closing = iso(parse_iso(changes[-1]["at"]) - timedelta(seconds=1))  # closed a second before the last change was recorded
    closed = ("begin = exportchild.Child.begin.__func__\n"
              "def begun(cls, home, *args):\n"
              "    child = begin(cls, home, *args)\n"
              "    import sqlite3\n"
              "    db = sqlite3.connect(home.db_path)\n"
              f"    db.execute('UPDATE incident SET closed_at = ? WHERE id = 1', ({closing!r},))\n"
              "    db.commit()\n"
              "    db.close()\n"
              "    return child\n"
              "exportchild.Child.begin = classmethod(begun)")
    db = sqlite3.connect(root / "warroom.db")
    before = db.execute("SELECT closed_at FROM incident WHERE id = 1").fetchone()[0]
    assert before != closing
    db.execute("DROP TRIGGER incident_stamps")  # the drill closed already: its closing moved by hand, as a close would
    db.commit()
    for fmt in PARTED:
        db.execute("UPDATE incident SET closed_at = ? WHERE id = 1", (before,))  # as it was, before each export
        db.commit()
        parted, said = _export(root, fmt, f"parted.{fmt}", parted=True, patch=closed)
        assert "CHILD" not in said  # the child's part, read by another rule, is not taken
        assert parted == _export(root, fmt, f"whole.{fmt}", parted=False)[0], fmt
    assert len(json.loads(_export(root, "json", "closed.json", parted=False)[0])["events"]) == len(whole["events"]) - 1  # that change is out


def test_a_part_is_read_into_sinks_or_files_and_what_was_poured_is_not_kept():
    """The guards of a read's wiring: each would otherwise write an export short of a section, or
    sign the digest of nothing."""
    import io

    from warroom.export import json as json_export
    from warroom.export.model import Tally

    with pytest.raises(ValueError, match="sections into 1 sinks"):
        parts.read(None, json_export.READING, into=[io.StringIO()])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        parts.here(None, None, json_export.READING, None, files=[io.BytesIO()], into=[io.StringIO()])  # type: ignore[arg-type]
    poured = parts.Read([parts.Part([], [], _tallied(3, None, "a", 5))])
    with pytest.raises(ValueError, match="nothing is kept"):
        poured.into(0, io.StringIO())
    with pytest.raises(TypeError, match="writer"):
        _ = Tally("incident:1", {}, hashes=lambda data: None).hashes_sha256
    assert len(Tally("incident:1", {}).hashes_sha256) == 64
