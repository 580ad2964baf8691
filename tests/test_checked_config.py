"""The record of a checked warroom.toml (warroom.checkedconfig): a `warroom log` with an unchanged
config learns who acts from it without loading pydantic; a record nobody but the config's owner
could have written is the only one trusted; a changed or bad config takes the full check and says
what is wrong exactly as before (issue 16)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from typing import get_args

import pytest

from tests.conftest import ROOT, assert_clean_failure, run_cli
from tests.helpers import ME, configure
from tests.test_incidents import event_rows
from warroom import checkedconfig


def _record(home):
    return home.root / checkedconfig.RECORD


def _start(home) -> str:
    configure(home)  # no [people]: everyone may act
    started = run_cli("incident", "start", "quick-drill", "--drill", home=home.root)
    assert started.returncode == 0, started.stderr
    return started.stdout.strip()


def _log(home, incident: str, text: str, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("log", incident, text, *extra, home=home.root)


def _logged(home) -> list[str]:
    return [e["data"]["text"] for e in event_rows(home, "decision.logged")]


def _as_observer(home) -> None:
    """Make this OS user an observer in warroom.toml (the file decides who may act)."""
    with home.config_path.open("a") as config:
        config.write(f'\n[people.{ME}]\nname = "Me"\nrole = "observer"\n')


def _forge(home, *, mode: int = 0o600, people: dict | None = None) -> None:
    """A record of warroom.toml's bytes as they are now that says this user is a commander."""
    raw = home.config_path.read_bytes()
    body = {"key": checkedconfig.key(raw), "people": people if people is not None else {ME: ["Me", "commander"]},
            "timezone": "Europe/Amsterdam"}
    record = _record(home)
    record.unlink(missing_ok=True)
    record.write_text(json.dumps(body))
    os.chmod(record, mode)


def test_a_write_leaves_a_record_and_the_next_log_loads_no_pydantic(home):
    incident = _start(home)
    record = _record(home)
    assert record.is_file()  # left by `incident start`, which checked the config in full
    assert stat.S_IMODE(record.stat().st_mode) == 0o600  # the config's readers, its owner's to write
    assert json.loads(record.read_text())["key"] == checkedconfig.key(home.config_path.read_bytes())
    seen = subprocess.run([sys.executable, "-c", (
        "import json, sys\nfrom warroom.cli import main\n"
        f"try:\n    main(['--home', {str(home.root)!r}, 'log', {incident!r}, 'fast entry', '--at', '00:00'])\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "print(json.dumps(sorted(m for m in ('pydantic', 'warroom.config', 'warroom.tomlsource') if m in sys.modules)))")],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert seen.returncode == 0, seen.stderr
    assert json.loads(seen.stdout.strip().splitlines()[-1]) == []
    assert _logged(home) == ["fast entry"]
    entry = event_rows(home, "decision.logged")[0]["data"]
    assert entry["occurred_at"][10:19] in ("T23:00:00", "T22:00:00")  # 00:00 read in the record's zone, Europe/Amsterdam


def test_a_reading_command_leaves_no_record(home):
    configure(home)
    assert run_cli("status", home=home.root).returncode == 0
    assert not _record(home).exists()


def test_the_record_is_trusted_from_the_configs_owner_alone(home):
    """A record of the config as it is, saying this user is a commander where warroom.toml makes
    them an observer: trusted only as a file only the config's owner could have written."""
    incident = _start(home)
    _as_observer(home)
    for mode in (0o620, 0o602, 0o622):  # others could have written it: the config decides
        _forge(home, mode=mode)
        refused = _log(home, incident, f"mode {mode:o}")
        assert_clean_failure(refused, 2)
        assert "observer cannot write to the decision log" in refused.stderr
    _forge(home)
    target = home.root / "elsewhere"
    _record(home).rename(target)
    _record(home).symlink_to(target)  # a link planted in its place is not followed
    refused = _log(home, incident, "through a link")
    assert_clean_failure(refused, 2)
    _record(home).unlink()
    _forge(home, people={ME: ["Me", "overlord"]})  # not a role: not a record
    assert_clean_failure(_log(home, incident, "odd role"), 2)
    assert _logged(home) == []
    # The same record, the owner's alone: trusted (whoever could write it could edit warroom.toml).
    _forge(home)
    assert _log(home, incident, "trusted").returncode == 0
    assert _logged(home) == ["trusted"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another account needs root")
def test_a_record_owned_by_another_account_is_not_trusted(home):
    incident = _start(home)
    _as_observer(home)
    _forge(home)
    os.chown(_record(home), 65534, -1)  # nobody's: not the config's owner
    refused = _log(home, incident, "not the owner's")
    assert_clean_failure(refused, 2)
    assert "observer cannot" in refused.stderr and _logged(home) == []


def test_a_config_changed_after_its_record_is_checked_in_full(home):
    incident = _start(home)
    assert _log(home, incident, "before").returncode == 0
    _as_observer(home)  # the record names the old bytes
    refused = _log(home, incident, "after")
    assert_clean_failure(refused, 2)
    assert "observer cannot write to the decision log" in refused.stderr
    assert json.loads(_record(home).read_text())["key"] == checkedconfig.key(home.config_path.read_bytes())  # the new bytes' record
    assert json.loads(_record(home).read_text())["people"] == {ME: ["Me", "observer"]}
    assert _logged(home) == ["before"]


def test_a_bad_config_still_exits_2_with_the_same_message(home):
    incident = _start(home)
    assert _log(home, incident, "fine").returncode == 0
    assert 'timezone = "Europe/Amsterdam"' in home.config_path.read_text()
    home.config_path.write_text(home.config_path.read_text().replace('timezone = "Europe/Amsterdam"', 'timezone = "Mars/Olympus"', 1))
    with_record = _log(home, incident, "bad")
    assert_clean_failure(with_record, 2)
    _record(home).unlink()
    without = _log(home, incident, "bad")
    assert_clean_failure(without, 2)
    assert with_record.stderr == without.stderr and len(with_record.stderr.splitlines()) == 1
    assert "warroom.toml:" in with_record.stderr and "timezone" in with_record.stderr
    assert not _record(home).exists()  # a config that failed is never recorded
    assert _logged(home) == ["fine"]


def test_a_group_readable_config_gives_its_record_the_same_readers(home):
    incident = _start(home)
    _record(home).unlink()
    os.chmod(home.config_path, 0o640)
    assert _log(home, incident, "shared").returncode == 0
    assert stat.S_IMODE(_record(home).stat().st_mode) == 0o640


def test_the_records_roles_are_the_configs():
    from warroom import config

    assert set(get_args(config.Role)) == checkedconfig.ROLES
