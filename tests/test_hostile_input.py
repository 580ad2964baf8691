"""Bad input, second round (issue 9, adversarial findings E, F, G and I): database URLs, an emptied
database, ids too long for a file name, home paths that are not UTF-8, a failed init, messages that
would echo 120 KB, and numbers that only look like ids. Each through the real CLI in a subprocess:
one line, the right exit code, nothing recorded changed and nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli
from tests.test_cli_bad_input import one_line_failure
from tests.test_incidents import cli_ok, configure, event_rows


def files_in(folder) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run_bytes(*args: bytes) -> subprocess.CompletedProcess:
    """`warroom ARGS` with arguments that are bytes, as a shell passes $'\\xff'."""
    environment = {k: v for k, v in os.environ.items() if k != "WARROOM_HOME"}
    return subprocess.run([sys.executable.encode(), b"-m", b"warroom", *args], capture_output=True, env=environment,
                          cwd=ROOT, timeout=120, text=True, errors="replace")


@pytest.fixture
def incident(home):
    """A one-person home with an open incident; the log and the home's files must not change."""
    configure(home)
    incident_id = cli_ok(home, "incident", "start", "quick-drill")
    before, present = event_rows(home), files_in(home.root)
    yield incident_id
    assert event_rows(home) == before, "bad input changed the log"
    assert files_in(home.root) == present, "bad input left a file behind"


# ── E: database URLs ───────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("url,expected", [
    ("sqlite:///{db}?mode=ro&uri=true", "takes no options after '?'"),
    ("sqlite:///{db}?mode=ro", "takes no options after '?'"),
    ("sqlite:///{db}?timeout=0", "takes no options after '?'"),
    ("", "the database URL is empty"),
    ("   ", "the database URL is empty"),
    ("sqlite+aiosqlite:///{db}", "no database driver 'sqlite+aiosqlite'; it runs on sqlite, sqlite+pysqlite, postgresql"),
    ("mysql+pymysql://warroom@127.0.0.1/warroom", "no database driver 'mysql+pymysql'"),
], ids=["ro-uri", "ro", "timeout", "empty", "blank", "aiosqlite", "mysql"])
def test_a_database_url_warroom_cannot_honour_is_refused(home, incident, url, expected):
    url = url.replace("{db}", str(home.db_path))
    for args in (["status"], ["log", incident, "written through a read-only URL?"]):
        one_line_failure(run_cli("--db", url, *args, home=home.root), 2, "--db", expected)


# ── F: an emptied database ─────────────────────────────────────────────────────────────────────

def test_an_emptied_database_is_refused_never_started_again(home):
    configure(home)
    cli_ok(home, "incident", "start", "quick-drill")
    with open(home.db_path, "r+b") as database:
        database.truncate(0)
    for name in ("warroom.db-wal", "warroom.db-shm"):
        (home.root / name).unlink(missing_ok=True)
    for args in (["incident", "start", "quick-drill"], ["incident", "list"], ["status"], ["log", "1", "x"]):
        one_line_failure(run_cli(*args, home=home.root), 1, f"the database {home.db_path} is empty", "restore it from a backup")
    assert home.db_path.stat().st_size == 0, "an emptied database was written to"


# ── G: ids too long, paths not UTF-8, a failed init, huge values in messages ───────────────────

def as_commander(home) -> None:
    configure(home)  # one person: whoever runs the test may write playbooks


def test_an_id_too_long_for_a_file_name_is_refused(home):
    as_commander(home)
    for playbook_id in ("a" * 300, "a" * 65):
        one_line_failure(run_cli("playbook", "new", playbook_id, home=home.root), 2, "too long for an id", "at most 64")
    assert not [p for p in home.playbooks_dir.iterdir() if p.name.startswith("aaa")]
    assert cli_ok(home, "playbook", "new", "a" * 64).endswith(f"{'a' * 64}.toml")


def test_an_id_too_long_in_a_file_is_a_file_line_problem(home):
    as_commander(home)
    path = home.playbooks_dir / "long.toml"
    path.write_text((home.playbooks_dir / "quick-drill.toml").read_text().replace('id = "quick-drill"', f'id = "{"b" * 100}"'))
    result = run_cli("playbook", "validate", home=home.root)
    assert result.returncode == 2
    assert any(line.startswith("playbooks/long.toml:1: id: ") and "too long for an id" in line for line in result.stderr.splitlines()), result.stderr


def test_a_home_path_that_is_not_utf8_is_refused_and_init_leaves_nothing(tmp_path):
    root = os.fsencode(tmp_path) + b"/caf\xe9"
    made = run_bytes(b"init", root)
    one_line_failure(made, 2, "not valid UTF-8", "caf\ufffd")
    assert not os.path.lexists(root), "init left a half-made home"
    for args in ([b"status"], [b"incident", b"list"], [b"playbook", b"list"]):
        one_line_failure(run_bytes(b"--home", root, *args), 2, "not valid UTF-8")


def test_a_failed_init_takes_away_what_it_made(tmp_path):
    """A folder where init must write a file: it fails half-way, and what it made goes again;
    what was there before stays."""
    root = tmp_path / "home"
    (root / "playbooks" / "playbook.schema.json").mkdir(parents=True)
    (root / "notes.txt").write_text("mine\n")
    before = files_in(root)
    result = run_cli("init", str(root))
    one_line_failure(result, 1, "cannot create the war-room home", "nothing was left behind")
    assert files_in(root) == before
    fresh = tmp_path / "deep" / "er" / "home"
    (tmp_path / "deep").mkdir()
    os.mkfifo(tmp_path / "deep" / "er")  # in the way of a folder init must make
    one_line_failure(run_cli("init", str(fresh)), 1, "cannot create the war-room home")
    assert files_in(tmp_path / "deep") == {"er"}


@pytest.mark.parametrize("args", [
    ["incident", "start", "{big}"],
    ["playbook", "show", "{big}"],
    ["playbook", "new", "{big}"],
    ["log", "{id}", "x", "--kind", "{big}"],
    ["--home", "/tmp/{big}", "status"],
], ids=lambda args: " ".join(a for a in args if "{" not in a))
def test_a_huge_value_is_not_echoed_whole(home, incident, args):
    big = "payments " * 13_000  # 117,000 characters
    result = run_cli(*[a.replace("{big}", big).replace("{id}", incident) for a in args], home=home.root)
    message = one_line_failure(result, 2, "characters)")  # how much there was, or how much was cut
    assert len(message) < 1_100, f"{len(message)} characters"


# ── I: numbers that only look like ids ─────────────────────────────────────────────────────────

@pytest.mark.parametrize("value", ["\uff11", "\u0661", "+1", " 1", "1 ", "1_000", "1.0", "0x1", ""],
                         ids=["fullwidth", "arabic-indic", "plus", "leading-space", "trailing-space", "underscore", "float", "hex", "empty"])
def test_an_id_is_ascii_digits_only(home, incident, value):
    for args in (["incident", "show", value], ["step", value, "confirm", "done"], ["escalation", "ack", incident, value]):
        one_line_failure(run_cli(*args, home=home.root), 2, "is not a number")
