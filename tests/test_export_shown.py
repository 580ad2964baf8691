"""The shortcuts the reports take over 100,000 events say what the long way says: a log entry's
stored data read for its kind (shown.may_decide) against the decision its record makes; the
activity log's times (Clock.quick) against Clock.local, in zones whose offsets change; what waits
for the end of the read (shown.Later) copied whole into a UTF-8 file or any text stream; and the
export command leaving Python's collector as it found it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, run_cli
from tests.helpers import configure
from warroom.clock import iso
from warroom.export import shown
from warroom.store import chain, eventlog


def _entry(data: str) -> dict:
    """A `decision.logged` event as the exports read it, its data stored as the text `data`."""
    row = (7, "2026-11-29T09:00:00.000000Z", "decision.logged", "alice", 1, "incident:1", "ok", "an entry", None, "0" * 64,
           "1" * 64, 2, "{}", data, '{"incident:1":null}')
    return eventlog.lazy_record(row)


ODD_DATA = [
    '{"kind":"observation","text":"x"}', '{"kind":"action","text":"x"}', '{"kind":"decision","text":"x"}', '{"text":"no kind"}',
    '{"kind":"observation","kind":"decision"}', '{"kind":"decision","kind":"observation"}', '{"meta":{"kind":"observation"}}',
    '{"kind":null}', '{"kind":1}', '["kind","observation"]', '"observation"', "12", "null", "", "not json", '{"kind":"observation"',
    '{"kind":"observation"} trailing', ' {"kind":"observation"}', '{"kind": "observation"}', '{"kind":"obs\\u0065rvation"}',
    '{"kind":"decision\\u0000"}',
]


def test_a_log_entry_is_skipped_as_no_decision_only_when_its_record_makes_none():
    for data in ODD_DATA:
        decided = shown.decision(_entry(data)) is not None
        assert shown.may_decide(data) or not decided, data
        if data.startswith('{"kind":"observation"') and data.endswith("}") and data.count('"kind"') == 1:
            assert not shown.may_decide(data), data  # the usual observation is told apart without a record
    assert shown.may_decide(None) and shown.may_decide(b'{"kind":"observation"}')  # not text: its record decides


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["kind", "text", "decision", "rationale", "occurred_at"]),
                       st.one_of(st.none(), st.integers(), st.sampled_from(["decision", "observation", "action", ""]), st.text(max_size=8))))
def test_for_stored_data_may_decide_is_whether_a_decision_is_made(data):
    text = chain.canonical(data)  # as the event log stores it
    assert shown.may_decide(text) == (shown.decision(_entry(text)) is not None)


ZONES = ["UTC", "Europe/Amsterdam", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns", "Africa/Monrovia"]


def _instants() -> list[str]:
    """Stored instants around the offset changes of ZONES (Amsterdam's, Lord Howe's half hour),
    the seconds of one minute, and Monrovia's offset of whole seconds (−0:44:30 before 1972)."""
    moments = [datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 10, 25, 1, 0, tzinfo=UTC), datetime(2026, 4, 4, 15, 0, tzinfo=UTC),
               datetime(2026, 10, 3, 15, 30, tzinfo=UTC), datetime(1971, 6, 1, 12, 0, tzinfo=UTC), datetime(1972, 1, 7, 0, 44, tzinfo=UTC)]
    out = []
    for moment in moments:
        for seconds in range(-90, 91, 7):
            at = moment + timedelta(seconds=seconds, microseconds=123456)
            out.append(iso(at))
    return out


def test_the_activity_logs_times_are_those_local_gives():
    odd = [None, "", "garbage", "2026-11-29T09:00:00Z", "2026-11-29T09:00:00.000000+00:00", "2026-11-29T09:00:60.000000Z",
           "2026-11-29T09:00:5x.000000Z", 12, b"2026-11-29T09:00:00.000000Z", "2026-11-29T09:00:00.000000Z\n"]
    for zone in ZONES:
        clock = shown.Clock(zone)
        for fmt in (shown.FULL, "%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M %Z"):
            quick = clock.quick(fmt)
            instants = _instants()
            for at in instants + odd:
                said = quick(at)
                assert said is None or said == clock.local(at, fmt), (zone, fmt, at)
            if zone == "Europe/Amsterdam":
                assert all(quick(at) is not None for at in instants), "a stored instant takes the quick way"
            assert all(quick(at) is None for at in odd), "only the stored spelling takes the quick way"


def test_what_waits_is_copied_whole_into_a_utf8_file_after_what_came_before_and_into_any_text_stream(tmp_path):
    pieces = ["Ångström 🚒 \u202eevil\u202c\r\n", "a" * 999, "\u05e9\u05dc\u05d5\u05dd\n", "𝔘" * 333]
    expected = "head\n" + "".join(pieces) * 50 + "tail\n"
    for in_memory in (10, 1 << 20):  # spilled to a file, and kept in memory
        target = tmp_path / f"out-{in_memory}.md"
        with open(target, "w", encoding="utf-8", newline="") as out, shown.Later(in_memory=in_memory) as later:
            out.write("head\n")  # still in the wrapper's buffer when the bytes are copied
            for _ in range(50):
                for piece in pieces:
                    later.write(piece)
            later.into(out)
            out.write("tail\n")
        assert target.read_bytes() == expected.encode("utf-8")
        with shown.Later(in_memory=in_memory) as later:
            for _ in range(50):
                for piece in pieces:
                    later.write(piece)
            text = io.StringIO()
            text.write("head\n")
            later.into(text)
            text.write("tail\n")
        assert text.getvalue() == expected


def test_the_export_command_leaves_the_collector_on_and_nothing_set_aside(home, tmp_path):
    configure(home)
    incident = run_cli("incident", "start", "quick-drill", "--drill", home=home.root).stdout.strip()
    code = (
        "import gc, json, sys\nfrom warroom.cli import main\nseen = {}\n"
        "for name, args in (('exported', ['export', sys.argv[3], '--format', 'md', '-o', sys.argv[2]]),\n"
        "                   ('unknown incident', ['export', '9', '--format', 'html', '-o', sys.argv[2]]),\n"
        "                   ('bad output', ['export', sys.argv[3], '--format', 'json', '-o', sys.argv[1]])):\n"
        "    try:\n        main(['--home', sys.argv[1], *args])\n    except SystemExit as done:\n        seen[name] = done.code\n"
        "    seen[name + ': on'], seen[name + ': frozen'] = gc.isenabled(), gc.get_freeze_count()\n"
        "gc.freeze()\nkept = gc.get_freeze_count()\n"  # a caller's own frozen objects stay frozen (a few die meanwhile)
        "try:\n    main(['--home', sys.argv[1], 'export', sys.argv[3], '--format', 'csv', '-o', sys.argv[2]])\n"
        "except SystemExit as done:\n    seen['a caller froze'] = done.code\n"
        "seen['a caller froze: kept'] = 0 < gc.get_freeze_count() <= kept\n"
        "print(json.dumps(seen))")
    done = subprocess.run([sys.executable, "-c", code, str(home.root), str(tmp_path / "out.md"), incident], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"exported": 0, "exported: on": True, "exported: frozen": 0, "unknown incident": 2, "unknown incident: on": True,
                    "unknown incident: frozen": 0, "bad output": 2, "bad output: on": True, "bad output: frozen": 0,
                    "a caller froze": 0, "a caller froze: kept": True}
    assert "seq,at,kind,actor,summary,data" in (tmp_path / "out.md").read_text(encoding="utf-8-sig")  # the last export: CSV
