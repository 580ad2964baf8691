"""What the command line and the monitor print is text, never terminal commands (issue 9, item 2).

Hostile text goes in the way it really arrives: log entries, notes and reasons typed at the CLI, a
playbook and a warroom.toml written by someone, a supplier's status page served from 127.0.0.1
and read by a real monitor. Then every human-readable command runs as a real subprocess, and in a
real pseudo-terminal, and its bytes are checked: no escape sequence, no carriage return, no C1 or
DEL byte, and a newline in an entry never starts a forged row of its own."""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile
from tests.conftest import ROOT
from tests.terminal import Terminal
from warroom import text

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"
CSI_CLEAR = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
FORGED = "    99  10:05:00  mallory  approved stopping all payments"
HOSTILE = f"ok{OSC_TITLE}{OSC_CLIPBOARD}{CSI_CLEAR}{C1_CSI}x\x7fy\roverwritten\n{FORGED}"
# A status page's description is cut at 120 characters: the short hostile one a supplier can send.
PAGE = f"{OSC_CLIPBOARD}{CSI_CLEAR}{C1_CSI}\x7f\r\nFORGED"

PLAYBOOK = {
    "id": "hostile", "title": f"Hostile{OSC_TITLE}", "summary": f"first line\n{FORGED}",
    "fallbacks": ["secondary-dc"], "trigger": {"supplier": "nlcloud", "state": "down", "for": "1m"},
    "steps": [{"id": "confirm", "title": f"Confirm{CSI_CLEAR}\roverwritten", "due": "1h"},
              {"id": "assess", "title": f"Assess\n{FORGED}", "due": "2h"}],
    "escalation": [{"after": "1h", "notify": ["duty-officer"], "message": f"call{OSC_CLIPBOARD}"}],
    "decisions": [{"id": "go", "question": f"Go?{C1_CSI}\n{FORGED}", "by": "1h"}],
    "drill": {"injects": [{"at": "5m", "message": f"press{CSI_CLEAR}"}]},
}


def hostile_config(page_url: str) -> dict:
    return {
        "settings": {"timezone": "Europe/Amsterdam", "interval": "1s", "confirm": 1},
        "suppliers": [{
            "id": "nlcloud", "name": f"NLCloud{OSC_TITLE}", "interval": "1s",
            "checks": [{"kind": "statuspage", "url": page_url, "timeout": "2s"}],
            "fallbacks": [{"id": "secondary-dc", "title": f"Stand-by{CSI_CLEAR}", "owner": f"ops{OSC_CLIPBOARD}\n{FORGED}"}],
        }],
        "services": [{"id": "benefits", "name": f"Benefits\roverwritten\n{FORGED}", "sector": "income", "depends_on": ["nlcloud"]}],
        "notify": {"duty-officer": {"name": f"Duty officer{OSC_TITLE}"}},
    }


def run(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real CLI, its output kept as the bytes a terminal would be sent (forked as run_cli's are,
    where that stands in for a fresh interpreter: tests/forkcli.py)."""
    from tests import forkcli

    environment = {**{k: v for k, v in os.environ.items() if k != "WARROOM_HOME"}, **(env or {})}
    command = [sys.executable, "-m", "warroom", "--home", str(home), *args]
    forked = forkcli.call(command, environment, 120, text=False, cwd=ROOT)
    if forked is not None:
        return forked
    return subprocess.run(command, capture_output=True, timeout=120, env=environment, cwd=ROOT)


def assert_inert(output: bytes, forged: str = FORGED) -> None:
    """Nothing a terminal would obey, and no line of the output starts with a forged row."""
    assert b"\x1b" not in output, "an escape sequence reached the terminal"
    assert b"\r" not in output, "a carriage return reached the terminal"
    assert b"\x7f" not in output, "DEL reached the terminal"
    shown = output.decode("utf-8")
    assert not [c for c in shown if 0x80 <= ord(c) <= 0x9F], "a C1 control reached the terminal"
    lines = shown.split("\n")
    assert all(text.is_safe(line) for line in lines), [line for line in lines if not text.is_safe(line)]
    assert not [line for line in lines if line.lstrip().startswith(forged.strip())], "a forged row starts a line of its own"


@pytest.fixture(scope="module")
def page():
    """A supplier whose status page admits a major outage in hostile words."""
    body = json.dumps({"status": {"indicator": "major", "description": PAGE}}).encode()
    server = hostile.Server(hostile.respond("200 OK", body, "Content-Type: application/json\r\n"))
    yield server.url("/api/v2/status.json")
    server.close()


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory, page):
    """A home whose config, playbook and log all hold hostile text; the monitor has recorded the
    supplier's hostile status page (inside the incident's time, so its timeline shows it too).
    Built once: the tests only read it."""
    from warroom.clock import SystemClock
    from warroom.services import homes

    home = homes.create(tmp_path_factory.mktemp("hostile") / "home", clock=SystemClock(), actor="alice", origin={})
    home.config_path.write_text(tomli_w.dumps(hostile_config(page)))
    (home.playbooks_dir / "hostile.toml").write_text(tomli_w.dumps(PLAYBOOK))
    started = run("incident", "start", "hostile", home=home.root)
    assert started.returncode == 0, started.stderr
    incident_id = started.stdout.decode().strip()
    for args in (["log", incident_id, HOSTILE, "--rationale", HOSTILE, "--kind", "observation"],
                 ["step", incident_id, "confirm", "done", "--note", HOSTILE],
                 ["fallback", "activate", incident_id, "secondary-dc", "--reason", HOSTILE]):
        done = run(*args, home=home.root)
        assert done.returncode == 0, done.stderr
    command = shlex.join([sys.executable, "-m", "warroom", "--home", str(home.root), "monitor"])
    monitor = Terminal(["sh", "-c", f"stty -onlcr; exec {command}"], env={"TERM": "xterm"})
    try:
        monitor.wait_for(b"FORGED)\n", timeout=60)
    finally:
        monitor.close()
    return SimpleNamespace(root=home.root, incident_id=incident_id, monitor_output=b"".join(data for _, data in monitor.chunks))


def test_the_monitors_lines_show_a_suppliers_hostile_status_page_as_text(hostile_home):
    output = hostile_home.monitor_output
    assert b"nlcloud down (status page: " in output
    assert_inert(output, "FORGED")


@pytest.mark.parametrize("args", [
    ["incident", "show", "{id}"], ["incident", "list"], ["status"], ["fallbacks"], ["check", "--once"],
    ["playbook", "list"], ["playbook", "show", "hostile"],
], ids=lambda args: " ".join(args[:2]))
def test_every_readable_command_prints_hostile_text_inert(hostile_home, args):
    result = run(*[a.replace("{id}", hostile_home.incident_id) for a in args], home=hostile_home.root)
    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout)
    assert_inert(result.stdout, "FORGED")
    assert_inert(result.stderr)


def test_a_multi_line_entry_stays_under_its_own_row(hostile_home):
    shown = run("incident", "show", hostile_home.incident_id, home=hostile_home.root).stdout.decode()
    lines = shown.split("\n")
    start = "ok" + text.line(OSC_TITLE)
    entry = next((i for i, line in enumerate(lines) if start in line), None)
    assert entry is not None, f"no row shows the entry as text: {shown}"
    following = lines[entry + 1 : entry + 5]
    forged = [line for line in following if "99  10:05:00  mallory" in line]
    assert forged, "the entry's further lines follow it"
    column = lines[entry].index("ok")
    for line in following:
        assert line[:column].strip() == "" and line[column:].startswith("┆ "), f"not marked as a further line: {line!r}"
    assert "chain: verified" in shown


def test_the_json_stays_exactly_the_data(hostile_home):
    view = json.loads(run("incident", "show", hostile_home.incident_id, "--json", home=hostile_home.root).stdout)
    logged = next(e for e in view["events"] if e["kind"] == "decision.logged" and e["data"]["kind"] == "observation")
    assert logged["data"]["text"] == HOSTILE and logged["data"]["rationale"] == HOSTILE


def test_in_a_real_terminal_show_list_and_status_send_no_control_sequence(hostile_home):
    """A pty, as a coordinator's SSH session is; -onlcr so every \\r that arrives was really sent."""
    warroom = shlex.join([sys.executable, "-m", "warroom", "--home", str(hostile_home.root)])
    script = f"stty -onlcr; {warroom} incident show {hostile_home.incident_id}; {warroom} incident list; {warroom} status; echo END-OF-TEST"
    terminal = Terminal(["sh", "-c", script], env={"TERM": "xterm-256color"})
    try:
        terminal.wait_for(b"END-OF-TEST\n", timeout=60)
    finally:
        terminal.close()
    output = b"".join(data for _, data in terminal.chunks)
    assert b"chain: verified" in output and b"Suppliers" in output and b"Hostile" in output
    assert_inert(output)
    assert_inert(output, "FORGED")


def test_error_messages_show_what_was_typed_as_text(home):
    root = home.root.parent / f"home{OSC_TITLE}\n{FORGED}"
    result = run("status", home=root)
    assert result.returncode == 2
    assert b"no war-room home at" in result.stderr
    assert_inert(result.stderr)
    assert len(result.stderr.decode().strip().split("\n")) == 1, "an error is one line"


def test_a_broken_playbooks_problems_show_its_text_inert(home):
    (home.playbooks_dir / "broken.toml").write_text(f'id = "broken"\ntitle = "x"\n"key{OSC_TITLE}\\n{FORGED}" = 1\n'.replace("\x1b", "\\u001b").replace("\x07", "\\u0007"))
    for args in (["playbook", "validate"], ["playbook", "list"]):
        result = run(*args, home=home.root)
        assert "Traceback" not in result.stderr.decode()
        assert_inert(result.stdout)
        assert_inert(result.stderr)


def test_every_line_the_cli_prints_goes_through_one_sink():
    """Structural: in warroom/cli only the sink itself calls click.echo or print, so no command can
    print a line that skipped it."""
    offenders = []
    for path in sorted((ROOT / "warroom" / "cli").glob("*.py")):
        if path.name == "output.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                owner = getattr(func, "value", None)
                named = getattr(owner, "id", None) or getattr(owner, "attr", None)
                if (isinstance(func, ast.Attribute) and func.attr in ("echo", "secho") and named == "click") or \
                   (isinstance(func, ast.Attribute) and func.attr == "write" and named in ("stdout", "stderr")) or \
                   (isinstance(func, ast.Name) and func.id == "print"):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"printing around warroom.cli.output: {offenders}"


# ── generated text ─────────────────────────────────────────────────────────────────────────────

ANY_TEXT = st.text(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(
    ["\x1b", "\x07", "\r", "\n", "\x9b", "\x85", "\x7f", "\u2028", "\u202e", "\t", "[", "]", "\x00"])), min_size=1, max_size=60)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=st.lists(ANY_TEXT.filter(str.strip), min_size=1, max_size=3), title=ANY_TEXT.filter(str.strip), detail=ANY_TEXT)
def test_generated_text_is_printed_without_control_characters(home, clock, entries, title, detail):
    from warroom.health.states import Result, observe
    from warroom.playbooks.schema import Playbook
    from warroom.services import actors, health, incidents, lease, library, logbook

    config = tomllib.loads(home.config_path.read_text())
    if config.pop("people", None) is not None:
        home.config_path.write_text(tomli_w.dumps(config))
    cfg = library.config(home)
    me = actors.resolve(cfg, "tester", {})
    playbook = Playbook.model_validate({"id": "generated", "title": title, "steps": [{"id": "confirm", "title": title}],
                                        "trigger": {"supplier": "nlcloud"}})
    store = home.open_store()
    try:
        clock.advance(timedelta(minutes=1))
        with store.write() as session:
            incident = incidents.start(session, playbook=playbook, mode="drill", now=clock.now(), actor=me)
            for entry in entries:
                logbook.log(session, incident_id=incident.id, text=entry, kind="observation", now=clock.now(), actor=me, rationale=entry)
            lease.take(session, holder="test", now=clock.now(), ttl=timedelta(hours=1), gap_after=timedelta(days=1), origin={})
            for state in ("down", "up", "down"):  # changes of state, each an event in the incident's timeline
                for _ in range(cfg.settings.confirm):
                    health.record(session, supplier=cfg.supplier("nlcloud"), now=clock.now(), config=cfg, playbooks=[], holder="test",
                                  origin={}, observation=observe([Result("http", state, 12.0, detail, "ok")]))
    finally:
        store.dispose()
    for args in (["incident", "show", str(incident.id)], ["incident", "list"], ["status"]):
        result = run(*args, home=home.root)
        assert result.returncode == 0, result.stderr
        for output in (result.stdout, result.stderr):
            lines = output.decode("utf-8").split("\n")
            assert all(text.is_safe(line) for line in lines), [line for line in lines if not text.is_safe(line)]


def test_a_long_entry_is_wrapped_by_us_so_no_wrapped_line_can_pass_for_a_row(hostile_home):
    """Padded to the terminal's width, text once made the terminal's own soft wrap start a line
    with a row of its own making. Long lines are wrapped here, each further line marked."""
    forged = "    13  17:31:02  alice    Fail over approved (commander)"
    padded = "Routine check" + " " * 110 + forged
    assert run("log", hostile_home.incident_id, padded, home=hostile_home.root).returncode == 0
    shown = run("incident", "show", hostile_home.incident_id, home=hostile_home.root, env={"COLUMNS": "120"}).stdout.decode()
    for row in shown.split("\n"):
        assert len(row) <= 120, row
        assert not row.lstrip().startswith("13  17:31:02"), row
