"""The witness (issue 9, items 4, 5 and 7): a write that committed reports success even when its head
cannot be witnessed, and the next write heals the witness; a witness line is written whole or not at
all (a full disk, a file size limit); a torn last line is reported as torn, not as tampering; in a
group home only the monitor's service account can sign, and `verify --key` checks against a public
key kept off the host."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pwd
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pytest
import tomli_w
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import ROOT, assert_clean_failure, run_cli, tmpfs, wait_for
from tests.helpers import immutable
from warroom.store.chain import canonical

PLAYBOOK = "cloud-hosting-outage"


# ── helpers ────────────────────────────────────────────────────────────────────────────────────

def one_person(root: Path) -> None:
    """No [people]: every OS user may act, whoever runs the tests."""
    config = tomllib.loads((root / "warroom.toml").read_text())
    config.pop("people", None)
    (root / "warroom.toml").write_text(tomli_w.dumps(config))


def start_incident(root: Path, **kwargs) -> subprocess.CompletedProcess:
    return run_cli("incident", "start", PLAYBOOK, "--drill", home=root, **kwargs)


def db_head(root: Path) -> int:
    connection = sqlite3.connect(f"file:{root / 'warroom.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT max(seq) FROM event").fetchone()[0]
    finally:
        connection.close()


def opened_count(root: Path) -> int:
    connection = sqlite3.connect(f"file:{root / 'warroom.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM event WHERE kind = 'incident.opened'").fetchone()[0]
    finally:
        connection.close()


def witness_lines(root: Path) -> list[dict]:
    """Every line of witness.log, each required to be a whole JSON record ending in a newline."""
    data = (root / "witness.log").read_bytes()
    assert data == b"" or data.endswith(b"\n"), f"witness.log ends in a torn line: {data[-80:]!r}"
    return [json.loads(line) for line in data.decode("ascii").splitlines()]


def newest_witnessed(root: Path) -> int:
    return max((line["seq"] for line in witness_lines(root)), default=0)


def whole_lines(line: bytes, size: int) -> bytes:
    """Copies of one witness line, each whole, `size` bytes in all (spaces before a newline are still JSON)."""
    body = line * (size // len(line) - 1)
    return body + line[:-1] + b" " * (size - len(body) - len(line)) + b"\n"


def assert_one_warning(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warroom: warning: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def assert_heals(root: Path) -> None:
    """The next write reports nothing and witnesses the head, which covers every event before it."""
    result = start_incident(root)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert newest_witnessed(root) == db_head(root)
    verified = run_cli("verify", home=root)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr


@pytest.fixture
def root(home) -> Path:
    one_person(home.root)
    return home.root


# ── 4. a recorded write reports success; the witness problem is a warning ─────────────────────

@contextmanager
def unwritable(path: Path, how: str):
    if how == "a directory in its place":
        saved = path.with_name("witness.saved")
        path.rename(saved)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            saved.rename(path)
    elif how == "immutable":
        with immutable(path, otherwise="the directory case covers it"):
            yield
    else:  # read-only
        if os.geteuid() == 0:
            pytest.skip("root writes to a 0400 file anyway; the immutable and directory cases cover root")
        os.chmod(path, 0o400)
        try:
            yield
        finally:
            os.chmod(path, 0o600)


@pytest.mark.parametrize("how", ["a directory in its place", "immutable", "read-only"])
def test_an_unwritable_witness_log_is_a_warning_not_a_failure_and_the_next_write_heals_it(root, how):
    before = db_head(root)
    with unwritable(root / "witness.log", how):
        result = start_incident(root)
        warning = assert_one_warning(result, "witness.log", "recorded")
        assert result.stdout.strip().isdigit()  # the new incident's id, as ever
        assert opened_count(root) == 1 and db_head(root) > before  # recorded once: nothing to retry
        doctor = run_cli("doctor", home=root)
        assert doctor.returncode == 1, doctor.stdout + doctor.stderr
        assert "witness.log" in doctor.stdout and "not witnessed" in doctor.stdout
        assert "\x1b" not in warning
    assert_heals(root)


def test_an_unwritable_witness_log_shows_in_the_tui(root):
    from warroom.home import Home
    from warroom.services import commands
    from warroom.tui.app import make_app
    from warroom.vocabulary import Mode

    async def scenario():
        app = make_app(Home(root))
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 20
            while app.board_data is None:
                assert time.monotonic() < deadline, "the board never loaded"
                await pilot.pause(0.05)
            app.act(commands.StartIncident(PLAYBOOK, Mode.DRILL))
            while not any("witness.log" in str(n.message) for n in app._notifications):
                assert time.monotonic() < deadline, [n.message for n in app._notifications]
                await pilot.pause(0.05)
            shown = [(n.severity, str(n.message)) for n in app._notifications]
            assert any(severity == "warning" and "recorded" in m and "witness.log" in m for severity, m in shown), shown
            assert not any(severity == "error" for severity, _ in shown), shown
            assert any("started" in m for _, m in shown), shown  # it did start: recorded, not refused

    with unwritable(root / "witness.log", "a directory in its place"):
        asyncio.run(scenario())
    assert opened_count(root) == 1


@contextmanager
def broken_key(key: Path, how: str):
    saved = key.read_bytes()
    if how == "missing":
        key.unlink()
    elif how == "not a key":
        key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n")
    elif os.geteuid() != 0:  # unreadable, as its owner
        os.chmod(key, 0o000)
    else:  # root reads any mode: a directory is unreadable for everyone
        key.unlink()
        key.mkdir(mode=0o700)
    try:
        yield
    finally:
        if key.is_dir():
            key.rmdir()
        if key.exists():
            os.chmod(key, 0o600)
        key.write_bytes(saved)
        os.chmod(key, 0o600)


@pytest.mark.parametrize("how", ["missing", "unreadable", "not a key"])
def test_a_key_problem_is_a_warning_not_a_failure_and_the_next_write_heals_it(root, how):
    with broken_key(root / "warroom.key", how):
        result = start_incident(root)
        assert_one_warning(result, "warroom.key", "recorded")
        assert opened_count(root) == 1
        doctor = run_cli("doctor", home=root)
        assert doctor.returncode == 1 and "warroom.key" in doctor.stdout, doctor.stdout
        verified = run_cli("verify", home=root)  # the witness is behind, not wrong
        assert verified.returncode == 0, verified.stderr
    assert_heals(root)


def test_doctor_on_a_healthy_home_says_so(root):
    result = run_cli("doctor", home=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "witnessed" in result.stdout and "problem" not in result.stdout


# ── 5. whole lines or none; a torn last line is torn, not tampering ───────────────────────────

def test_a_torn_last_line_is_reported_as_torn_and_the_next_write_repairs_it(root):
    assert start_incident(root).returncode == 0
    path = root / "witness.log"
    lines = path.read_bytes().splitlines(keepends=True)
    with path.open("ab") as out:
        out.write(lines[-1][: len(lines[-1]) // 2])  # a write cut short: half a line, no newline
    torn_at = len(lines) + 1

    result = run_cli("verify", home=root)
    assert result.returncode == 0, result.stderr
    assert f"witness.log:{torn_at}: torn" in result.stderr and result.stderr.startswith("warroom: warning: ")
    assert "event log verified" in result.stdout

    doctor = run_cli("doctor", home=root)
    assert f"witness.log:{torn_at}: torn" in doctor.stdout

    assert_heals(root)  # the next writer cuts the torn tail off before its own line
    assert len(witness_lines(root)) == len(lines) + 1


def test_the_witness_as_it_stood_reads_the_same_lines_every_time(root):
    from warroom.witness import Lines

    assert start_incident(root).returncode == 0
    with Lines(root / "witness.log") as lines:
        first = list(lines.entries())
        again = list(lines.entries())
    assert len(first) == len(witness_lines(root)) > 0
    assert again == first


def test_a_bad_line_that_is_not_the_last_is_still_tampering(root):
    assert start_incident(root).returncode == 0
    path = root / "witness.log"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(lines[0][:-30] + b"\n" + b"".join(lines[1:]))
    assert_clean_failure(run_cli("verify", home=root), 3)


def test_a_file_size_limit_cuts_no_line_in_half(root):
    """RLIMIT_FSIZE makes write() short exactly as a full disk does, for any user: the witness
    line crosses the limit while the database stays under it."""
    assert start_incident(root).returncode == 0
    path = root / "witness.log"
    line = path.read_bytes().splitlines(keepends=True)[-1]
    biggest = max(p.stat().st_size for p in root.iterdir() if p.is_file())
    padding = whole_lines(line, biggest + 2_000_000)  # bigger than any database file
    path.write_bytes(padding)
    limit = len(padding) + len(line) // 2  # the next line finds room for half of itself

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-m", "warroom", "--home", str(root), "incident", "start", PLAYBOOK, "--drill"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=limited,
                            env={k: v for k, v in os.environ.items() if k != "WARROOM_HOME"})
    assert_one_warning(result, "witness.log")
    assert path.stat().st_size == len(padding)  # cut back to where the line began
    assert opened_count(root) == 2
    verified = run_cli("verify", home=root)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
    assert_heals(root)


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A real 8 KiB tmpfs (two pages); skipped where none can be mounted."""
    with tmpfs(tmp_path / "tiny", "8k", "mounting a tiny tmpfs needs root; the file size limit test covers short writes for any user") as where:
        yield where


def test_a_full_disk_cuts_no_line_in_half_and_verify_stays_clean(root, tiny_filesystem):
    assert start_incident(root).returncode == 0
    original = root / "witness.log"
    line = original.read_bytes().splitlines(keepends=True)[-1]
    # witness.log lives on the tiny filesystem: one page for a filler, one page for the witness,
    # filled so that the next line finds room for half of itself only.
    (tiny_filesystem / "filler").write_bytes(b"x" * 4096)
    moved = tiny_filesystem / "witness.log"
    moved.write_bytes(whole_lines(line, 4096 - len(line) // 2))
    size = moved.stat().st_size
    original.unlink()
    original.symlink_to(moved)

    result = start_incident(root)
    assert_one_warning(result, "witness.log", "No space left")
    assert moved.stat().st_size == size
    verified = run_cli("verify", home=root)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr

    (tiny_filesystem / "filler").unlink()  # the administrator frees space
    assert_heals(root)


# ── 7. who can sign: the monitor's service account, not a coordinator ─────────────────────────

def test_init_group_makes_the_key_owner_only_and_the_witness_the_owners_to_write(tmp_path):
    import grp

    group = grp.getgrgid(os.getgid()).gr_name
    root = tmp_path / "wr"
    result = run_cli("init", str(root), "--group", group)
    assert result.returncode == 0, result.stderr

    def mode(name: str) -> int:
        return (root / name).stat().st_mode & 0o7777
    assert mode("warroom.key") == 0o600
    assert mode("witness.log") == 0o640
    assert mode(".") == 0o3770  # sticky: a member cannot rename or delete the owner's witness.log or key
    assert mode("warroom.db") == 0o660


def _coordinator_account():
    """An unprivileged account to act as a coordinator, and the command prefix that becomes it."""
    if os.geteuid() != 0:
        pytest.skip("acting as two accounts (service account and coordinator) needs root; run as root to test item 7")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    try:
        account = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' account on this host")
    import grp

    group = grp.getgrgid(account.pw_gid).gr_name
    prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
    probe = subprocess.run(prefix + [sys.executable, "-c", "import warroom, cryptography"], cwd=ROOT, capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"'nobody' cannot run this Python: {probe.stderr.strip()[-200:]}")
    return account, group, prefix


def _count(root: Path, kind: str) -> int:
    connection = sqlite3.connect(f"file:{root / 'warroom.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM event WHERE kind = ?", (kind,)).fetchone()[0]
    finally:
        connection.close()


def test_a_coordinator_cannot_sign_and_the_monitor_witnesses_their_write_within_seconds(monitors):
    from warroom.demo import demo_config
    from warroom.home import Home

    account, group, prefix = _coordinator_account()
    top = Path(tempfile.mkdtemp(prefix="warroom-group-"))  # outside pytest's 0700 folders, for the coordinator
    try:
        os.chmod(top, 0o711)
        root = top / "home"
        # A supplier on a closed port checked once a day: after its first round the monitor writes nothing of its own.
        text = demo_config(1, interval="1d")
        result = run_cli("init", str(root), "--group", group)
        assert result.returncode == 0, result.stderr
        config = tomllib.loads(text)
        config.pop("people", None)
        config["settings"]["group"] = group
        (root / "warroom.toml").write_text(tomli_w.dumps(config))
        # A playbook whose ladder starts in an hour: the monitor writes no event of its own to witness.
        quiet = {"id": "quiet", "title": "Quiet", "steps": [{"id": "confirm", "title": "Confirm", "due": "1h"}],
                 "escalation": [{"after": "1h", "notify": ["duty-officer"]}]}
        (root / "playbooks" / "quiet.toml").write_text(tomli_w.dumps(quiet))
        assert (root / "warroom.key").stat().st_mode & 0o777 == 0o600

        monitor = monitors(Home(root))
        wait_for(lambda: monitor.said("holding the lease"), timeout=60, what="the monitor to start")
        # Its first round finds the supplier down and says so, once: done before the coordinator acts,
        # so that under load it cannot land after the coordinator's write (then the monitor is quiet).
        wait_for(lambda: _count(root, "supplier.state") == 1, timeout=60, what="the monitor's first round")

        env = {k: v for k, v in os.environ.items() if k != "WARROOM_HOME"} | {"HOME": str(top), "XDG_DATA_HOME": str(top)}
        command = prefix + [sys.executable, "-m", "warroom", "--home", str(root), "incident", "start", "quiet", "--drill"]
        acted = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        done = time.monotonic()
        assert acted.returncode == 0 and acted.stderr == "", acted.stderr  # no key needed, no warning noise
        assert acted.stdout.strip().isdigit()
        head = db_head(root)
        connection = sqlite3.connect(f"file:{root / 'warroom.db'}?mode=ro", uri=True)
        actor = connection.execute("SELECT actor FROM event WHERE seq = ?", (head,)).fetchone()[0]
        connection.close()
        assert actor == account.pw_name

        wait_for(lambda: head in [line["seq"] for line in witness_lines(root)], timeout=10, what="the monitor to witness the coordinator's head")
        took = time.monotonic() - done
        assert took < 10
        assert db_head(root) == head  # witnessed by the monitor's periodic job, not by a write of its own
        verified = run_cli("verify", home=root)
        assert verified.returncode == 0, verified.stderr
        assert f"witness: signed head at seq {head} matches" in verified.stdout

        doctor = subprocess.run(prefix + [sys.executable, "-m", "warroom", "--home", str(root), "doctor"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert f"warroom.key belongs to {pwd.getpwuid(os.geteuid()).pw_name}, who signs" in doctor.stdout
        assert f"seq {head}, is witnessed" in doctor.stdout

        # The coordinator can neither read the key nor write the witness.
        denied = subprocess.run(prefix + ["sh", "-c", f"cat {root / 'warroom.key'}; echo x >> {root / 'witness.log'}"],
                                capture_output=True, text=True)
        assert denied.stderr.count("Permission denied") == 2, denied.stderr
    finally:
        shutil.rmtree(top, ignore_errors=True)


# ── verify --key: against a public key kept off the host ──────────────────────────────────────

def _other_public_key(where: Path) -> Path:
    path = where / "other.pub"
    path.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def test_verify_key_accepts_the_right_public_key(root, tmp_path):
    assert start_incident(root).returncode == 0
    kept = tmp_path / "kept-off-host.pub"
    shutil.copyfile(root / "warroom.pub", kept)
    result = run_cli("verify", "--key", str(kept), home=root)
    assert result.returncode == 0, result.stderr
    assert f"signed by {kept}" in result.stdout


def test_verify_key_refuses_a_witness_signed_by_another_key(root, tmp_path):
    assert start_incident(root).returncode == 0
    result = run_cli("verify", "--key", str(_other_public_key(tmp_path)), home=root)
    assert_clean_failure(result, 3)
    assert "other.pub" in result.stderr


def test_verify_key_catches_a_home_whose_key_pair_was_replaced_and_witness_re_signed(root, tmp_path):
    """A forger who can write the home replaces the key pair and re-signs every witness line: the
    home's own warroom.pub agrees with them, the key kept off the host does not."""
    assert start_incident(root).returncode == 0
    kept = tmp_path / "kept.pub"
    shutil.copyfile(root / "warroom.pub", kept)
    forged = Ed25519PrivateKey.generate()
    (root / "warroom.pub").write_bytes(forged.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    lines = []
    for record in witness_lines(root):
        body = canonical({"seq": record["seq"], "hash": record["hash"], "at": record["at"]}).encode()
        record["sig"] = base64.b64encode(forged.sign(body)).decode()
        lines.append(canonical(record) + "\n")
    (root / "witness.log").write_text("".join(lines))

    assert run_cli("verify", home=root).returncode == 0  # the home alone cannot tell
    result = run_cli("verify", "--key", str(kept), home=root)
    assert_clean_failure(result, 3)
    assert "kept.pub" in result.stderr


def test_verify_key_that_is_no_key_is_bad_input(root, tmp_path):
    (tmp_path / "junk.pub").write_text("not a key")
    for path in (tmp_path / "junk.pub", tmp_path / "missing.pub"):
        result = run_cli("verify", "--key", str(path), home=root)
        assert_clean_failure(result, 2)
        assert path.name in result.stderr


def test_a_fifo_in_place_of_the_witness_or_a_key_never_hangs(home, tmp_path):
    """A FIFO blocks an ordinary open until someone writes to it: verify and --key read without blocking."""
    one_person(home.root)
    assert run_cli("incident", "start", PLAYBOOK, "--drill", home=home.root).returncode == 0
    fifo = tmp_path / "key.pub"
    os.mkfifo(fifo)
    given = run_cli("verify", "--key", str(fifo), home=home.root, timeout=20)
    assert_clean_failure(given, 2)
    assert "is a FIFO, not a regular file" in given.stderr
    (home.root / "witness.log").unlink()
    os.mkfifo(home.root / "witness.log")
    verified = run_cli("verify", home=home.root, timeout=20)
    assert_clean_failure(verified, 3)
    assert "witness.log is not a regular file" in verified.stderr


def test_a_dangling_link_in_place_of_the_witness_creates_nothing(home, tmp_path):
    """A link is followed (the witness may live on a volume of its own) but never created through."""
    one_person(home.root)
    target = tmp_path / "made-by-warroom"
    (home.root / "witness.log").unlink()
    (home.root / "witness.log").symlink_to(target)
    result = run_cli("incident", "start", PLAYBOOK, "--drill", home=home.root)
    assert result.returncode == 0 and "not witnessed" in result.stderr and "cannot be written" in result.stderr, result.stderr
    assert not target.exists()


@pytest.mark.parametrize("seq, hash_, at, sig", [
    (1, "a" * 64, "2026-11-30T10:00:00.000000Z", "c2ln"),
    (2**53, "0" * 64, "2026-11-30T10:00:00.000000Z", "+/=="),
    (7, 'quote"d', "back\\slash", "tab\there"),
    (8, "nul\x00", "line\nfeed", "\x1f"),
    (9, "caf\u00e9", "\u2028\u2029", "\U0001f600"),
    (True, "a" * 64, "2026-11-30T10:00:00.000000Z", "c2ln"),
])
def test_a_witness_record_is_spelt_as_canonical_json_whatever_its_texts(seq, hash_, at, sig):
    """The signed body and the line are laid out directly when nothing in them needs escaping:
    byte for byte what canonical JSON writes, which verify and any other reader of witness.log
    recompute; text that needs escaping (a tampered line's) is spelt by canonical() itself."""
    from warroom import witness
    from warroom.store.chain import canonical

    assert witness._spelt(seq, hash_, at) == canonical({"seq": seq, "hash": hash_, "at": at})
    assert witness._spelt(seq, hash_, at, sig) == canonical({"seq": seq, "hash": hash_, "at": at, "sig": sig})
