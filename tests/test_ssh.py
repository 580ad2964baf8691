"""Deployment over SSH, end to end (issue 15, item 1): Debian's OpenSSH server on 127.0.0.1 with a
throw-away host key and the shipped sshd snippet (warroom/examples/deploy/sshd-warroom.conf), two
throw-away accounts with keys (a coordinator and an observer), the real `ssh` client, in tmux for the
board. The actor recorded is the account that logged in, the origin its SSH client address; the
observer is refused; what the door does not allow never reaches a shell.

Needs root (accounts, a group, sshd); skipped with the reason otherwise. Nothing outside a temporary
folder is changed but the two accounts and the group, removed afterwards, and /run/sshd, sshd's
privilege-separation folder, which Debian's own sshd service makes too: created when missing, and
left (another sshd on the host may be using it)."""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tomli_w

from tests.conftest import ROOT, Process, need_tool, run_cli, wait_for
from warroom.demo import demo_config

SNIPPET = ROOT / "warroom" / "examples" / "deploy" / "sshd-warroom.conf"
PLAYBOOK = "cloud-hosting-outage"

# One worker runs this module: its fixture is module-scoped, and two workers' copies would start
# two sshd and two sets of accounts for nothing.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ssh")]


@dataclass
class Site:
    top: Path
    home: Path
    group: str
    coordinator: str
    observer: str
    port: int
    python: str
    keys: dict[str, Path] = field(default_factory=dict)

    def ssh(self, user: str, *remote: str, tty: bool = False) -> list[str]:
        """The real client, trusting only this server's throw-away host key. sshd checks for its
        privilege-separation folder at every connection: made again if something on the host
        removed it meanwhile (a CI run ended "Missing privilege separation directory")."""
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        return ["ssh", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.keys[user]), "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={self.top / 'known_hosts'}", "-o", "StrictHostKeyChecking=yes",
                "-o", "SendEnv=COLORTERM", "-o", "SendEnv=LANG", *(["-t"] if tty else []), "--", f"{user}@127.0.0.1", *remote]

    def run(self, user: str, *remote: str) -> subprocess.CompletedProcess:
        result = subprocess.run(self.ssh(user, *remote), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if result.returncode == 255:  # ssh's own failure: what sshd said is the explanation
            raise AssertionError(f"ssh {user}@127.0.0.1 failed: {result.stderr}\nsshd said:\n{self.sshd_log()}")
        return result

    def sshd_log(self) -> str:
        return (self.top / "sshd.log").read_text(errors="replace")[-3000:]


def events(home: Path, kind: str) -> list[dict]:
    connection = sqlite3.connect(f"file:{home / 'warroom.db'}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT seq, incident_id, actor, origin, summary FROM event WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    finally:
        connection.close()
    return [{"seq": s, "incident": i, "actor": a, "origin": json.loads(o), "summary": m} for s, i, a, o, m in rows]


def head(home: Path) -> int:
    connection = sqlite3.connect(f"file:{home / 'warroom.db'}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0]
    finally:
        connection.close()


def witnessed(home: Path) -> int:
    return max((json.loads(line)["seq"] for line in (home / "witness.log").read_text().splitlines()), default=0)


def sh(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}: {done.stderr}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def python_for(account: str, top: Path) -> str:
    """A Python the account can run with warroom importable: this one when it can (the venv and
    the checkout readable by others), otherwise the system's Python of the same version over a
    readable copy (hard links where it can) of the installed packages and the source."""
    def works(python: str) -> bool:
        # Through /bin/sh as sshd runs ForceCommand: some sandboxes let setpriv's own exec through
        # where the account's shell is refused.
        probe = subprocess.run(["setpriv", f"--reuid={account}", f"--regid={pwd.getpwnam(account).pw_gid}", "--init-groups",
                                "/bin/sh", "-c", f"{shlex.quote(python)} -c 'import warroom.cli.ssh, warroom.tui.app, sqlalchemy, cryptography'"],
                               cwd="/", capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(top)})
        return probe.returncode == 0

    if works(sys.executable):
        return sys.executable
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin")
    if system is None:
        pytest.skip(f"the accounts cannot run {sys.executable} (a folder above it is private), and there is no system "
                    f"python{sys.version_info.major}.{sys.version_info.minor} to run a readable copy with")

    def link_or_copy(source: str, destination: str) -> None:
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    runtime = top / "runtime"
    shutil.copytree(sysconfig.get_paths()["purelib"], runtime / "site-packages", symlinks=True, copy_function=link_or_copy)
    shutil.copytree(ROOT / "warroom", runtime / "source" / "warroom", symlinks=True, copy_function=link_or_copy)
    venv = runtime / "venv"
    sh(system, "-m", "venv", "--without-pip", str(venv))
    site_dir = next((venv / "lib").glob("python3*/site-packages"))
    (site_dir / "warroom-test.pth").write_text(f"{runtime / 'source'}\n{runtime / 'site-packages'}\n")
    sh("chmod", "-R", "go+rX", str(runtime / "venv"))
    for folder in (runtime, *(p for p in runtime.rglob("*") if p.is_dir() and not p.is_symlink())):
        folder.chmod(0o755)
    python = str(venv / "bin" / "python")
    if not works(python):
        pytest.skip(f"the accounts can run neither {sys.executable} nor a readable copy over {system}")
    return python


@pytest.fixture(scope="module")
def site():
    if os.geteuid() != 0:
        pytest.skip("starting sshd and creating throw-away accounts needs root (CI runs as root)")
    # sbin is not on every PATH (a CI runner's, a sudo'd shell's); Debian puts sshd there.
    sshd = shutil.which("sshd", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or need_tool("sshd", "openssh-server")
    for tool, package in (("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"), ("tmux", "tmux"), ("useradd", "passwd"),
                          ("setpriv", "util-linux")):
        need_tool(tool, package)
    top = Path(tempfile.mkdtemp(prefix="warroom-ssh-"))  # /tmp, not pytest's 0700 folders: the accounts must reach it
    os.chmod(top, 0o711)
    suffix = secrets.token_hex(3)
    group, coordinator, observer = f"wrg{suffix}", f"wrc{suffix}", f"wro{suffix}"
    accounts: list[str] = []
    sshd_process = monitor = None
    try:
        sh("groupadd", group)
        for account in (coordinator, observer):
            (top / "users").mkdir(mode=0o711, exist_ok=True)
            sh("useradd", "--no-create-home", "--home-dir", str(top / "users" / account), "--shell", "/bin/sh", "--gid", group, account)
            accounts.append(account)
            sh("usermod", "--password", "*", account)  # no password, but not locked: sshd refuses locked accounts their keys
            (top / "users" / account).mkdir(mode=0o700)
            shutil.chown(top / "users" / account, account, group)

        home = top / "home"
        created = run_cli("init", str(home), "--group", group)  # as root: the service account, which owns the key
        assert created.returncode == 0, created.stderr
        config = tomllib.loads(demo_config(1, interval="1d"))  # suppliers on a closed port, checked once a day
        config["settings"]["group"] = group
        config["people"].update({coordinator: {"name": "Carla Coordinator", "role": "coordinator"},
                                 observer: {"name": "Otto Observer", "role": "observer"}})
        (home / "warroom.toml").write_text(tomli_w.dumps(config))

        python = python_for(coordinator, top)
        port = free_port()
        found = Site(top, home, group, coordinator, observer, port, python)
        (top / "keys").mkdir(mode=0o755)
        (top / "client").mkdir(mode=0o700)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(top / "ssh_host_ed25519_key"))
        host_key = (top / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        (top / "known_hosts").write_text(f"[127.0.0.1]:{port} {' '.join(host_key)}\n")
        for account in (coordinator, observer):
            key = top / "client" / account
            sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key))
            (top / "keys" / account).write_text(key.with_suffix(".pub").read_text())
            os.chmod(top / "keys" / account, 0o644)
            found.keys[account] = key

        # The shipped snippet, with this site's group, home and Python in place of the example's.
        snippet = SNIPPET.read_text()
        for old, new in (("Match Group warroom", f"Match Group {group}"),
                         ("ForceCommand /usr/local/bin/warroom-ssh", f"ForceCommand {shlex.quote(python)} -m warroom.cli.ssh"),
                         ("SetEnv WARROOM_HOME=/srv/warroom", f"SetEnv WARROOM_HOME={home}")):
            assert old in snippet, f"the example no longer has {old!r}: update this test"
            snippet = snippet.replace(old, new)
        (top / "sshd-warroom.conf").write_text(snippet)
        # StrictModes off: the throw-away keys live under /tmp, whose mode (1777) it refuses though
        # sticky. A real server keeps it on, with keys in the accounts' own ~/.ssh.
        (top / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {top / 'ssh_host_ed25519_key'}\nPidFile {top / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {top / 'keys'}/%u\nUsePAM no\nPermitRootLogin no\nAllowGroups {group}\nStrictModes no\n"
            # The test logs in many times in a row: sshd's default MaxStartups (10:30:100) starts
            # refusing new connections at random once ten are unauthenticated at once.
            f"LogLevel VERBOSE\nMaxStartups 100:30:200\nInclude {top / 'sshd-warroom.conf'}\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        checked = subprocess.run([sshd, "-t", "-f", str(top / "sshd_config")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        log = (top / "sshd.log").open("w")
        sshd_process = subprocess.Popen([sshd, "-D", "-e", "-f", str(top / "sshd_config")], stdout=log, stderr=subprocess.STDOUT)

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, timeout=30, what="sshd to listen")
        # The monitor as the service account (here root, who owns the key): it witnesses the
        # coordinators' heads, which their own processes cannot sign.
        monitor = Process("--home", str(home), "monitor")
        wait_for(lambda: monitor.said("holding the lease") or monitor.proc.poll() is not None, timeout=60, what="the monitor to lead")
        assert monitor.proc.poll() is None, "\n".join(monitor.lines)
        yield found
    finally:
        if monitor is not None:
            monitor.stop()
        if sshd_process is not None:
            sshd_process.terminate()
            sshd_process.wait(timeout=30)
        for account in accounts:
            _end_processes_of(account)
            subprocess.run(["userdel", account], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(top, ignore_errors=True)


def _end_processes_of(account: str) -> None:
    """Whatever a throw-away account still runs (a session sshd left behind), ended by pid."""
    try:
        uid = pwd.getpwnam(account).pw_uid
    except KeyError:
        return
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), 9)
            except (OSError, ProcessLookupError):
                pass


def environment_of(pid: int) -> dict[str, str]:
    data = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in data.decode("utf-8", "replace").split("\0") if "=" in item)


def board_processes(account: str) -> list[int]:
    uid = pwd.getpwnam(account).pw_uid
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid and b"warroom.cli.ssh" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_coordinator_logs_in_sees_the_board_and_acts_as_themselves(site):
    # A command through SSH_ORIGINAL_COMMAND: the incident's id on stdout, as for a local script.
    started = site.run(site.coordinator, "warroom", "incident", "start", PLAYBOOK, "--drill")
    assert started.returncode == 0, started.stderr
    incident = int(started.stdout.strip())
    opened = events(site.home, "incident.opened")[-1]
    assert opened["incident"] == incident and opened["actor"] == site.coordinator
    assert opened["origin"]["ssh_client"] == "127.0.0.1"

    # The board, through the real client in a real terminal.
    session = f"warroom-ssh-{uuid.uuid4().hex[:8]}"
    command = shlex.join(site.ssh(site.coordinator, tty=True))
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-e", "COLORTERM=truecolor",
                    "-e", "LANG=C.UTF-8", command], check=True)
    subprocess.run(["tmux", "set-option", "-t", session, "window-size", "manual"], capture_output=True)
    subprocess.run(["tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"], capture_output=True)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout

    def see(test, timeout: float, what: str) -> None:
        try:
            wait_for(test, timeout=timeout, what=what)
        except AssertionError as failed:
            log = (site.top / "sshd.log").read_text()[-3000:]
            raise AssertionError(f"{failed}; the screen was:\n{screen()}\nsshd said:\n{log}") from None

    try:
        see(lambda: "Primary cloud hosting supplier unavailable" in screen() and "DRILL" in screen(), 90, "the board with the drill")
        assert "Carla Coordinator" in screen() or site.coordinator in screen()
        boards = board_processes(site.coordinator)
        assert boards, "no board process runs as the coordinator"
        environment = environment_of(boards[0])
        assert environment.get("WARROOM_HOME") == str(site.home)  # SetEnv
        assert environment.get("COLORTERM") == "truecolor" and environment.get("LANG") == "C.UTF-8"  # AcceptEnv
        assert "SSH_ORIGINAL_COMMAND" not in environment
        subprocess.run(["tmux", "send-keys", "-t", session, "Tab", "Enter"], check=True)
        see(lambda: "Steps" in screen() and re.search(r"☐\s+confirm", screen()), 60, "the incident room")
        # Over SSH the keys after `l` can arrive in the same read as `l`, before the entry line has
        # the focus (and keys of the room would act on the steps). A digit, which no key of the room
        # is, shows when it has: `l` and a digit until something shows, then the line is cleared.
        def entry() -> str:
            found = re.search(r"▼\s*▎[^▊]*▊  (.*?)\s*▎▊  rationale", screen())  # an "answers …" offer may stand between
            return "" if found is None or "type and press enter" in found.group(1) else found.group(1)

        def entry_focused() -> bool:
            subprocess.run(["tmux", "send-keys", "-t", session, "l", "1"], check=True)
            try:
                wait_for(entry, timeout=3, what="a key in the entry line")
            except AssertionError:
                return False
            return True

        see(entry_focused, 60, "the log entry line to take the focus")
        subprocess.run(["tmux", "send-keys", "-t", session, *["BSpace"] * len(entry())], check=True)
        see(lambda: not entry(), 30, "the entry line cleared")
        subprocess.run(["tmux", "send-keys", "-t", session, "-l", "Decided over SSH: fail over to Groningen"], check=True)
        see(lambda: "Decided over SSH" in screen(), 30, "the text typed")
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        see(lambda: any("fail over to Groningen" in e["summary"] for e in events(site.home, "decision.logged")), 30, "the entry logged")
        see(lambda: "fail over to Groningen" in screen(), 30, "the entry on screen")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    entry = next(e for e in events(site.home, "decision.logged") if "fail over to Groningen" in e["summary"])
    assert entry["actor"] == site.coordinator and entry["incident"] == incident
    assert entry["origin"]["ssh_client"] == "127.0.0.1"
    assert entry["origin"]["terminal"] and entry["origin"]["terminal"].startswith("/dev/pts/")

    # The coordinators cannot sign; the monitor (the key's owner) witnesses their heads.
    newest = head(site.home)
    wait_for(lambda: witnessed(site.home) >= newest, timeout=20, what="the monitor to witness the coordinator's head")
    verified = run_cli("verify", home=site.home)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_observer_reads_but_is_refused_when_acting(site):
    status = site.run(site.observer, "status")
    assert status.returncode == 0, status.stderr
    before = len(events(site.home, "incident.opened"))
    refused = site.run(site.observer, "incident", "start", PLAYBOOK, "--drill")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.count("\n") == 1 and "observer cannot" in refused.stderr and site.observer in refused.stderr
    assert len(events(site.home, "incident.opened")) == before


def refusals(top: Path) -> list[tuple[str, str]]:
    """Lines the door refuses (exit 2), each with what its one-line message says."""
    pwned = top / "pwned"
    return [
        (f"status; touch {pwned}", "not allowed over SSH"),
        (f"status $(touch {pwned})", "Error"),  # one argument of status: click refuses it, nothing runs it
        (f"status `touch {pwned}` | tee {pwned}", "Error"),
        (f"backup {top / 'copy.db'}", "not allowed over SSH: it changes files"),
        (f"--db sqlite:///{top / 'other.db'} status", "option '--db' is not allowed"),
        (f"--home {top} status", "option '--home' is not allowed"),
        ("playbook new evil", "playbook 'new' is not allowed"),
        (f"export 1 --format md -o {pwned}", "writes a file on the war-room host"),
        (f"export 1 --format md --output={pwned}", "writes a file on the war-room host"),
        ("monitor", "not allowed over SSH"),
        ("sh -c id", "'sh' is not allowed"),
        ("status 'unclosed", "cannot be read"),
    ]


def test_the_door_lets_through_only_allowed_warroom_commands_and_never_a_shell(site):
    def by_people() -> int:  # the monitor fires ladders meanwhile; people's own events must not change
        return len(events(site.home, "incident.opened")) + len(events(site.home, "decision.logged"))

    before = by_people()
    for remote, words in refusals(site.top):
        result = site.run(site.coordinator, remote)
        assert result.returncode == 2, f"{remote!r}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        assert words in result.stderr, f"{remote!r}: {result.stderr}"
        assert "Traceback" not in result.stderr
    assert not (site.top / "pwned").exists() and not (site.top / "copy.db").exists()
    assert not (site.home / "playbooks" / "evil.toml").exists()
    assert by_people() == before

    no_terminal = site.run(site.coordinator)  # no command and no terminal: the board cannot open
    assert no_terminal.returncode == 2 and "needs a terminal" in no_terminal.stderr, no_terminal.stderr
    allowed = site.run(site.coordinator, "warroom playbook list")
    assert allowed.returncode == 0 and PLAYBOOK in allowed.stdout, allowed.stderr


def test_the_door_as_sshd_would_run_it_for_any_user(home, tmp_path):
    """The same door without sshd (any user, any machine): SSH_ORIGINAL_COMMAND as sshd sets it."""
    def door(line: str | None) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if k not in ("SSH_ORIGINAL_COMMAND", "WARROOM_HOME")}
        environment["WARROOM_HOME"] = str(home.root)
        if line is not None:
            environment["SSH_ORIGINAL_COMMAND"] = line
        return subprocess.run([sys.executable, "-m", "warroom.cli.ssh"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env=environment, stdin=subprocess.DEVNULL)

    for remote, words in refusals(tmp_path):
        result = door(remote)
        assert result.returncode == 2, f"{remote!r}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        assert words in result.stderr, f"{remote!r}: {result.stderr}"
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "copy.db").exists()
    assert not (home.root / "playbooks" / "evil.toml").exists()
    assert "needs a terminal" in door(None).stderr
    listed = door("warroom incident list --json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stderr
    helped = door("--help")
    assert helped.returncode == 0 and "Usage" in helped.stdout


def test_the_shipped_deployment_files_agree_with_each_other_and_the_package():
    """The unit, the sshd snippet and pyproject name the same home, account and commands."""
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read(ROOT / "warroom" / "examples" / "deploy" / "warroom-monitor.service")
    service = unit["Service"]
    assert service["User"] == "warroom-monitor" and service["Group"] == "warroom" and service["UMask"] == "0007"
    assert service["ExecStart"].split()[-1] == "monitor" and service["Environment"] == "WARROOM_HOME=/srv/warroom"
    assert service["ReadWritePaths"] == "/srv/warroom"
    snippet = SNIPPET.read_text()
    assert "SetEnv WARROOM_HOME=/srv/warroom" in snippet and "AcceptEnv COLORTERM LANG" in snippet
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["warroom-ssh"] == "warroom.cli.ssh:main"
    assert "ForceCommand /usr/local/bin/warroom-ssh" in snippet
