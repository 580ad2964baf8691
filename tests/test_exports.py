"""Exported timelines through the real CLI on real homes (issue 13): every format with awkward text,
the JSON export against its schema and `verify --export`, tampered and forged exports, windows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import assert_clean_failure, run_cli
from tests.test_incidents import ME, configure
from warroom.clock import MovableClock
from warroom.health.states import Observation
from warroom.services import actors, escalation, fallbacks, health, homes, incidents, lease, library, logbook, review
from warroom.store import chain

ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
HOLDER = "test-monitor"
AWKWARD = ('Fail over "now", it\'s 5 < 6 & 7 > 3; a | pipe\nsecond line\r\nthird <script>alert(1)</script> &amp; '
           "🚒 👩‍🚒 مرحبا עברית \u202eevil\u202c \x1b]0;owned\x07 =1+1")
NAME = "Ahmad \u0623\u062d\u0645\u062f O'Brien <b>"
START = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def _work(home) -> None:
    """A drill worked through (#1, closed) with awkward text everywhere a person types, and a second
    incident left open (#2)."""
    config = tomllib.loads(home.config_path.read_text())
    config["people"][ME] = {"name": NAME, "role": "commander"}
    home.config_path.write_text(tomli_w.dumps(config))
    cfg = library.config(home)
    clock = MovableClock(START)
    store = home.open_store()
    me = actors.resolve(cfg, ME, ORIGIN)
    quick = library.find(home, cfg, "quick-drill")
    nlcloud = next(s for s in cfg.suppliers if s.id == "nlcloud")

    def write(action):
        with store.write() as session:
            return action(session)

    def observe(state: str):
        write(lambda s: health.record(s, supplier=nlcloud, observation=Observation(state, 12.5, f"probe says {state}", "test"),
                                      now=clock.now(), config=cfg, playbooks=[quick], holder=HOLDER, origin=ORIGIN))

    write(lambda s: lease.take(s, holder=HOLDER, now=clock.now(), ttl=timedelta(days=30), gap_after=timedelta(days=30), origin=ORIGIN))
    first = write(lambda s: incidents.start(s, playbook=quick, mode="drill", now=clock.now(), actor=me)).id
    for _ in range(2):
        clock.advance(timedelta(seconds=5))
        observe("down")
    write(lambda s: incidents.step(s, incident_id=first, step_id="confirm", action="done", note=AWKWARD, now=clock.now(), actor=me))
    clock.advance(timedelta(seconds=10))
    with store.read() as session:
        deadline = next(d for d in escalation.pending(session) if (d.incident_id, d.kind, d.ref) == (first, "escalation", "1"))
    write(lambda s: escalation.fire(s, deadline, now=clock.now(), config=cfg, holder=HOLDER, origin=ORIGIN))
    write(lambda s: escalation.acknowledge(s, incident_id=first, level=1, now=clock.now(), actor=me))
    second = write(lambda s: incidents.start(s, playbook=quick, mode="live", now=clock.now(), actor=me)).id
    write(lambda s: logbook.log(s, incident_id=second, text="other incident", kind="observation", now=clock.now(), actor=me))
    write(lambda s: logbook.log(s, incident_id=second, text="=HYPERLINK(\"http://x\")", kind="observation", now=clock.now(), actor=me))
    clock.advance(timedelta(minutes=1))
    write(lambda s: logbook.log(s, incident_id=first, text=AWKWARD, kind="decision", decision="failover", rationale=AWKWARD,
                                  now=clock.now(), actor=me, occurred_at=clock.now() - timedelta(seconds=30)))
    write(lambda s: fallbacks.activate(s, incident_id=first, fallback_id="secondary-dc", reason=AWKWARD, now=clock.now(), actor=me, config=cfg))
    clock.advance(timedelta(minutes=1))
    for n in range(3):
        write(lambda s, n=n: logbook.log(s, incident_id=first, text=f"= note {n}", kind="observation", now=clock.now(), actor=me))
    observe("up")
    observe("up")
    write(lambda s: fallbacks.deactivate(s, incident_id=first, fallback_id="secondary-dc", reason="back", result="worked", now=clock.now(), actor=me))
    for to in ("stabilised", "resolved", "closed"):
        clock.advance(timedelta(minutes=1))
        write(lambda s, to=to: incidents.transition(s, incident_id=first, to=to, now=clock.now(), actor=me))
    clock.advance(timedelta(minutes=5))  # the evaluators' record, after the drill
    write(lambda s: review.observe(s, incident_id=first, kind="improvement", text_=AWKWARD, target=None, step="confirm", now=clock.now(), actor=me))
    write(lambda s: review.add_action(s, incident_id=first, text_=AWKWARD, owner=ME, due="2026-12-15", now=clock.now(), actor=me, config=cfg))
    store.dispose()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exports") / "home"
    home = homes.create(root, clock=MovableClock(START), actor=ME, origin=ORIGIN)
    configure(home, people=True)
    _work(home)
    return root


@pytest.fixture
def root(template, tmp_path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(template, copy)
    return copy


def export(root: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_cli("export", *args, home=root)
    assert result.returncode == 0, result.stderr
    return result


def json_export(root: Path, *args: str, name: str = "e.json") -> Path:
    export(root, "1", "--format", "json", "-o", str(root / name), *args)
    return root / name


def verify(root: Path, path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("verify", "--export", str(path), *args, home=root)


def schema() -> dict:
    from importlib import resources

    return json.loads(resources.files("warroom.export").joinpath("timeline.schema.json").read_text())


def validate(document: dict) -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(document)


def dump(root: Path) -> list[str]:
    connection = sqlite3.connect(root / "warroom.db")
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# ── JSON ────────────────────────────────────────────────────────────────────────────────────────

def test_the_json_export_validates_carries_every_hashed_field_and_verifies(root):
    before = dump(root)
    path = json_export(root)
    document = json.loads(path.read_text(encoding="utf-8"))
    validate(document)
    events = document["events"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert {e["incident_id"] for e in events} == {1, None}  # its own, and the involved supplier's state changes
    assert [e["data"]["to"] for e in events if e["kind"] == "supplier.state"] == ["down", "up"]
    for event in events:
        assert set(chain.HASHED_FIELDS) <= set(event) and chain.event_hash(event) == event["hash"]
    decision = next(e for e in events if e["kind"] == "decision.logged" and e["data"].get("decision") == "failover")
    assert decision["data"]["text"] == AWKWARD and decision["data"]["rationale"] == AWKWARD
    assert document["chain"] == {"head": events[-1]["hash"], "verified": True}
    assert document["signature"]["algorithm"] == "Ed25519"
    result = verify(root, path)
    assert result.returncode == 0, result.stderr
    own = sum(1 for e in events if e["incident_id"] == 1)
    assert f"events: {len(events)} ({own} of the incident, 2 supplier state changes), every hash intact" in result.stdout
    assert "signature: Ed25519, valid" in result.stdout
    assert verify(root, path, "--key", str(root / "warroom.pub")).returncode == 0
    assert dump(root) == before  # exporting never writes to the database


def test_incident_show_and_the_export_agree_on_the_events(root):
    shown = json.loads(run_cli("incident", "show", "1", "--json", home=root).stdout)
    document = json.loads(json_export(root).read_text(encoding="utf-8"))
    assert [e["hash"] for e in shown["events"]] == [e["hash"] for e in document["events"]]


def _resign(document: dict, key_path: Path | None) -> None:
    """What a forger does: recompute every hash and link, the head and the statement; sign with
    the key they have (or keep the old signature value)."""
    from cryptography.hazmat.primitives import serialization

    from warroom.export import document as doc

    heads: dict[str, str | None] = {}
    for event in document["events"]:
        for stream in chain.streams_of(event["incident_id"], event["data"]):
            if stream == "incident:1":
                event["links"][stream] = heads.get(stream)
        event["hash"] = chain.event_hash(event)
        heads.update({s: event["hash"] for s in chain.streams_of(event["incident_id"], event["data"])})
    document["chain"]["head"] = document["events"][-1]["hash"]
    digest = hashlib.sha256("".join(e["hash"] + "\n" for e in document["events"]).encode()).hexdigest()
    statement = doc.statement(document, len(document["events"]), digest)
    document["signature"]["signed"] = statement.decode()
    if key_path is not None:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        document["signature"] = doc.Signer(key.sign, public).signature(statement)


def _append_forged(document: dict) -> None:
    """A well-made event appended: hashed, linked to the incident's last, the head moved to it."""
    last = _own(document, -1)
    forged = {**last, "seq": document["events"][-1]["seq"] + 1, "summary": "all fine", "links": {"incident:1": last["hash"]},
              "prev_hash": document["events"][-1]["hash"]}
    forged["hash"] = chain.event_hash(forged)
    document["events"].append(forged)
    document["chain"]["head"] = forged["hash"]


def _own(document: dict, n: int) -> dict:
    return [e for e in document["events"] if e["incident_id"] == 1][n]


TAMPERING = {
    "a field changed": (lambda d, k: _own(d, 3)["data"].update(note="nothing happened"), "content does not match its hash"),
    "a summary changed": (lambda d, k: _own(d, 2).update(summary="x"), "content does not match its hash"),
    "an event removed": (lambda d, k: d["events"].remove(_own(d, 3)), "the event before it in incident:1 is missing"),
    "the first event removed": (lambda d, k: d["events"].remove(_own(d, 0)), "the first events of incident:1 are missing"),
    "a supplier event removed": (lambda d, k: d["events"].remove(next(e for e in d["events"] if e["incident_id"] is None)),
                                 "events were removed or added"),
    "an event added": (lambda d, k: _append_forged(d), "events were removed or added"),
    "an event added out of order": (lambda d, k: d["events"].insert(3, {**_own(d, 2)}), "not in seq order"),
    "the last event removed": (lambda d, k: d["events"].pop(), "chain.head"),
    "an event of another incident added": (lambda d, k: d["events"].append({**_own(d, 1), "incident_id": 2, "seq": 10**6}), "belongs to incident #2"),
    "an unhashed field added": (lambda d, k: _own(d, 1).update(note="x"), "a field no hash covers"),
    "the title changed": (lambda d, k: d["incident"].update(title="Nothing happened"), "its incident was changed after signing"),
    "all hashes recomputed": (lambda d, k: (_own(d, 3)["data"].update(note="nothing happened"), _resign(d, None)), "the signature does not hold"),
    "re-signed with another key": (lambda d, k: (_own(d, 3)["data"].update(note="nothing happened"), _resign(d, k)), "signed by another key"),
    "the signature removed": (lambda d, k: d.update(signature=None), "NOT SIGNED"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_a_tampered_export_fails_verify_with_exit_3_naming_what_failed(root, tmp_path, how):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = json_export(root)
    document = json.loads(path.read_text(encoding="utf-8"))
    forger = tmp_path / "forger.key"
    forger.write_bytes(Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                                  serialization.NoEncryption()))
    change, named = TAMPERING[how]
    change(document, forger)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = verify(root, path)
    assert_clean_failure(result, 3)
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_export_without_the_key_is_written_unsigned_with_a_warning_and_does_not_verify(root):
    (root / "warroom.key").rename(root / "elsewhere.key")
    result = run_cli("export", "1", "--format", "json", "-o", str(root / "e.json"), home=root)
    assert result.returncode == 0, result.stderr
    assert "warning: the export is not signed" in result.stderr and "warroom.key is missing" in result.stderr
    document = json.loads((root / "e.json").read_text(encoding="utf-8"))
    assert document["signature"] is None
    validate(document)
    failed = verify(root, root / "e.json")
    assert_clean_failure(failed, 3)
    assert "NOT SIGNED: every hash and stream link holds" in failed.stderr


def test_a_window_says_so_and_still_verifies_and_a_cut_window_does_not(root):
    whole = json.loads(json_export(root).read_text(encoding="utf-8"))
    own = [e for e in whole["events"] if e["incident_id"] == 1]
    since, until = own[3]["at"], own[-3]["at"]
    path = json_export(root, "--since", since, "--until", until, name="w.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    validate(document)
    window = document["window"]
    inside = [e for e in own if since <= e["at"] < until]
    assert window["since"] == since and window["until"] == until
    assert (window["first_seq"], window["last_seq"]) == (inside[0]["seq"], inside[-1]["seq"])
    assert window["after"] == own[own.index(inside[0]) - 1]["hash"]
    assert [e["seq"] for e in document["events"] if e["incident_id"] == 1] == [e["seq"] for e in inside]
    result = verify(root, path)
    assert result.returncode == 0, result.stderr
    assert f"the incident's events complete from seq {inside[0]['seq']} to seq {inside[-1]['seq']}" in result.stdout
    document["events"].remove(next(e for e in document["events"] if e["seq"] == inside[0]["seq"]))
    path.write_text(json.dumps(document), encoding="utf-8")
    cut = verify(root, path)
    assert_clean_failure(cut, 3)
    assert "the first events of incident:1 in this export's window are missing" in cut.stderr


def test_export_all_writes_every_incident_and_each_verifies(root):
    result = export(root, "--all", "--format", "json", "-o", str(root / "all"))
    assert sorted(p.name for p in (root / "all").iterdir()) == ["incident-1.json", "incident-2.json"]
    assert "exported incident #2 (json)" in result.stdout
    for path in (root / "all").iterdir():
        assert verify(root, path).returncode == 0


def test_old_scheme_1_events_and_new_ones_verify_in_one_export(root):
    from tests.helpers import rehash_as_scheme1

    rehash_as_scheme1(root / "warroom.db")
    (root / "witness.log").unlink()
    run_cli("log", "1", "after the upgrade", home=root)  # closed: refused, but the open #2 takes it
    assert run_cli("log", "2", "after the upgrade: 598.0", "--kind", "observation", home=root).returncode == 0
    path = tmp = root / "two.json"
    export(root, "2", "--format", "json", "-o", str(tmp))
    schemes = [e["scheme"] for e in json.loads(path.read_text())["events"]]
    assert schemes[0] == 1 and schemes[-1] == 2
    assert verify(root, path).returncode == 0


def test_an_event_altered_into_bytes_in_the_file_is_exported_in_every_format_saying_so(root):
    """A blob where an event's text belongs (the file altered with the sqlite3 shell) ended the JSON
    export in "internal error: TypeError"; each format now writes the timeline and says the chain
    does not verify, and the JSON export fails `verify --export` naming the event."""
    import sqlite3

    db = sqlite3.connect(root / "warroom.db")
    db.execute("DROP TRIGGER event_no_update")
    *others, seq = [s for (s,) in db.execute("SELECT seq FROM event WHERE incident_id = 1 ORDER BY seq DESC LIMIT 4")][::-1]
    db.execute("UPDATE event SET data = X'00FF7B7D' WHERE seq = ?", (seq,))
    for column, other in zip(("summary", "actor", "kind"), others, strict=True):  # and each text column of an event before it
        db.execute(f"UPDATE event SET {column} = X'3D3100FF' WHERE seq = ?", (other,))
    db.commit()
    db.close()
    for form in ("json", "csv", "md", "html", "sitrep"):
        result = run_cli("export", "1", "--format", form, "-o", str(root / f"altered.{form}"), home=root)
        assert result.returncode == 0 and "Traceback" not in result.stderr and "internal error" not in result.stderr, (form, result.stderr)
    first = others[0]
    assert f"seq {first}" in run_cli("export", "1", "--format", "json", "-o", str(root / "again.json"), home=root).stderr  # said, naming it
    rows = list(csv.reader((root / "altered.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert not any(c.startswith("=") for row in rows for c in row)  # b'=1\x00\xff' is spelled b'…': no formula
    assert "NOT VERIFIED" in (root / "altered.md").read_text()
    document = json.loads((root / "altered.json").read_text())
    assert document["chain"]["verified"] is False and f"seq {first}" in document["chain"]["problem"]
    (event,) = [e for e in document["events"] if e["seq"] == seq]
    assert event["data"] == repr(b"\x00\xff{}")
    checked = verify(root, root / "altered.json")
    assert checked.returncode == 3 and f"seq {first}" in checked.stderr, checked


def test_an_event_altered_into_a_nesting_bomb_is_exported_in_every_format_saying_so(root):
    """Data nested 100,000 deep where an event's JSON belongs (the file altered): the Markdown and
    HTML exports ended in a RecursionError on parsing it; each format now writes the timeline with
    that data as the text it is, and says the chain does not verify."""
    import sqlite3

    db = sqlite3.connect(root / "warroom.db")
    db.execute("DROP TRIGGER event_no_update")
    (seq,) = db.execute("SELECT max(seq) FROM event WHERE incident_id = 1 AND kind = 'decision.logged'").fetchone()
    assert seq is not None
    db.execute("UPDATE event SET data = ? WHERE seq = ?", ('{"kind": "decision", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", seq))
    db.commit()
    db.close()
    for form in ("json", "csv", "md", "html", "sitrep"):
        result = run_cli("export", "1", "--format", form, "-o", str(root / f"bomb.{form}"), home=root)
        assert result.returncode == 0 and "Traceback" not in result.stderr and "internal error" not in result.stderr, (form, result.stderr)
    assert "NOT VERIFIED" in (root / "bomb.md").read_text()
    assert "NOT VERIFIED" in (root / "bomb.html").read_text().upper()
    assert '"data":{"kind": "decision", "x": [[[' in (root / "bomb.json").read_text()  # the stored text, as it is
    checked = verify(root, root / "bomb.json")
    # The export holds the data as the file does, nested deeper than any JSON reader follows: verify
    # cannot read it as an export at all (exit 2, saying so), and never calls it intact.
    assert checked.returncode == 2 and "nested too deep" in checked.stderr and "Traceback" not in checked.stderr, checked


@pytest.mark.parametrize("kind", ["not json", "not an export", "fifo", "huge", "folder", "missing", "duplicate key"])
def test_a_file_that_is_no_export_is_one_line_and_exit_2(root, tmp_path, kind):
    path = tmp_path / "x.json"
    if kind == "not json":
        path.write_bytes(b"\xff\xfe garbage")
    elif kind == "not an export":
        path.write_text('{"events": []}')
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with open(path, "wb") as out:
            out.truncate(600 * 1024 * 1024)
    elif kind == "folder":
        path.mkdir()
    elif kind == "duplicate key":
        path.write_text(json_export(root).read_text().replace('"window": null', '"window": null, "window": null', 1))
    result = verify(root, path)
    assert_clean_failure(result, 2)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("args,named", [
    (("99", "--format", "json"), "no incident #99"),
    (("1", "--format", "json", "--since", "yesterday-ish"), "--since"),
    (("1", "--format", "pdf"), "--format"),
    (("1", "--all", "--format", "json"), "not both"),
    (("--all", "--format", "json"), "-o DIR"),
    (("1", "--format", "md", "-o", "/nonexistent/dir/x.md"), "does not exist"),
])
def test_bad_export_arguments_are_exit_2(root, args, named):
    result = run_cli("export", *args, home=root)
    assert_clean_failure(result, 2)
    assert named in result.stderr


def _readme_block(after: str) -> str:
    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(after):]
    return block[block.index("\n", block.index("```")) + 1:block.index("\n```\n", block.index("```") + 3)]


def test_the_readme_python_recipe_verifies_an_export_and_catches_a_forgery(root, tmp_path):
    """The README's few lines of Python an auditor runs, as they are written there."""
    import sys

    (tmp_path / "incident-12.json").write_bytes(json_export(root).read_bytes())
    shutil.copy(root / "warroom.pub", tmp_path / "warroom.pub")
    recipe = tmp_path / "recipe.py"
    recipe.write_text(_readme_block("<!-- auditor:python -->"), encoding="utf-8")
    ok = subprocess.run([sys.executable, str(recipe)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "intact, complete and signed" in ok.stdout, ok.stderr
    document = json.loads((tmp_path / "incident-12.json").read_text(encoding="utf-8"))
    _own(document, 3)["data"].update(note="nothing happened")
    _resign(document, None)
    (tmp_path / "incident-12.json").write_text(json.dumps(document), encoding="utf-8")
    forged = subprocess.run([sys.executable, str(recipe)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert forged.returncode != 0 and "InvalidSignature" in forged.stderr


def test_the_readme_openssl_recipe_verifies_the_signature(root, tmp_path):
    from tests.conftest import need_tool

    need_tool("openssl", "openssl")
    need_tool("jq", "jq")
    (tmp_path / "incident-12.json").write_bytes(json_export(root).read_bytes())
    shutil.copy(root / "warroom.pub", tmp_path / "warroom.pub")
    commands = _readme_block("With OpenSSL (and `jq`)")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Signature Verified Successfully" in result.stdout, result.stderr
    signed = json.loads((tmp_path / "signed.json").read_text(encoding="utf-8"))
    assert signed["events"]["sha256"] in result.stdout


# ── CSV, Markdown, sitrep ──────────────────────────────────────────────────────────────────────

def test_csv_reads_back_equal_with_the_csv_module_and_runs_no_formula(root):
    from warroom.export.csv import cell

    export(root, "1", "--format", "csv", "-o", str(root / "e.csv"))
    raw = (root / "e.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    events = json.loads(json_export(root).read_text(encoding="utf-8"))["events"]
    assert rows[0] == ["seq", "at", "kind", "actor", "summary", "data"]
    assert len(rows) == len(events) + 1
    for row, event in zip(rows[1:], events, strict=True):
        # Incident 1 is a drill: a summary that does not say so already is marked, as a row pasted
        # alone into a spreadsheet must still say it was an exercise.
        said = event["summary"] if event["summary"].startswith(("[DRILL]", "[DRILL #")) else "[DRILL] " + event["summary"]
        assert row == [str(event["seq"]), event["at"], event["kind"], event["actor"], cell(said), row[5]]
        assert json.loads(row[5]) == event["data"]
    assert any(row[4].startswith("[DRILL] = note") for row in rows[1:])
    export(root, "2", "--format", "csv", "-o", str(root / "live.csv"))  # a live incident's summaries are as written
    live = list(csv.reader(io.StringIO((root / "live.csv").read_text(encoding="utf-8-sig"), newline="")))
    formulas = [row[4] for row in live[1:] if row[4].lstrip("'").startswith("=")]
    assert formulas and all(f.startswith("'=") for f in formulas)
    assert any(AWKWARD in row[4] for row in rows[1:])  # the text as typed: newlines, quotes, control characters


def _table_rows(markdown: str, header: str) -> list[list[str]]:
    lines = markdown.split("\n")
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in __import__("re").split(r"(?<!\\)\|", line)[1:-1]]
        rows.append(cells)
    return rows


def test_markdown_report_escapes_every_cell(root):
    text = export(root, "1", "--format", "md").stdout
    assert "<script>" not in text and "\x1b" not in text and "\u202e" not in text
    assert "## Key times" in text and "## Decisions" in text and "## Activity log" in text
    log = _table_rows(text, "| Time | Who | What |")
    events = json.loads(json_export(root).read_text(encoding="utf-8"))["events"]
    assert len(log) == len(events) and all(len(cells) == 3 for cells in log)
    decisions = [row for row in _table_rows(text, "| Time | Who | Decision | Rationale |") if "Fail over" in row[2]]
    assert len(decisions) == 1 and len(decisions[0]) == 4
    assert "second line<br>third \\<script\\>" in decisions[0][2] and "a \\| pipe" in decisions[0][3]
    assert "\\\\u202eevil" in decisions[0][2] and "␛\\]0;owned␇" in decisions[0][2]  # a visible \u202e, markdown-escaped
    assert NAME not in text and "O'Brien \\<b\\>" in text
    assert "verified: every hash holds" in text


def test_the_sitrep_briefs_someone_who_saw_nothing(root):
    text = export(root, "2", "--format", "sitrep").stdout
    for section in ("## 1. Situation now", "## 2. Objectives", "## 3. Actions taken", "## 4. Organisation: who holds which role",
                    "## 5. Fallbacks", "## 6. Open steps and decisions", "## 7. Next escalation"):
        assert section in text
    assert "| Commander |" in text and "O'Brien \\<b\\>" in text
    assert "Step confirm" in text and "Decision failover" in text
    assert "Level 1" in text and "Duty officer" in text
    assert "LIVE" in text and "OPEN" in text


# ── HTML ───────────────────────────────────────────────────────────────────────────────────────

def _html(root: Path, incident: str = "1") -> tuple[str, object]:
    import html5lib

    export(root, incident, "--format", "html", "-o", str(root / "e.html"))
    text = (root / "e.html").read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return text, parser.parse(text)


def test_an_incidents_hostile_title_is_shown_inert_in_the_html_title_and_heading(home):
    """The title a playbook gave its incident heads the page: as recorded text (escaped, every
    control and bidi character a visible symbol), like every other text of it."""
    from tests.helpers import QUICK

    configure(home)
    (home.playbooks_dir / "quick-drill.toml").write_text(tomli_w.dumps({**QUICK, "title": AWKWARD}))
    started = run_cli("incident", "start", "quick-drill", "--drill", home=home.root)
    assert started.returncode == 0, started.stderr
    text, tree = _html(home.root, started.stdout.strip())
    assert "\x1b" not in text and "\u202e" not in text and "<script>" not in text
    assert "␛]0;owned␇" in tree.find(".//title").text and "␛]0;owned␇" in "".join(tree.find(".//h1").itertext())


def test_html_parses_as_html5_with_every_text_escaped(root):
    text, tree = _html(root)
    assert tree.findall(".//script") == [] and tree.find(".//title").text.startswith("Incident #1: Quick drill")
    cells = ["".join(td.itertext()) for td in tree.iter("td")]
    shown = next(c for c in cells if c.startswith('Fail over "now"'))
    assert "a | pipe" in shown and "<script>alert(1)</script> &amp; 🚒 👩‍🚒 مرحبا עברית" in shown
    assert "\\u202eevil" in shown and "␛]0;owned␇" in shown and "\x1b" not in text and "\u202e" not in text
    assert any("O'Brien <b>" in c for c in cells) and "<b>" not in text.replace("<b>" * 0, "")
    for section in ("summary", "decisions", "escalations", "fallbacks", "health", "timeline", "integrity"):
        assert tree.find(f".//section[@id='{section}']") is not None, section
    assert "Europe/Amsterdam" in text and "Verified" in text


def test_html_of_a_drill_carries_its_after_action_review_escaped(root):
    text, tree = _html(root)
    section = tree.find(".//section[@id='review']")
    assert section is not None and section.find("h2").text == "After-action review"
    said = "".join(section.itertext())
    assert "Targets met: " in said and "Times against targets" in said and "acknowledge" in said
    cells = ["".join(td.itertext()) for td in section.iter("td")]
    observation = next(c for c in cells if c.startswith('Fail over "now"'))
    assert "<script>alert(1)</script> &amp; 🚒" in observation and "\\u202eevil" in observation and "\x1b" not in observation
    assert "step confirm" in cells and "improvement" in cells and "2026-12-15" in cells and ME in cells and "open" in cells
    assert text.index('id="review"') < text.index('id="decisions"'), "the review reads before the detail"
    other, other_tree = _html(root, "2")  # live, and no one evaluated it: no review
    assert other_tree.find(".//section[@id='review']") is None and "After-action review" not in other


def test_markdown_of_a_drill_carries_its_after_action_review(root):
    export(root, "1", "--format", "md", "-o", str(root / "e.md"))
    text = (root / "e.md").read_text(encoding="utf-8")
    review_part = text[text.index("## After-action review"):text.index("## Decisions")]
    assert "### Times against targets" in review_part and "### Corrective actions (improvement plan)" in review_part
    assert "third \\<script\\>alert(1)\\</script\\>" in review_part and "| step confirm |" in review_part
    assert "\x1b" not in review_part and "\n| " in review_part


def test_html_fetches_nothing(root):
    _, tree = _html(root)
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert name not in ("src", "srcset", "poster", "data") and not (name == "href" and not value.startswith("#")), (element.tag, name)
    style = "".join(s.text or "" for s in tree.iter("style"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert tree.findall(".//link") == [] and tree.findall(".//img") == [] and tree.findall(".//iframe") == []


def _vnu() -> Path:
    jar = Path(os.environ.get("VNU_JAR", Path.home() / ".cache/warroom-ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
    if jar.exists() and shutil.which("java"):
        return jar
    message = f"the W3C Nu checker is not at {jar} (npm package vnu-jar, Java 17; .ci/run installs it)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.slow
def test_html_passes_the_w3c_nu_checker(root):
    jar = _vnu()
    _html(root)
    result = subprocess.run(["java", "-jar", str(jar), "--errors-only", str(root / "e.html")], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr


CHROMIUM_OWN = (".google.com", ".googleapis.com", ".gvt1.com")
"""Chromium's own background services (update checks, sign-in), which it calls whatever the page."""


def _print_to_pdf(chromium: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """Print `page` with headless Chromium whose every network request goes to a proxy on
    127.0.0.1 that records the host asked for; those hosts."""
    import re
    import socket
    import threading

    hosts: list[str] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    request = connection.recv(4096).decode("latin-1")
                except OSError:
                    request = "?"
                found = re.match(r"CONNECT ([^:\s]+)|[A-Z]+ https?://([^/:\s]+)", request)
                hosts.append((found.group(1) or found.group(2)) if found else request[:80])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                 "--no-first-run", f"--proxy-server=http://127.0.0.1:{server.getsockname()[1]}", "--proxy-bypass-list=<-loopback>",
                                 f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                                capture_output=True, text=True, timeout=180)
    finally:
        done.set()
        thread.join(5)
        server.close()
    assert result.returncode == 0, result.stderr[-2000:]
    return hosts


@pytest.mark.slow
def test_chromium_prints_the_html_to_pdf_without_a_network_request(root, tmp_path):
    from tests.conftest import need_tool

    chromium = need_tool("chromium", "chromium")
    probe = tmp_path / "probe.html"  # the proxy does see what a page fetches
    probe.write_text('<!DOCTYPE html><html lang="en"><head><title>p</title></head><body><img src="http://fetched.example/x.png" alt=""></body></html>')
    assert "fetched.example" in _print_to_pdf(chromium, probe, tmp_path / "probe.pdf", tmp_path / "profile1")
    _html(root)
    pdf = tmp_path / "e.pdf"
    hosts = _print_to_pdf(chromium, root / "e.html", pdf, tmp_path / "profile2")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert [h for h in hosts if not h.endswith(CHROMIUM_OWN)] == []


def test_a_bad_export_path_fails_before_the_timeline_is_read(home, clock, tmp_path):
    """exports.export checks where the file goes first: a missing folder is named even for an
    incident that does not exist (whose read would fail otherwise), as the room and the CLI rely on."""
    from warroom.services import exports

    configure(home)
    config = library.config(home)
    store = home.open_store()
    try:
        with store.read() as session, pytest.raises(exports.CannotWrite, match="does not exist"):
            exports.export(session, 999_999, config, clock.now(), "md", tmp_path / "missing" / "x.md", user=ME)
    finally:
        store.dispose()


def test_the_review_by_cell_rounds_as_every_other_review_time():
    """59.6 s over a target read `by 59s` in the export and `1m` on the review screen: one rounding now."""
    from warroom import durations
    from warroom.export import reviewed, shown

    measure = {"name": "acknowledge", "result": "missed", "by_seconds": 59.6, "scenario_seconds": 359.6, "target_seconds": 300, "at": None}
    targets = reviewed.tables({"measures": [measure]}, shown.Clock("Europe/Amsterdam"), [])[0]
    assert targets.rows == [("acknowledge", "missed by 1m", "6m", "5m", "—")]
    assert durations.spoken(59.6) == "1m"


def test_one_spelling_of_a_duration_spelt_out():
    from warroom import durations

    assert [durations.readable(s) for s in (40.9, 60, 7 * 60 + 59, 3600 + 5 * 60, 86399, 3 * 86400 + 4 * 3600 + 59)] == [
        "40 s", "1 min", "7 min", "1 h 05 min", "23 h 59 min", "3 d 4 h"]


def test_what_a_report_writes_later_comes_back_whole_from_memory_or_past_it_from_a_file(tmp_path):
    # The Markdown and HTML reports read the events once and keep the activity log meanwhile: past
    # its size in memory it goes to a temporary file, and comes back the same, awkward text and all.
    from warroom.export import shown

    rows = [f"| {n} | {AWKWARD} | 🚒 |\r\n" for n in range(2000)]
    for in_memory in (10 * 1024 * 1024, 1000):
        with shown.Later(in_memory=in_memory) as later:
            for row in rows:
                later.write(row)
            rolled = later._file._rolled
            out = tmp_path / f"out-{in_memory}.md"
            with open(out, "w", encoding="utf-8", newline="") as stream:
                stream.write("before\n")
                later.into(stream)
        assert rolled == (in_memory == 1000)
        assert out.read_bytes() == ("before\n" + "".join(rows)).encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(',"\r\n\x00\t\' =+-@aé🚒\u202e\u2028;|') ) | st.text(), min_size=1, max_size=4))
def test_the_csv_exports_quoting_is_the_csv_writers(fields):
    # The CSV export lays its fields out itself (a quarter of its time went to the writer looking at
    # each character): on any text, byte for byte what the csv module's writer writes.
    from warroom.export.csv import quoted

    written = io.StringIO()
    csv.writer(written, dialect="excel", lineterminator="\r\n").writerow(["seq", *fields])
    assert written.getvalue() == ",".join(["seq", *(quoted(f) for f in fields)]) + "\r\n"
