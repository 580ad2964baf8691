"""Bad input ends in one clear line and exit 2, never "internal error"; nothing recorded changes
(issue 9, item 9). Each case through the real CLI in a subprocess, against a real home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib

import pytest
import tomli_w

from tests.conftest import ROOT, assert_clean_failure, run_cli
from tests.test_incidents import cli_ok, configure, event_rows
from warroom import identity


def one_line_failure(result: subprocess.CompletedProcess, code: int, *expected: str) -> str:
    assert_clean_failure(result, code)
    message = result.stderr
    assert "internal error" not in message, message
    for part in expected:
        assert part in message, message
    assert len(message.strip().splitlines()) == 1, f"not one line: {message}"
    return message


@pytest.fixture
def incident(home):
    """A one-person home with an open incident; the test checks the log is unchanged afterwards."""
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    before = event_rows(home)
    yield incident_id
    assert event_rows(home) == before, "bad input changed the log"


# ── ids ────────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("args", [
    ["incident", "show", "99999999999999999999"],
    ["incident", "resolve", "99999999999999999999"],
    ["step", "99999999999999999999", "confirm", "done"],
    ["escalation", "ack", "{id}", "99999999999999999999"],
    ["log", "{id}", "x", "--corrects", "99999999999999999999"],
    ["fallback", "activate", "99999999999999999999", "secondary-dc", "--reason", "x"],
], ids=lambda args: " ".join(args[:2]))
def test_an_id_beyond_64_bits_is_refused_as_bad_input(home, incident, args):
    result = run_cli(*[a.replace("{id}", incident) for a in args], home=home.root)
    message = one_line_failure(result, 2, "99999999999999999999")
    assert "Traceback" not in message and "OverflowError" not in message


# ── --at ───────────────────────────────────────────────────────────────────────────────────────

def test_a_time_at_the_edge_of_the_calendar_is_refused(home, incident):
    result = run_cli("log", incident, "x", "--at", "0001-01-01T00:00", home=home.root)
    one_line_failure(result, 2, "--at", "0001-01-01T00:00")


def test_an_empty_time_is_refused_not_taken_as_now(home, incident):
    result = run_cli("log", incident, "x", "--at", "", home=home.root)
    one_line_failure(result, 2, "--at")


# ── text ───────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("where", ["text", "--rationale", "--note"])
def test_text_that_is_not_utf8_is_refused(home, incident, where):
    bad = b"payments stopped \xff\xfe at 10:05"
    if where == "--note":
        args = [b"step", incident.encode(), b"confirm", b"done", b"--note", bad]
    elif where == "--rationale":
        args = [b"log", incident.encode(), b"ok", b"--rationale", bad]
    else:
        args = [b"log", incident.encode(), bad]
    environment = {k: v for k, v in os.environ.items() if k != "WARROOM_HOME"}
    result = subprocess.run([sys.executable.encode(), b"-m", b"warroom", b"--home", bytes(home.root), *args],
                            capture_output=True, env=environment, cwd=ROOT, timeout=120, text=True, errors="replace")
    one_line_failure(result, 2, "not valid UTF-8")


@pytest.mark.parametrize("args,what", [
    (["log", "{id}", "{big}"], "the log entry"),
    (["log", "{id}", "ok", "--rationale", "{big}"], "the rationale"),
    (["step", "{id}", "confirm", "done", "--note", "{big}"], "the note"),
    (["fallback", "activate", "{id}", "secondary-dc", "--reason", "{big}"], "the reason"),
    (["incident", "resolve", "{id}", "--note", "{big}"], "the note"),
])
def test_text_beyond_the_size_cap_is_refused(home, incident, args, what):
    big = "payments " * 4_000  # 36,000 characters: argv takes it, the log must not
    result = run_cli(*[a.replace("{id}", incident).replace("{big}", big) for a in args], home=home.root)
    one_line_failure(result, 2, what, "36,000 characters", "20,000")


def test_text_at_the_size_cap_is_recorded(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    cli_ok(home, "log", incident_id, "x" * 20_000)
    assert event_rows(home, "decision.logged")[-1]["data"]["text"] == "x" * 20_000


# ── --db ───────────────────────────────────────────────────────────────────────────────────────

def test_a_database_url_that_is_not_a_url(home):
    result = run_cli("--db", "not a url", "status", home=home.root)
    one_line_failure(result, 2, "'not a url' is not a database URL")


def test_postgresql_without_its_driver_says_what_to_install(home):
    # The test environment has psycopg (the PostgreSQL tests need it): this process hides it and
    # psycopg2, as an installation without the extra lacks them.
    hidden = "import sys; sys.modules['psycopg'] = sys.modules['psycopg2'] = None; from warroom.cli import main; main()"
    for url in ("postgresql+psycopg://warroom@127.0.0.1/warroom", "postgresql://warroom:secret@127.0.0.1/warroom"):
        result = subprocess.run([sys.executable, "-c", hidden, "--home", str(home.root), "--db", url, "status"], capture_output=True, text=True, timeout=60)
        message = one_line_failure(result, 2, "driver (psycopg", "install warroom[postgres]")
        assert "secret" not in message, "a password on the command line is not echoed"
    assert "name it postgresql+psycopg://" in message


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_since_writes_would_vanish(home, url):
    configure(home)
    result = run_cli("--db", url, "incident", "start", "quick-drill", home=home.root)
    one_line_failure(result, 2, "in-memory")


def test_a_read_only_database_is_one_line_naming_the_file(home):
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    before = event_rows(home)
    os.chmod(home.db_path, 0o400)
    immutable = os.geteuid() == 0  # root writes through file modes: make the file immutable instead
    if immutable and (not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(home.db_path)], capture_output=True).returncode):
        pytest.skip("running as root and this filesystem cannot make a file immutable (chattr +i)")
    try:
        result = run_cli("log", incident_id, "the decision", home=home.root)
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(home.db_path)], check=True)
        os.chmod(home.db_path, 0o600)
    message = one_line_failure(result, 1, str(home.db_path), "read-only")
    assert len(message.strip().splitlines()) == 1, message
    assert "SQL" not in message and "INSERT" not in message and "parameters" not in message
    assert event_rows(home) == before


# ── numbers and durations in files ─────────────────────────────────────────────────────────────

def edit_settings(home, **settings) -> None:
    config = tomllib.loads(home.config_path.read_text())
    config["settings"].update(settings)
    home.config_path.write_text(tomli_w.dumps(config))


def line_of(home, needle: str) -> int:
    return next(n for n, line in enumerate(home.config_path.read_text().splitlines(), start=1) if needle in line)


def test_a_duration_too_long_to_count_is_a_file_line_problem(home):
    edit_settings(home, interval="99999999999d")
    result = run_cli("status", home=home.root)
    one_line_failure(result, 2, f"warroom.toml:{line_of(home, '99999999999d')}: settings.interval:")


@pytest.mark.parametrize("where", ["settings.interval", "suppliers[0].checks[0].timeout"])
def test_a_zero_timeout_or_interval_is_a_file_line_problem(home, where):
    config = tomllib.loads(home.config_path.read_text())
    if where == "settings.interval":
        config["settings"]["interval"] = "0s"
    else:
        config["suppliers"][0]["checks"][0]["timeout"] = "0s"
    home.config_path.write_text(tomli_w.dumps(config))
    line = line_of(home, '"0s"')
    problem = f"warroom.toml:{line}: {where}: must be longer than 0s"
    one_line_failure(run_cli("status", home=home.root), 2, problem)
    validated = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(validated, 2)
    assert problem in validated.stderr


def test_a_playbook_version_beyond_what_a_database_holds_is_a_file_line_problem(home):
    configure(home)
    path = home.playbooks_dir / "quick-drill.toml"
    path.write_text('version = 99999999999999999999\n' + path.read_text())
    one_line_failure(run_cli("incident", "start", "quick-drill", home=home.root), 2, "quick-drill")
    validated = run_cli("playbook", "validate", home=home.root)
    assert_clean_failure(validated, 2)
    assert "playbooks/quick-drill.toml:1: version: Input should be less than or equal to 2147483647" in validated.stderr


# ── the simulator's port ───────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_refused(port):
    result = run_cli("simulate", "--port", port)
    one_line_failure(result, 2, "--port")


# ── observers ──────────────────────────────────────────────────────────────────────────────────

def test_an_observer_cannot_write_a_playbook(home):
    config = tomllib.loads(home.config_path.read_text())
    config["people"] = {f"not-{identity.os_user()}": {"name": "Somebody else", "role": "commander"}}
    for supplier in config["suppliers"]:
        for fallback in supplier.get("fallbacks", []):
            fallback["owner"] = f"not-{identity.os_user()}"
    home.config_path.write_text(tomli_w.dumps(config))
    result = run_cli("playbook", "new", "water-board-outage", home=home.root)
    one_line_failure(result, 2, "observer cannot")
    assert not (home.playbooks_dir / "water-board-outage.toml").exists()


def test_an_unknown_incident_lists_only_the_open_and_stabilised_ones(home):
    """A resolved drill is no "open incident": the refusal names only those still being worked."""
    configure(home)
    worked = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    calm = cli_ok(home, "incident", "start", "quick-drill")
    done = cli_ok(home, "incident", "start", "quick-drill", "--drill")
    cli_ok(home, "incident", "stabilise", calm)
    cli_ok(home, "incident", "resolve", done)
    for command in (("incident", "show", "999"), ("log", "999", "x")):
        message = one_line_failure(run_cli(*command, home=home.root), 2, "no incident #999")
        assert f"(open or stabilised incidents: #{worked}, #{calm})" in message, (command, message)
