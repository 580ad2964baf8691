"""Homes are private: made so by init, and refused when anyone may write to them."""

from __future__ import annotations

import grp
import os
import stat

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
    assert mode(root) == 0o2770 and root.stat().st_gid == os.getgid()
    assert mode(root / "warroom.db") == 0o660 and mode(root / "warroom.key") == 0o660
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
