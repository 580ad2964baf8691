"""Homes are private: made so by init, and refused when anyone may write to them."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from tests.conftest import assert_clean_failure, run_cli


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_the_home_private_to_its_owner(tmp_path):
    root = tmp_path / "wr"
    result = run_cli("init", str(root))
    assert result.returncode == 0, result.stderr
    assert mode(root) == 0o700
    for name in ("warroom.db", "warroom.key", "warroom.toml", "witness.log"):
        assert mode(root / name) == 0o600, name
    assert mode(root / "playbooks") == 0o700
    assert all(mode(p) == 0o600 for p in (root / "playbooks").iterdir())
    wal = root / "warroom.db-wal"
    if wal.exists():
        assert mode(wal) & 0o007 == 0


def test_init_with_a_group_shares_with_that_group_only(tmp_path):
    group = grp.getgrgid(os.getgid()).gr_name
    root = tmp_path / "wr"
    result = run_cli("init", str(root), "--group", group)
    assert result.returncode == 0, result.stderr
    assert mode(root) == 0o3770 and root.stat().st_gid == os.getgid()
    assert mode(root / "warroom.db") == 0o660 and mode(root / "warroom.key") == 0o600
    # What the war-room is (people and roles, playbooks) the group reads and only the administrator changes.
    assert mode(root / "warroom.toml") == 0o640 and mode(root / "playbooks") == 0o2750
    assert all(mode(p) == 0o640 for p in (root / "playbooks").iterdir())
    assert f'group = "{group}"' in (root / "warroom.toml").read_text()


def test_init_with_an_unknown_group_fails_cleanly(tmp_path):
    result = run_cli("init", str(tmp_path / "wr"), "--group", "no-such-group-xyz")
    assert_clean_failure(result, 2)
    assert "no such group 'no-such-group-xyz'" in result.stderr
    assert not (tmp_path / "wr").exists()


def test_init_refuses_an_existing_home_and_changes_nothing(home):
    before = home.config_path.read_bytes()
    result = run_cli("init", str(home.root))
    assert_clean_failure(result, 2)
    assert "already a war-room home" in result.stderr
    assert home.config_path.read_bytes() == before


def test_a_world_writable_database_is_refused(home):
    os.chmod(home.db_path, 0o666)
    result = run_cli("verify", home=home.root)
    assert_clean_failure(result, 2)
    assert "can be written by anyone on this host (mode 0666)" in result.stderr
    assert "chmod o-w" in result.stderr


def test_a_world_writable_home_folder_is_refused(home):
    os.chmod(home.root, 0o777)
    result = run_cli("verify", home=home.root)
    assert_clean_failure(result, 2)
    assert "can be written by anyone" in result.stderr


def test_a_missing_home_says_how_to_create_one(tmp_path):
    result = run_cli("verify", home=tmp_path / "nowhere")
    assert_clean_failure(result, 2)
    assert "no war-room home at" in result.stderr and "warroom init" in result.stderr


# ── issue 9, item 8: every file that decides what the home does is refused when anyone may write it ──

UNSAFE = ["warroom.toml", "playbooks", "playbooks/cloud-hosting-outage.toml", "warroom.key", "warroom.pub", "witness.log", "warroom.db"]


def assert_refused(result, path) -> None:
    assert_clean_failure(result, 2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{path} can be written by anyone on this host" in lines[0]
    assert lines[0].endswith(f"run: chmod o-w {path}")


@pytest.mark.parametrize("name", UNSAFE)
def test_each_world_writable_file_of_the_home_is_refused_naming_the_chmod(home, name):
    path = home.root / name
    os.chmod(path, mode(path) | 0o002)
    assert_refused(run_cli("status", home=home.root), path)


@pytest.mark.parametrize("command", [(), ("monitor",), ("playbook", "list"), ("incident", "list"), ("incident", "start", "cloud-hosting-outage"),
                                     ("verify",), ("backup", "{tmp}/copy.db")])
def test_a_world_writable_config_is_refused_wherever_the_home_is_opened(home, command, tmp_path):
    os.chmod(home.config_path, 0o666)
    before = home.db_path.read_bytes()
    result = run_cli(*(part.format(tmp=tmp_path) for part in command), home=home.root)
    assert_refused(result, home.config_path)
    assert home.db_path.read_bytes() == before


def test_a_world_writable_parent_is_refused_unless_sticky(tmp_path, clock):
    from warroom.services import homes

    parent = tmp_path / "shared"
    parent.mkdir()
    created = homes.create(parent / "home", clock=clock, actor="alice", origin={})
    os.chmod(parent, 0o777)
    assert_refused(run_cli("status", home=created.root), parent)
    os.chmod(parent, 0o1777)  # like /tmp: others cannot rename the home away
    result = run_cli("status", home=created.root)
    assert result.returncode == 0, result.stderr


def test_init_refuses_a_world_writable_parent_and_creates_nothing(tmp_path):
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(parent, 0o777)
    result = run_cli("init", str(parent / "home"))
    assert_refused(result, parent)
    assert not (parent / "home").exists()


def test_doctor_names_every_world_writable_file_with_its_chmod(home):
    for name in ("warroom.toml", "witness.log"):
        os.chmod(home.root / name, 0o666)
    result = run_cli("doctor", home=home.root)
    assert result.returncode == 1, result.stdout + result.stderr
    for name in ("warroom.toml", "witness.log"):
        assert f"chmod o-w {home.root / name}" in result.stdout
