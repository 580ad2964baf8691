"""`warroom doctor` (issue 15, items 4 and 5): one line a finding, exit 1 on any problem, through the
real CLI against real homes, a real monitor and the real simulator."""

from __future__ import annotations

import os
import signal
import sqlite3
import tomllib
from datetime import UTC, datetime, timedelta

import pytest
import tomli_w

from tests.conftest import run_cli, tmpfs, wait_for
from tests.test_monitor import lease_holder, set_mode, sim_home  # noqa: F401  (fixtures)
from warroom.clock import MovableClock, iso


def doctor(root, *args: str):
    result = run_cli("doctor", *args, home=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def lines(result, level: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(level)]


def one_line(result, level: str, *words: str) -> str:
    found = [line for line in lines(result, level) if all(word in line for word in words)]
    assert len(found) == 1, f"no single {level} line with {words}:\n{result.stdout}"
    return found[0]


def one_person(root) -> None:
    config = tomllib.loads((root / "warroom.toml").read_text())
    config.pop("people", None)
    (root / "warroom.toml").write_text(tomli_w.dumps(config))


def event_rows(db) -> list[tuple]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT seq, hash FROM event ORDER BY seq").fetchall()
    finally:
        connection.close()


def add_samples(db, supplier: str, ages: list[timedelta]) -> None:
    now = datetime.now(UTC)
    connection = sqlite3.connect(db)
    try:
        connection.executemany("INSERT INTO health_sample (supplier_id, at, state, latency_ms) VALUES (?, ?, 'up', 12.5)",
                               [(supplier, iso(now - age)) for age in ages])
        connection.commit()
    finally:
        connection.close()


def sample_count(db) -> int:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM health_sample").fetchone()[0]
    finally:
        connection.close()


# ── a healthy home, all of it checked ──────────────────────────────────────────────────────────

def test_a_healthy_home_with_its_monitor_running_has_one_ok_line_per_check(sim_home, simulator, monitors):  # noqa: F811
    monitor = monitors(sim_home)
    holder = f"{os.uname().nodename}:{monitor.proc.pid}"
    wait_for(lambda: lease_holder(sim_home) == holder, what="the monitor to lead")
    wait_for(lambda: sample_count(sim_home.db_path) >= 8, what="a first check round")
    result = doctor(sim_home.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not lines(result, "problem") and not lines(result, "warning"), result.stdout
    one_line(result, "ok", "warroom.toml and 7 playbooks are valid")
    one_line(result, "ok", f"monitor {holder} holds the lease")
    one_line(result, "ok", "clock is not behind the log")
    one_line(result, "ok", "latency samples, the oldest from", "kept for 7d", "events are never pruned")
    one_line(result, "ok", "times are shown in Europe/Amsterdam")
    one_line(result, "ok", "free on the home's file system")
    one_line(result, "ok", "all 8 suppliers with checks answered")
    one_line(result, "ok", f"the simulator at {simulator} answers")
    assert all(len(line) > 9 and line[:9].strip() in ("ok", "warning", "problem") for line in result.stdout.splitlines())

    offline = doctor(sim_home.root, "--offline")
    assert offline.returncode == 0 and "answer" not in offline.stdout, offline.stdout


def test_suppliers_and_a_simulator_that_do_not_answer_are_warnings_naming_them(sim_home, simulator):  # noqa: F811
    config = tomllib.loads(sim_home.config_path.read_text())
    config["settings"]["simulator"] = "http://127.0.0.1:1"
    for supplier in config["suppliers"]:
        if supplier["id"] == "paybank":
            for check in supplier["checks"]:
                check["url"] = "http://127.0.0.1:1/health"
    sim_home.config_path.write_text(tomli_w.dumps(config))
    set_mode(simulator, "nlcloud", "down")  # down but answering (HTTP 503): it is reachable
    result = doctor(sim_home.root)
    assert not lines(result, "problem"), result.stdout
    warning = one_line(result, "warning", "1 of 8 suppliers did not answer", "paybank (connection refused)")
    assert "nlcloud" not in warning
    one_line(result, "warning", "the simulator at http://127.0.0.1:1 does not answer", "warroom simulate")


def test_a_check_whose_ca_file_cannot_be_used_is_a_problem(sim_home, tmp_path):  # noqa: F811
    junk = tmp_path / "ca.pem"
    junk.write_text("no certificates here\n")
    config = tomllib.loads(sim_home.config_path.read_text())
    config["suppliers"][0]["checks"][0]["ca_file"] = str(junk)
    sim_home.config_path.write_text(tomli_w.dumps(config))
    result = doctor(sim_home.root)
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", f"a check of {config['suppliers'][0]['id']}: ca_file", "warroom.toml")


# ── config and playbooks ───────────────────────────────────────────────────────────────────────

def test_a_broken_playbook_is_a_problem_naming_its_file_and_line(home):
    path = home.root / "playbooks" / "cloud-hosting-outage.toml"
    path.write_text(path.read_text().replace('due = "10m"', 'due = "ten minutes"', 1))
    result = doctor(home.root, "--offline")
    assert result.returncode == 1, result.stdout
    problem = one_line(result, "problem", "playbooks/cloud-hosting-outage.toml:", "due", "ten minutes")
    assert "\n" not in problem


def test_an_invalid_config_is_a_problem_and_what_needs_it_is_not_checked(home):
    config = home.config_path.read_text().replace('timezone = "Europe/Amsterdam"', 'timezone = "Mars/Olympus"')
    home.config_path.write_text(config)
    result = doctor(home.root)
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", "warroom.toml:", "Mars/Olympus", "time zone")
    one_line(result, "warning", "must be valid first")
    assert "times are shown" not in result.stdout and "suppliers" not in result.stdout.replace("and suppliers were not", "")
    one_line(result, "ok", "free on the home's file system")  # what does not need the config is still checked


# ── the monitor's lease ────────────────────────────────────────────────────────────────────────

def test_no_monitor_is_a_warning_until_an_open_incident_waits_for_one(home):
    one_person(home.root)
    result = doctor(home.root, "--offline")
    assert result.returncode == 0, result.stdout
    one_line(result, "warning", "no monitor has run on this home yet", "warroom monitor")
    assert run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=home.root).returncode == 0
    result = doctor(home.root, "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", "no monitor has run on this home yet", "deadlines of open incidents wait for it")


def test_a_monitor_killed_with_its_lease_held_is_named_then_its_expiry(sim_home, monitors):  # noqa: F811
    one_person(sim_home.root)
    assert run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=sim_home.root).returncode == 0
    monitor = monitors(sim_home)
    holder = f"{os.uname().nodename}:{monitor.proc.pid}"
    wait_for(lambda: lease_holder(sim_home) == holder, what="the monitor to lead")
    monitor.stop(signal.SIGKILL)
    result = doctor(sim_home.root, "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", f"the lease is held by {holder}, but that process no longer runs on this host")

    wait_for(lambda: lease_holder(sim_home) is None, timeout=30, what="the lease to expire")
    result = doctor(sim_home.root, "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", f"no monitor is running (the last, {holder}, was last seen", "wait for it")


# ── the clock ──────────────────────────────────────────────────────────────────────────────────

def test_an_event_from_the_future_means_the_clock_moved_back(tmp_path):
    from warroom.services import homes

    ahead = MovableClock(datetime.now(UTC) + timedelta(hours=2))
    created = homes.create(tmp_path / "home", clock=ahead, actor="alice", origin={})
    result = doctor(created.root, "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", "the newest event (seq 1)", "ahead of this host's clock", "clock moved back")


# ── the witness ────────────────────────────────────────────────────────────────────────────────

def test_a_deleted_witness_log_is_a_problem_saying_what_follows(home):
    (home.root / "witness.log").unlink()
    result = doctor(home.root, "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", "witness.log is missing, but the log holds events up to seq 1", "restore it from a backup")


# ── housekeeping: sample retention, visible in doctor; pruning never touches events ───────────

def test_pruning_drops_only_old_samples_never_an_event_and_doctor_shows_retention(sim_home, monitors):  # noqa: F811
    one_person(sim_home.root)
    assert run_cli("incident", "start", "cloud-hosting-outage", "--drill", home=sim_home.root).returncode == 0
    add_samples(sim_home.db_path, "nlcloud", [timedelta(days=30), timedelta(days=9), timedelta(days=1), timedelta(minutes=5)])
    result = doctor(sim_home.root, "--offline")
    one_line(result, "warning", "4 latency samples, the oldest from", "older than [settings] history = 7d", "pruning has not run")

    before = event_rows(sim_home.db_path)
    monitor = monitors(sim_home)
    wait_for(lambda: monitor.said("pruned 2 latency samples older than 7d"), what="the leading monitor's first prune")
    monitor.stop()
    after = event_rows(sim_home.db_path)
    assert after[: len(before)] == before, "pruning changed or dropped an event"
    connection = sqlite3.connect(f"file:{sim_home.db_path}?mode=ro", uri=True)
    oldest = connection.execute("SELECT min(at) FROM health_sample").fetchone()[0]
    connection.close()
    assert oldest >= iso(datetime.now(UTC) - timedelta(days=7))
    assert run_cli("verify", home=sim_home.root).returncode == 0

    result = doctor(sim_home.root, "--offline")
    one_line(result, "ok", "latency samples, the oldest from", "kept for 7d ([settings] history)", "events are never pruned")


# ── disk space ─────────────────────────────────────────────────────────────────────────────────

@pytest.fixture
def small_filesystem(tmp_path):
    """A real 16 MiB tmpfs; skipped where none can be mounted."""
    with tmpfs(tmp_path / "small", "16m", "mounting a small tmpfs needs root (CI runs as root)") as where:
        yield where


def test_little_free_space_is_a_problem(small_filesystem):
    created = run_cli("init", str(small_filesystem / "home"))
    assert created.returncode == 0, created.stderr
    result = doctor(small_filesystem / "home", "--offline")
    assert result.returncode == 1, result.stdout
    one_line(result, "problem", "only", "MB free on the home's file system", "full disk")
