"""Hostile files in a home: a FIFO, a nesting bomb, a symlink to /dev/zero, a directory, a huge file,
a file whose size lies, two files with one id. Each harms only itself: it is named with a one-line
reason, the other playbooks go on working, and nothing hangs. Every command runs as a real
subprocess under a deadline and a memory cap, so a regression fails instead of exhausting the host."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tomli_w

from tests.conftest import ROOT, wait_for
from tests.test_monitor import lease_holder, samples_between, sim_home  # noqa: F401 (fixtures)
from warroom.clock import iso
from warroom.text import is_safe

MEMORY_CAP = 1536 * 1024 * 1024  # bytes of address space: warroom needs a fraction; /dev/zero would take all
DEADLINE = 30  # seconds for any one command; today's code hangs on a FIFO for ever
VALID = "cloud-hosting-outage"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run(home, *args: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess:
    """`warroom --home HOME ARGS` as a script runs it, with a memory cap and a deadline."""
    environment = {k: v for k, v in os.environ.items() if k != "WARROOM_HOME"}
    return subprocess.run([sys.executable, "-m", "warroom", "--home", str(home.root), *args], capture_output=True,
                          text=True, timeout=timeout, env=environment, preexec_fn=_cap_memory, stdin=subprocess.DEVNULL)


def clean(result: subprocess.CompletedProcess, code: int) -> None:
    assert result.returncode == code, f"exit {result.returncode}, expected {code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr


def one_person(home) -> None:
    """No [people]: whoever runs the test (root or not) may start incidents."""
    config = tomllib.loads(home.config_path.read_text())
    config.pop("people", None)
    home.config_path.write_text(tomli_w.dumps(config))


# ── the hostile kinds: each makes the file at `path` ────────────────────────────────────────────

def fifo(path: Path) -> None:
    os.mkfifo(path)


def nesting_bomb(path: Path) -> None:
    path.write_text("x = " + "[" * 600 + "]" * 600 + "\n")


def inline_table_bomb(path: Path) -> None:
    path.write_text("x = " + "{ a = " * 600 + "1" + " }" * 600 + "\n")


def dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.toml").write_text('id = "inside"\n')


def huge(path: Path) -> None:
    with open(path, "wb") as out:
        out.truncate(50 * 1024 * 1024)


def huge_integer(path: Path) -> None:
    """tomllib reads an integer with int(), which refuses more than 4300 digits with a ValueError."""
    path.write_text('id = "huge-integer"\nversion = ' + "1" * 5000 + "\n")


def understated(path: Path) -> None:
    """A regular file that says it is empty and holds megabytes (a /proc file)."""
    source = Path("/proc/kallsyms")
    try:
        with open(source, "rb") as probe:
            big = len(probe.read(1_100_000)) > 1_000_000
    except OSError:
        big = False
    if not big:
        pytest.skip("no readable /proc/kallsyms over 1 MB on this host")
    path.symlink_to(source)


REASONS = {
    fifo: "is a FIFO, not a regular file",
    nesting_bomb: "nested too deeply",
    inline_table_bomb: "nested too deeply",
    dev_zero: "is a character device, not a regular file",
    directory: "is a directory, not a file",
    huge: "file is 52.4 MB; a playbook or config must be under 1 MB",
    understated: "file is over 1 MB; a playbook or config must be under 1 MB",
    huge_integer: "2: a number of more than 4,300 digits",  # its line, then the reason
}
FAILING_TODAY = [fifo, nesting_bomb, inline_table_bomb, dev_zero, understated, huge_integer]


def names(line: str, shown: str, kind) -> bool:
    """Whether `line` gives `kind`'s reason for the file `shown` (with its line, where there is one)."""
    reason = REASONS[kind]
    return line.startswith(f"{shown}:{reason}" if reason[0].isdigit() else f"{shown}: {reason}")


def ids(kinds) -> list[str]:
    return [k.__name__ for k in kinds]


def bundled(home) -> set[str]:
    return {p.stem for p in home.playbooks_dir.glob("*.toml")}


def assert_the_others_go_on_working(home, broken: list[Path]) -> None:
    good = bundled(home) - {p.stem for p in broken}
    listed = run(home, "playbook", "list")
    clean(listed, 0)
    assert {line.split()[0] for line in listed.stdout.splitlines()} == good
    for path in broken:
        assert f"playbooks/{path.name}: not listed" in listed.stderr, listed.stderr

    validated = run(home, "playbook", "validate")
    clean(validated, 2)
    assert validated.stdout.splitlines() == ["ok  warroom.toml"] + [f"ok  playbooks/{name}.toml" for name in sorted(good)]
    for path in broken:
        reasons = [line for line in validated.stderr.splitlines() if line.startswith(f"playbooks/{path.name}")]
        assert len(reasons) == 1 and names(reasons[0], f"playbooks/{path.name}", KIND_OF[path.name]), validated.stderr

    started = run(home, "incident", "start", VALID)
    clean(started, 0)
    assert started.stdout.strip().isdigit()


KIND_OF: dict[str, object] = {}


def plant(home, kind) -> Path:
    path = home.playbooks_dir / f"{kind.__name__.replace('_', '-')}.toml"
    kind(path)
    KIND_OF[path.name] = kind
    return path


@pytest.mark.parametrize("kind", FAILING_TODAY, ids=ids(FAILING_TODAY))
def test_a_hostile_playbook_file_is_named_and_the_others_go_on_working(home, kind):
    one_person(home)
    path = plant(home, kind)
    assert_the_others_go_on_working(home, [path])


def test_every_hostile_kind_at_once(home):
    one_person(home)
    planted = [plant(home, kind) for kind in (fifo, nesting_bomb, inline_table_bomb, dev_zero, directory, huge, huge_integer)]
    assert_the_others_go_on_working(home, planted)


@pytest.mark.parametrize("kind", [fifo, nesting_bomb, dev_zero, huge_integer], ids=ids([fifo, nesting_bomb, dev_zero, huge_integer]))
def test_validate_names_a_hostile_file_given_on_the_command_line(home, tmp_path, kind):
    path = tmp_path / "given.toml"
    kind(path)
    result = run(home, "playbook", "validate", str(path))
    clean(result, 2)
    assert any(names(line, str(path), kind) for line in result.stderr.splitlines()), result.stderr


# ── warroom.toml itself ───────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("kind", [fifo, nesting_bomb, dev_zero, huge_integer], ids=ids([fifo, nesting_bomb, dev_zero, huge_integer]))
def test_a_hostile_config_is_one_line_exit_2_never_a_hang(home, tmp_path, kind):
    home.config_path.unlink()
    kind(home.config_path)
    listed = run(home, "playbook", "list")
    clean(listed, 2)
    assert len(listed.stderr.splitlines()) == 1 and names(listed.stderr, "warroom.toml", kind), listed.stderr
    validated = run(home, "playbook", "validate")
    clean(validated, 2)
    assert any(names(line, "warroom.toml", kind) for line in validated.stderr.splitlines()), validated.stderr
    given = tmp_path / "given.toml"
    (home.playbooks_dir / f"{VALID}.toml").rename(given)
    validated = run(home, "playbook", "validate", str(given))  # its references cannot be checked: a problem, not a note
    clean(validated, 2)
    assert any(names(line, "warroom.toml", kind) for line in validated.stderr.splitlines()), validated.stderr
    for args in (["incident", "start", VALID], ["status"], ["monitor"]):
        result = run(home, *args)
        clean(result, 2)
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert names(result.stderr, "warroom.toml", kind), result.stderr  # the reason, not "no war-room home"


# ── the playbooks folder itself ───────────────────────────────────────────────────────────────

def regular_file(path: Path) -> None:
    path.write_text("not a folder\n")


def symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


FOLDER_REASONS = {regular_file: "is a regular file, not a folder", fifo: "is a FIFO, not a folder",
                  symlink_loop: "a loop of symbolic links"}


@pytest.mark.parametrize("kind", list(FOLDER_REASONS), ids=ids(FOLDER_REASONS))
def test_a_broken_playbooks_folder_is_named_never_taken_for_an_empty_library(home, kind):
    """Not a folder at all in place of playbooks/: every command that reads the library says so in
    one line (exit 2) rather than listing nothing, validating "ok" or knowing no playbook."""
    one_person(home)
    for playbook in home.playbooks_dir.iterdir():
        playbook.unlink()
    home.playbooks_dir.rmdir()
    kind(home.playbooks_dir)
    reason = f"playbooks/: {FOLDER_REASONS[kind]}; no playbook can be read"
    for args in (["playbook", "list"], ["playbook", "list", "--json"], ["playbook", "validate"], ["incident", "start", VALID],
                 ["playbook", "show", VALID], ["playbook", "new", "fresh"]):
        result = run(home, *args)
        clean(result, 2)
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, (args, result.stderr)
        assert result.stderr.startswith(reason), (args, result.stderr)
    assert json.loads(run(home, "incident", "list", "--json").stdout) == []


# ── two files, one id ─────────────────────────────────────────────────────────────────────────

def test_two_files_with_one_id_refuse_to_start_and_both_are_named(home):
    one_person(home)
    original = home.playbooks_dir / f"{VALID}.toml"
    (home.playbooks_dir / "copy.toml").write_text(original.read_text().replace('title = "', 'title = "Copy: ', 1))
    started = run(home, "incident", "start", VALID)
    clean(started, 2)
    assert f"playbooks/{VALID}.toml" in started.stderr and "playbooks/copy.toml" in started.stderr, started.stderr
    assert json.loads(run(home, "incident", "list", "--json").stdout) == []

    validated = run(home, "playbook", "validate")
    clean(validated, 2)
    problems = [line for line in validated.stderr.splitlines() if "duplicate playbook id" in line]
    assert len(problems) == 2, validated.stderr
    assert problems[0].startswith(f"playbooks/{VALID}.toml:2: id: ") and "also in playbooks/copy.toml" in problems[0]
    assert problems[1].startswith("playbooks/copy.toml:2: id: ") and f"also in playbooks/{VALID}.toml" in problems[1]

    listed = run(home, "playbook", "list")
    clean(listed, 0)
    assert VALID not in listed.stdout
    assert f"playbooks/{VALID}.toml: not listed" in listed.stderr and "playbooks/copy.toml: not listed" in listed.stderr


# ── file names are data ───────────────────────────────────────────────────────────────────────

def test_a_file_name_with_control_characters_or_bad_utf8_is_shown_safely(home):
    evil = "evil\x1b]0;owned\x07\r\n.toml"
    (home.playbooks_dir / evil).write_text("x = " + "[" * 600 + "]" * 600 + "\n")
    text = (home.playbooks_dir / f"{VALID}.toml").read_text().replace(f'id = "{VALID}"', 'id = "cafe"')
    Path(os.path.join(os.fsencode(home.playbooks_dir), b"caf\xe9.toml").decode(errors="surrogateescape")).write_text(text)
    listed = run(home, "playbook", "list")
    validated = run(home, "playbook", "validate")
    clean(listed, 0)
    clean(validated, 2)
    for output in (listed.stdout, listed.stderr, validated.stdout, validated.stderr):
        assert all(is_safe(line) for line in output.splitlines()), repr(output)
    assert any(line.startswith("playbooks/evil␛]0;owned␇␍␊.toml: nested too deeply") for line in validated.stderr.splitlines())
    assert "ok  playbooks/caf\ufffd.toml" in validated.stdout.splitlines()


# ── incident start reads the library before it takes the write lock ───────────────────────────

def test_start_resolves_the_playbook_before_taking_the_write_lock(home):
    """Another process holds the database's write lock: an unknown or broken playbook is said at
    once (exit 2), not after waiting for the lock."""
    one_person(home)
    (home.playbooks_dir / "bomb.toml").write_text("x = " + "[" * 600 + "]" * 600 + "\n")
    holder = sqlite3.connect(home.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        unknown = run(home, "incident", "start", "no-such-playbook", timeout=15)
        clean(unknown, 2)
        assert "unknown playbook 'no-such-playbook'" in unknown.stderr
        broken = run(home, "incident", "start", "bomb", timeout=15)
        clean(broken, 2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# ── the monitor ───────────────────────────────────────────────────────────────────────────────

class Monitor:
    """`warroom monitor` under the memory cap, its output collected as it comes."""

    def __init__(self, home):
        self.proc = subprocess.Popen([sys.executable, "-m", "warroom", "--home", str(home.root), "monitor"], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     text=True, preexec_fn=_cap_memory)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(line.rstrip("\n") for line in self.proc.stdout), daemon=True).start()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def assert_monitor_works_despite(home, broken: list[Path]) -> None:
    started = iso(datetime.now(UTC))
    monitor = Monitor(home)
    try:
        holder = f"{os.uname().nodename}:{monitor.proc.pid}"
        wait_for(lambda: lease_holder(home) == holder or monitor.proc.poll() is not None, timeout=30, what="the lease")
        assert monitor.proc.poll() is None, "the monitor died:\n" + "\n".join(monitor.lines)
        suppliers = {"nlcloud", "casesaas", "paybank", "eidgate", "netlink", "mailco", "hyperscale", "caredata"}
        wait_for(lambda: set(samples_between(home, started)) == suppliers, timeout=30, what="a round of every supplier")
        for path in broken:
            def said(shown: str = f"playbooks/{path.name}", kind=KIND_OF[path.name]) -> bool:
                return any(names(line.partition("playbook not loaded: ")[2], shown, kind) for line in monitor.lines)

            wait_for(said, timeout=5, what=f"the monitor to name playbooks/{path.name}")
        monitor.proc.send_signal(signal.SIGTERM)
        assert monitor.proc.wait(timeout=5) == 0, "\n".join(monitor.lines)
        assert lease_holder(home) is None, "a stopped monitor releases its lease"
    finally:
        monitor.kill()


@pytest.mark.parametrize("kind", [fifo, nesting_bomb, dev_zero, huge_integer], ids=ids([fifo, nesting_bomb, dev_zero, huge_integer]))
def test_the_monitor_never_dies_of_a_playbook(sim_home, kind):  # noqa: F811 (a fixture)
    path = plant(sim_home, kind)
    assert_monitor_works_despite(sim_home, [path])


def test_the_monitor_with_every_hostile_kind_at_once(sim_home):  # noqa: F811 (a fixture)
    planted = [plant(sim_home, kind) for kind in (fifo, nesting_bomb, inline_table_bomb, dev_zero, directory, huge, huge_integer)]
    assert_monitor_works_despite(sim_home, planted)


def test_demo_names_a_fifo_where_its_home_has_warroom_toml(tmp_path):
    root = tmp_path / "demo-home"
    root.mkdir()
    os.mkfifo(root / "warroom.toml")
    environment = {k: v for k, v in os.environ.items() if k != "WARROOM_HOME"}
    result = subprocess.run([sys.executable, "-m", "warroom", "--home", str(root), "demo"], capture_output=True, text=True,
                            timeout=DEADLINE, env=environment, preexec_fn=_cap_memory, stdin=subprocess.DEVNULL)
    clean(result, 2)
    assert result.stderr.splitlines() == [f"{root}/warroom.toml: is a FIFO, not a regular file"]


@pytest.mark.parametrize("planted", ["fifo", "link"])
def test_a_fifo_or_link_in_place_of_the_monitor_log_is_never_followed(home, clock, tmp_path, planted):
    """The TUI opens its monitor's log for the monitor it starts: a FIFO there would block that open
    for ever; a link planted by another member of a shared home would send our lines into their target."""
    import threading

    from tests.conftest import wait_for
    from tests.test_monitor import lease_holder
    from warroom.monitor.keeper import MonitorKeeper, log_path

    target = tmp_path / "someone-elses-file"
    target.write_text("untouched\n")
    if planted == "fifo":
        os.mkfifo(log_path(home))
    else:
        log_path(home).symlink_to(target)
    keeper = MonitorKeeper(home)
    store = home.open_store()
    started: list[bool] = []
    thread = threading.Thread(target=lambda: started.append(keeper.ensure(store, clock.now())), daemon=True)
    thread.start()
    thread.join(20)
    try:
        assert started == [True], "ensure() hung on the FIFO"
        assert keeper.child is not None
        holder = f"{os.uname().nodename}:{keeper.child.pid}"
        wait_for(lambda: lease_holder(home) == holder, timeout=30, what="the monitor to say it holds the lease")
    finally:
        keeper.stop()
        store.dispose()
    assert target.read_text() == "untouched\n"
