"""Attacks on the record of a checked warroom.toml (warroom.checkedconfig) and on the witness's
shortcuts (Witness._as_left, _ed25519_seed). A test marked "Was a bug:" showed a real problem, since
mended; the others pin behaviour that held under attack."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_failure, run_cli
from tests.helpers import ME
from tests.test_checked_config import _forge, _log, _logged, _record, _start
from warroom import checkedconfig, witness

# ── the record ────────────────────────────────────────────────────────────────────────────────


def _zones(tmp_path: Path) -> Path:
    """A zone directory with one zone of its own, Custom/Zone, before the system's."""
    zones = tmp_path / "zones"
    (zones / "Custom").mkdir(parents=True)
    from zoneinfo import TZPATH

    source = next((Path(p) / "Europe" / "Amsterdam" for p in TZPATH if (Path(p) / "Europe" / "Amsterdam").is_file()), None)
    if source is None:
        pytest.skip("no system tz database to copy a zone from")
    shutil.copyfile(source, zones / "Custom" / "Zone")
    return zones


def test_a_recorded_zone_this_host_no_longer_knows_is_still_a_config_error(home, tmp_path):
    """The zone was checked where it existed (another TZPATH, a tzdata that had it: Debian moved
    the legacy names such as US/Eastern to tzdata-legacy); where it is gone, the record still
    says the config is good, so `warroom log` accepts a config the full check refuses, and `--at`
    dies in ZoneInfoNotFoundError (a KeyError, which parse_when's `except ValueError` misses)."""
    incident = _start(home)
    zones = _zones(tmp_path)
    home.config_path.write_text(home.config_path.read_text().replace('timezone = "Europe/Amsterdam"', 'timezone = "Custom/Zone"', 1))
    with_zone = {"PYTHONTZPATH": f"{zones}{os.pathsep}{os.pathsep.join(__import__('zoneinfo').TZPATH)}"}
    assert run_cli("log", incident, "zone known", home=home.root, env=with_zone).returncode == 0
    assert json.loads(_record(home).read_text())["timezone"] == "Custom/Zone"
    without = _log(home, incident, "zone gone", "--at", "10:05")
    # Was a bug: exit 1 "internal error: ZoneInfoNotFoundError" instead of exit 2 with the full check's one line
    assert_clean_failure(without, 2)
    assert "warroom.toml:" in without.stderr and "Custom/Zone" in without.stderr and "internal error" not in without.stderr
    assert _logged(home) == ["zone known"]


def test_a_recorded_zone_this_host_no_longer_knows_is_not_trusted_without_at(home, tmp_path):
    incident = _start(home)
    zones = _zones(tmp_path)
    home.config_path.write_text(home.config_path.read_text().replace('timezone = "Europe/Amsterdam"', 'timezone = "Custom/Zone"', 1))
    with_zone = {"PYTHONTZPATH": f"{zones}{os.pathsep}{os.pathsep.join(__import__('zoneinfo').TZPATH)}"}
    assert run_cli("log", incident, "zone known", home=home.root, env=with_zone).returncode == 0
    # Was a bug: exit 0, the entry is recorded under a config that `warroom playbook validate` and every other command refuse
    assert_clean_failure(_log(home, incident, "zone gone"), 2)
    assert _logged(home) == ["zone known"]


@pytest.mark.parametrize("bad", [
    ("malformed", lambda t: t + "\n[settings\n"),
    ("role", lambda t: t + f'\n[people.{ME}]\nname = "Me"\nrole = "overlord"\n'),
    ("type", lambda t: t.replace("confirm = 2", 'confirm = "two"', 1)),
])
def test_a_bad_config_says_the_same_one_line_with_a_record_of_the_good_one_and_records_nothing(home, bad):
    incident = _start(home)
    assert _log(home, incident, "fine").returncode == 0
    before = _record(home).read_bytes()
    name, spoil = bad
    home.config_path.write_text(spoil(home.config_path.read_text()))
    with_record = _log(home, incident, name)
    assert_clean_failure(with_record, 2)
    assert _record(home).read_bytes() == before  # the good config's record is left, the bad one gets none
    _record(home).unlink()
    without = _log(home, incident, name)
    assert_clean_failure(without, 2)
    assert with_record.stderr == without.stderr and len(without.stderr.splitlines()) == 1 and "warroom.toml" in without.stderr
    assert not _record(home).exists()
    assert _logged(home) == ["fine"]


@pytest.mark.parametrize("body", [
    b"\xff\xfe\x00garbage",  # not UTF-8
    b"[" * 200_000 + b"]" * 200_000,  # deeper than the parser recurses
    b'{"key": ' + b"9" * 900_000 + b"}",  # more digits than int() takes
    b"x" * (checkedconfig.LIMIT + 10),  # above the limit
    b'{"key": NaN, "people": {}, "timezone": "UTC"}',
], ids=["binary", "deep", "digits", "huge", "nan"])
def test_a_record_that_is_no_record_is_a_full_check(home, body):
    incident = _start(home)
    with open(home.config_path, "a") as config:
        config.write(f'\n[people.{ME}]\nname = "Me"\nrole = "observer"\n')
    _record(home).write_bytes(body)
    os.chmod(_record(home), 0o600)
    refused = _log(home, incident, "odd record")
    assert_clean_failure(refused, 2)
    assert "observer cannot" in refused.stderr and _logged(home) == []


def test_duplicate_keys_take_no_one_past_the_key_check(home):
    """json.loads keeps the last of duplicate keys: a record that names the right key first and a
    wrong one last is not this config's record (and only the owner could write one anyway)."""
    incident = _start(home)
    with open(home.config_path, "a") as config:
        config.write(f'\n[people.{ME}]\nname = "Me"\nrole = "observer"\n')
    right = checkedconfig.key(home.config_path.read_bytes())
    _record(home).write_text(f'{{"key": "{right}", "people": {{"{ME}": ["Me", "commander"]}}, "timezone": "UTC", "key": "0"}}')
    os.chmod(_record(home), 0o600)
    assert_clean_failure(_log(home, incident, "dup"), 2)
    assert _logged(home) == []


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_record_that_is_no_file_neither_hangs_nor_fails_a_write(home, kind):
    incident = _start(home)
    _record(home).unlink()
    if kind == "directory":
        _record(home).mkdir()
    else:
        os.mkfifo(_record(home), 0o600)
    done = _log(home, incident, kind)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and _logged(home) == [kind]
    assert not [p for p in home.root.iterdir() if p.name.startswith(checkedconfig.RECORD + ".")]  # no temporary left


@pytest.mark.parametrize("mask", [0o077, 0o002, 0o000])
def test_the_record_mode_does_not_follow_the_umask(home, mask):
    incident = _start(home)
    _record(home).unlink()
    os.chmod(home.config_path, 0o640)
    old = os.umask(mask)
    try:
        assert _log(home, incident, f"umask {mask:o}").returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(_record(home).stat().st_mode) == 0o640


def test_a_config_edited_back_and_forth_gets_each_versions_verdict(home):
    """A → B → A → B: each record names its bytes, so an older record never speaks for the newer file."""
    incident = _start(home)
    a = home.config_path.read_bytes()
    b = a + f'\n[people.{ME}]\nname = "Me"\nrole = "observer"\n'.encode()
    for round_ in range(2):
        home.config_path.write_bytes(b)
        assert_clean_failure(_log(home, incident, f"B{round_}"), 2)
        home.config_path.write_bytes(a)
        assert _log(home, incident, f"A{round_}").returncode == 0
    assert _logged(home) == ["A0", "A1"]


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None, reason="a second OS user needs root and useradd")
def test_a_member_of_a_writable_home_cannot_plant_a_record(home, tmp_path):
    """Another account that may write the home's folder (a group home) makes a record of the
    config as it is that says it is commander: owned by it, not by the config's owner, so not trusted.
    Renaming the owner's own files into its place gives no record of these bytes either."""
    user = "wrattack" + str(os.getpid() % 10000)
    made = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"useradd: {made.stderr.strip()}")
    opened: list[tuple[Path, int]] = []
    try:
        import pwd

        member = pwd.getpwnam(user)
        incident = _start(home)
        with open(home.config_path, "a") as config:
            config.write(f'\n[people.{user}]\nname = "Mallory"\nrole = "observer"\n[people.{ME}]\nname = "Owner"\nrole = "commander"\n')
        os.chmod(home.root, 0o1777)  # writable by all, sticky, like a group home (3770) for this test's member
        for parent in home.root.parents:
            if parent == Path(parent.anchor):
                break
            opened.append((parent, os.stat(parent).st_mode))
            os.chmod(parent, os.stat(parent).st_mode | 0o001)  # the member may reach it
        key = checkedconfig.key(home.config_path.read_bytes())
        _record(home).unlink(missing_ok=True)
        forged = json.dumps({"key": key, "people": {user: ["Mallory", "commander"]}, "timezone": "UTC"})
        planted = subprocess.run(["setpriv", f"--reuid={member.pw_uid}", f"--regid={member.pw_gid}", "--clear-groups", "sh", "-c",
                                  f"umask 077; printf '%s' '{forged}' > {_record(home)}"], capture_output=True, text=True)
        assert planted.returncode == 0, planted.stderr
        assert _record(home).stat().st_uid == member.pw_uid
        assert checkedconfig.recall(home) is None
        os.chmod(home.root, 0o700)
        assert _log(home, incident, "the owner").returncode == 0  # the full check, whose record replaces the member's
        assert _record(home).stat().st_uid == os.geteuid()
        assert json.loads(_record(home).read_text())["people"] == {user: ["Mallory", "observer"], ME: ["Owner", "commander"]}
    finally:
        for parent, mode in opened:
            os.chmod(parent, stat.S_IMODE(mode))
        subprocess.run(["userdel", user], capture_output=True)


# ── the witness ───────────────────────────────────────────────────────────────────────────────


def _pair(root: Path) -> tuple[Path, Path]:
    witness.generate_key(root / "warroom.key", root / "warroom.pub")
    return root / "warroom.key", root / "warroom.pub"


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_witness_log_copied_back_in_place_with_fewer_heads_is_witnessed_again(tmp_path):
    """A restore by hand: `cp backup/witness.log home/witness.log` while the monitor (one Witness for
    its whole life) runs. cp writes into the same inode, so (device, inode) still match, and the
    heads of the restored log at or below the newest this process covered are never witnessed."""
    key, pub = _pair(tmp_path)
    log = tmp_path / "witness.log"
    monitor = witness.Witness(log, key, pub)
    assert monitor.record(1, "a" * 64, "2026-11-30T00:00:01Z")
    backup = log.read_bytes()
    assert monitor.record(2, "b" * 64, "2026-11-30T00:00:02Z")
    assert monitor.record(3, "c" * 64, "2026-11-30T00:00:03Z")
    inode = log.stat().st_ino
    with open(log, "r+b") as f:  # what cp does to an existing file
        f.truncate(0)
        f.write(backup)
    assert log.stat().st_ino == inode
    # the restored database's next head is seq 2 again, another hash
    # Was a bug: record() returns False (seq 2 <= covered 3 in the "same" file): the restored log's head 2 is never witnessed
    # (older than _as_left: _covered_in, since 9f07e7d; the same (device, inode) test, fooled the same way)
    assert monitor.record(2, "d" * 64, "2026-11-30T00:01:02Z")
    assert [json.loads(x)["hash"][0] for x in _lines(log)] == ["a", "d"]


def test_witness_log_rewritten_in_place_to_the_same_length_has_its_torn_tail_cut(tmp_path):
    """Same inode, same length, other bytes (a copy put back with cp whose last line was cut short):
    _as_left trusts (device, inode, length) and appends after the torn bytes, joining them to the new
    line, which verify then reads as a damaged line in the middle. st_ctime_ns/st_mtime_ns from the
    same fstat would tell it."""
    key, pub = _pair(tmp_path)
    log = tmp_path / "witness.log"
    monitor = witness.Witness(log, key, pub)
    assert monitor.record(1, "a" * 64, "2026-11-30T00:00:01Z")
    assert monitor.record(2, "b" * 64, "2026-11-30T00:00:02Z")
    first, second = _lines(log)
    with open(log, "r+b") as f:
        f.seek(len(first))
        f.write(b"x" * (len(second) - 1) + b"y")  # no newline: a torn tail, same total length
    assert monitor.record(3, "c" * 64, "2026-11-30T00:00:03Z")
    # Was a bug: the torn bytes are not cut: the second line is "xxx...y{"seq": 3, ...}"
    assert [json.loads(x)["seq"] for x in _lines(log)] == [1, 3]


def test_witness_log_replaced_appended_or_truncated_is_read_back(tmp_path):
    key, pub = _pair(tmp_path)
    log = tmp_path / "witness.log"
    ours, theirs = witness.Witness(log, key, pub), witness.Witness(tmp_path / "other.log", key, pub)
    assert ours.record(5, "a" * 64, "2026-11-30T00:00:05Z")
    assert theirs.record(9, "b" * 64, "2026-11-30T00:00:09Z")
    os.replace(tmp_path / "other.log", log)  # a copy renamed over it: a new inode with a newer head
    assert not ours.record(7, "c" * 64, "2026-11-30T00:00:07Z")  # covered by the newer genuine head
    with open(log, "r+b") as f:
        f.truncate(0)  # truncated in place (logrotate copytruncate): shorter, so read again
    assert ours.record(10, "d" * 64, "2026-11-30T00:00:10Z")
    assert [json.loads(x)["seq"] for x in _lines(log)] == [10]
    with open(log, "ab") as f:  # a line appended by someone without the key, claiming a newer head
        f.write(_lines(log)[0].replace(b'"seq":10', b'"seq":20'))
    assert ours.record(12, "e" * 64, "2026-11-30T00:00:12Z")  # read back, and a forged line is no cover: written
    assert [json.loads(x)["seq"] for x in _lines(log)] == [10, 20, 12]


def _pem(der: bytes, label: bytes = b"PRIVATE KEY") -> bytes:
    return b"-----BEGIN " + label + b"-----\n" + base64.b64encode(der) + b"\n-----END " + label + b"-----\n"


def _signs_or_refuses(tmp_path: Path, data: bytes) -> str:
    """'signs' when the key read signs as warroom.pub's pair; else the one-line WitnessProblem."""
    key, pub = tmp_path / "warroom.key", tmp_path / "warroom.pub"
    key.write_bytes(data)
    w = witness.Witness(tmp_path / "witness.log", key, pub)
    try:
        signer = w.signer()
    except witness.WitnessProblem as exc:
        assert "\n" not in str(exc)
        return str(exc)
    signature = signer.sign(b"head")
    witness._public_key(pub, ValueError).verify(signature, b"head")  # raises InvalidSignature unless the pair
    return "signs"


def test_witness_keys_spelt_oddly_sign_right_or_are_refused_in_one_line(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import x25519

    key, pub = _pair(tmp_path)
    pem = key.read_bytes()
    der = base64.b64decode(pem.split(b"\n")[1])
    assert _signs_or_refuses(tmp_path, pem) == "signs"
    assert _signs_or_refuses(tmp_path, pem.replace(b"\n", b"\r\n")) == "signs"
    assert _signs_or_refuses(tmp_path, b"\n\n  " + pem + b"\n\n") == "signs"
    assert _signs_or_refuses(tmp_path, pem + b"trailing junk\n") == "signs"
    assert _signs_or_refuses(tmp_path, pem.replace(b"\n-----END", b" \n-----END")) == "signs"
    # an X25519 key: the same 48 bytes of DER, another algorithm identifier
    other = x25519.X25519PrivateKey.generate().private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert len(other) == len(der)
    assert "not an Ed25519 key" in _signs_or_refuses(tmp_path, _pem(other))
    # the Ed25519 prefix with a seed one byte short or long: no key
    assert "not a private key" in _signs_or_refuses(tmp_path, _pem(der[:-1]))
    assert "not a private key" in _signs_or_refuses(tmp_path, _pem(der + b"\x00"))
    # encrypted PKCS#8: refused (no password), never a traceback
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    encrypted = load_pem_private_key(pem, None).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                              serialization.BestAvailableEncryption(b"secret"))
    assert "not a private key" in _signs_or_refuses(tmp_path, encrypted)


def test_a_log_with_an_encrypted_witness_key_is_recorded_with_a_one_line_warning(home):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    incident = _start(home)
    key = home.root / "warroom.key"
    encrypted = load_pem_private_key(key.read_bytes(), None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"secret"))
    key.write_bytes(encrypted)
    done = _log(home, incident, "encrypted key")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "not a private key" in done.stderr and _logged(home) == ["encrypted key"]


def test_forge_helper_still_matches(home):
    """The shared helper this file leans on: a forged owner record is trusted (by design)."""
    incident = _start(home)
    _forge(home)
    assert _log(home, incident, "ok").returncode == 0


@pytest.mark.parametrize("how", ["read-only", "full"])
def test_a_home_that_cannot_take_the_record_still_logs(tmp_path, clock, how):
    """The home on a file system that is read-only or full, its database a copy elsewhere (--db):
    the record cannot be written, and the write still succeeds, exit 0, no temporary left."""
    from tests.conftest import tmpfs
    from tests.helpers import configure
    from warroom.services import homes

    with tmpfs(tmp_path / "mnt", "32m", "a file system that can be made read-only or full needs root") as mnt:
        home = homes.create(mnt / "home", clock=clock, actor="alice", origin={"host": "test", "terminal": None, "ssh_client": None})
        configure(home)
        started = run_cli("incident", "start", "quick-drill", "--drill", home=home.root)
        assert started.returncode == 0, started.stderr
        _record(home).unlink()
        copy = tmp_path / "copy.db"
        shutil.copyfile(home.root / "warroom.db", copy)
        if how == "read-only":
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        else:
            with open(mnt / "fill", "wb") as fill:
                try:
                    while True:
                        fill.write(b"\0" * (1 << 20))
                        fill.flush()
                except OSError:
                    pass
        done = run_cli("--db", f"sqlite:///{copy}", "log", started.stdout.strip(), how, home=home.root)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert not [p.name for p in home.root.iterdir() if p.name.startswith(checkedconfig.RECORD)]
        if how == "read-only":
            subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=True)


def test_an_unchanged_config_is_checked_again_after_an_upgrade(home, monkeypatch):
    """A record made by other code is no verdict of this code: a record saying commander of a config
    saying observer, keyed by another checker, is ignored. (An upgrade is simulated in the key, not
    by touching the checker's files: those are the tree every test of a parallel run imports, and a
    worker that read them meanwhile kept another fingerprint for its life.)"""
    incident = _start(home)
    with open(home.config_path, "a") as config:
        config.write(f'\n[people.{ME}]\nname = "Me"\nrole = "observer"\n')
    _forge(home)
    assert _log(home, incident, "old code's record").returncode == 0  # trusted while the code is the same (owner-written)
    monkeypatch.setattr(checkedconfig, "_checker", lambda: b"format 1\nconfig.py 1234 1\npydantic 99 1\n0.1")
    _forge(home)
    refused = _log(home, incident, "new code")
    assert_clean_failure(refused, 2)
    assert "observer cannot" in refused.stderr
    assert _logged(home) == ["old code's record"]


def test_the_checker_is_told_by_warroom_s_modules_and_the_checking_libraries():
    """What an upgrade changes, the fingerprint names: each top-level module of warroom by size and
    time of change, a file of pydantic, of its validators (pydantic_core) and of the host-name
    encoder (idna), warroom's version."""
    from importlib.util import find_spec

    from warroom import __version__

    told = checkedconfig._checker.__wrapped__().decode()
    config = Path(checkedconfig.__file__).with_name("config.py").stat()
    version = Path(find_spec("pydantic").origin).with_name("version.py").stat()
    assert f"config.py {config.st_size} {config.st_mtime_ns}" in told.splitlines()
    assert f"pydantic {version.st_size} {version.st_mtime_ns}" in told.splitlines()
    markers = dict(checkedconfig._CHECKING_LIBRARIES)
    for library in ("pydantic_core", "idna"):
        marker = Path(find_spec(library).origin).with_name(markers[library]).stat()
        assert f"{library} {marker.st_size} {marker.st_mtime_ns}" in told.splitlines(), library
    assert told.splitlines()[-1] == __version__


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None, reason="a second OS user needs root and useradd")
def test_a_member_cannot_keep_the_owner_from_ever_writing_a_record(home):
    """In a sticky group home a member may create new names: a folder made in the record's place
    before the owner's first write makes every os.replace fail (EISDIR), silently, for good: each
    `warroom log` then takes the full check (~120 ms) and doctor does not say why."""
    user = "wrattack" + str(os.getpid() % 10000)
    made = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"useradd: {made.stderr.strip()}")
    try:
        import pwd

        member = pwd.getpwnam(user)
        incident = _start(home)
        _record(home).unlink()
        _record(home).mkdir()
        os.chown(_record(home), member.pw_uid, member.pw_gid)  # as the member would have made it
        assert _log(home, incident, "first").returncode == 0
        assert _log(home, incident, "second").returncode == 0
        # Was a bug: the member's folder is still there and no record was ever written (the fast path is gone for good)
        assert _record(home).is_file() and _record(home).stat().st_uid == os.geteuid()
    finally:
        subprocess.run(["userdel", user], capture_output=True)
