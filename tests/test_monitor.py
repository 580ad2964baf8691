"""The monitor as a real process against the real simulator: detection, status, one monitor at a time."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
import urllib.request
from datetime import UTC, datetime

import pytest

from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from warroom.clock import iso, parse_iso
from warroom.demo import demo_config
from warroom.services import library


@pytest.fixture
def sim_home(tmp_path, simulator, clock):
    from warroom.services import homes

    port = int(simulator.rsplit(":", 1)[1])
    return homes.create(tmp_path / "home", clock=clock, actor="alice", origin={}, config_text=demo_config(port, interval="1s"))


def set_mode(simulator: str, supplier: str, mode: str) -> dict:
    request = urllib.request.Request(f"{simulator}/_control/{supplier}", data=json.dumps({"mode": mode}).encode(), method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def state_of(home, supplier: str) -> str | None:
    result = run_cli("status", "--json", home=home.root)
    assert result.returncode == 0, result.stderr
    view = json.loads(result.stdout)
    return next(s for s in view["suppliers"] if s["id"] == supplier)["state"]


def lease_holder(home, db_path=None) -> str | None:
    """Who holds the unexpired monitor lease in the home's database (or another file)."""
    connection = sqlite3.connect(f"file:{db_path or home.db_path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT holder, expires_at FROM lease WHERE name = 'monitor'").fetchone()
    finally:
        connection.close()
    if row is None or row[1] <= iso(datetime.now(UTC)):
        return None
    return row[0]


def samples_between(home, start: str, end: str = "9999") -> dict[str, int]:
    """How many check rounds each supplier has recorded between two stored UTC instants."""
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT supplier_id, count(*) FROM health_sample WHERE at >= ? AND at <= ? GROUP BY supplier_id",
                                  (start, end)).fetchall()
    finally:
        connection.close()
    return dict(rows)


def events(home, kind: str) -> list[dict]:
    connection = sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT data FROM event WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    finally:
        connection.close()
    return [json.loads(r[0]) for r in rows]


def test_simulator_drives_a_real_monitor_down_and_back_up(sim_home, simulator, monitors):
    monitors(sim_home)
    wait_for(lambda: state_of(sim_home, "nlcloud") == "up", timeout=30, what="nlcloud up")
    set_mode(simulator, "nlcloud", "down")
    wait_for(lambda: state_of(sim_home, "nlcloud") == "down", timeout=30, what="nlcloud down")
    status = json.loads(run_cli("status", "--json", home=sim_home.root).stdout)
    benefits = next(s for s in status["services"] if s["id"] == "benefit-payments")
    assert benefits["state"] == "down" and benefits["through"][0]["supplier"] == "nlcloud"
    nlcloud = next(s for s in status["suppliers"] if s["id"] == "nlcloud")
    assert "status page says operational" in nlcloud["disagreement"]
    set_mode(simulator, "nlcloud", "up")
    wait_for(lambda: state_of(sim_home, "nlcloud") == "up", timeout=30, what="nlcloud up again")
    changes = [(e["from"], e["to"]) for e in events(sim_home, "supplier.state") if e["supplier"] == "nlcloud"]
    assert changes == [("unknown", "up"), ("up", "down"), ("down", "up")]
    assert run_cli("verify", home=sim_home.root).returncode == 0


def test_a_killed_monitor_is_replaced_within_15_seconds_and_no_round_is_recorded_twice(sim_home, monitors):
    first = monitors(sim_home)
    wait_for(lambda: lease_holder(sim_home) == f"{os.uname().nodename}:{first.proc.pid}", what="the first monitor to lead")
    second = monitors(sim_home)
    wait_for(lambda: second.said("standing by"), what="the second monitor to stand by")
    both_running = iso(datetime.now(UTC))
    wait_for(lambda: len(events(sim_home, "supplier.state")) >= 8, what="first rounds")
    suppliers = {s.id for s in library.config(sim_home).suppliers}

    def three_more_rounds() -> bool:  # both side by side for that long: the window measured
        counts = samples_between(sim_home, both_running)
        return set(counts) == suppliers and min(counts.values()) >= 3

    wait_for(three_more_rounds, what="three rounds of every supplier with both monitors running")
    overlap = (both_running, iso(datetime.now(UTC)))
    first.stop(signal.SIGKILL)
    killed = time.monotonic()
    wait_for(lambda: lease_holder(sim_home) == f"{os.uname().nodename}:{second.proc.pid}", timeout=20, what="takeover")
    assert time.monotonic() - killed < 15
    assert events(sim_home, "monitor.gap"), "the vacancy after kill -9 must be recorded as a gap"
    per_supplier = samples_between(sim_home, *overlap)
    seconds = (parse_iso(overlap[1]) - parse_iso(overlap[0])).total_seconds()
    assert per_supplier and max(per_supplier.values()) <= seconds + 2, f"rounds recorded twice: {per_supplier} in {seconds:.1f} s"


def test_a_stopped_monitor_hands_over_at_once(sim_home, monitors):
    first = monitors(sim_home)
    wait_for(lambda: lease_holder(sim_home) == f"{os.uname().nodename}:{first.proc.pid}", what="the first monitor to lead")
    second = monitors(sim_home)
    wait_for(lambda: second.said("standing by"), what="the second to stand by")
    first.stop(signal.SIGTERM)
    assert first.proc.returncode == 0
    stopped = time.monotonic()
    wait_for(lambda: lease_holder(sim_home) == f"{os.uname().nodename}:{second.proc.pid}", timeout=10, what="hand-over")
    assert time.monotonic() - stopped < 5


def test_check_once_prints_the_contract_fields_and_exits_0_when_suppliers_are_down(sim_home, simulator):
    set_mode(simulator, "paybank", "down")
    set_mode(simulator, "eidgate", "hang")
    result = run_cli("check", "--once", "--json", home=sim_home.root)
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"nlcloud", "casesaas", "paybank", "eidgate", "netlink", "mailco", "hyperscale", "caredata"}
    for row in rows.values():
        assert {"id", "state", "latency_ms", "detail", "checked_at"} <= set(row)
    assert (rows["paybank"]["state"], rows["paybank"]["detail"]) == ("down", "HTTP 503")
    assert (rows["eidgate"]["state"], rows["eidgate"]["detail"]) == ("down", "timeout after 3.0 s")
    assert rows["nlcloud"]["state"] == "up" and rows["nlcloud"]["latency_ms"] > 0
    assert run_cli("status", home=sim_home.root).returncode == 0  # check --once records nothing, status still reads


def test_simulator_control_api_refuses_a_bad_mode_and_lists_modes(simulator):
    set_mode(simulator, "acme", "flap")
    request = urllib.request.Request(f"{simulator}/_control/acme", data=b'{"mode": "exploded"}', method="PUT")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400 and "unknown mode 'exploded'" in refused.value.read().decode()
    with urllib.request.urlopen(f"{simulator}/_control", timeout=5) as response:
        assert json.loads(response.read())["acme"] == "flap"
    with urllib.request.urlopen(f"{simulator}/s/never-seen/health", timeout=5) as response:
        assert response.status == 200  # unknown ids start healthy


def test_health_commands_on_a_missing_home_exit_2(tmp_path):
    for args in (["check", "--once"], ["status"], ["monitor"]):
        result = run_cli(*args, home=tmp_path / "none")
        assert_clean_failure(result, 2)
        assert "no war-room home" in result.stderr


def test_simulate_on_a_port_in_use_fails_cleanly(simulator):
    port = simulator.rsplit(":", 1)[1]
    result = run_cli("simulate", "--port", port, timeout=30)
    assert_clean_failure(result, 1)
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr


def test_the_monitor_lowers_its_cpu_priority_and_says_so(sim_home, monitors):
    """On two cores a check round competes with the TUIs' key presses: the monitor gives way (nice 10
    by default, --nice to choose), and its log says at what priority it runs."""
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    monitor = monitors(sim_home)
    wait_for(lambda: monitor.said("running at nice"), what="the monitor to say its priority")
    assert os.getpriority(os.PRIO_PROCESS, monitor.proc.pid) == min(19, mine + 10)
    assert monitor.said(f"monitor: running at nice {min(19, mine + 10)}")
    # Its database threads keep the priority it started with: a transaction holds the writers' lock
    # every coordinator's write waits for, and must not be descheduled with the checks.
    threads = _thread_priorities(monitor.proc.pid)
    assert threads[monitor.proc.pid] == min(19, mine + 10)
    # Four database threads at least; a writer's queue waiter (store/queue.py) started by one of
    # them for a moment takes its priority too, rightly.
    assert sorted(threads.values()).count(mine) >= 4, threads
    kept = Process("--home", str(sim_home.root), "monitor", "--nice", "0")
    try:
        wait_for(lambda: kept.said("running at the priority it was started with"), what="the second monitor to say its priority")
        assert os.getpriority(os.PRIO_PROCESS, kept.proc.pid) == mine
    finally:
        kept.stop()


def _thread_priorities(pid: int) -> dict[int, int]:
    """Each thread of a process (by id) and its nice value (field 19 of /proc/PID/task/TID/stat)."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                found[int(tid)] = int(stat.read().rsplit(")", 1)[1].split()[16])
        except (FileNotFoundError, ProcessLookupError):  # a thread that ended since the listing (CI met one)
            continue
    return found


def test_keepers_leave_a_starved_monitor_alone_and_start_exactly_one_when_it_dies(sim_home, monitors):
    """A monitor stopped (SIGSTOP: alive, its lease going stale, as under CPU starvation) must not
    be joined by one per TUI; once it is dead, the keepers together start exactly one."""
    import threading
    from datetime import timedelta

    from warroom.monitor.keeper import GRACE, MonitorKeeper
    from warroom.services import lease

    host = os.uname().nodename
    store = sim_home.open_store()
    keepers = [MonitorKeeper(sim_home) for _ in range(5)]

    def renewed() -> datetime:
        with store.read() as session:
            return lease.current(session).renewed_at

    def stale() -> datetime:  # a moment at which the lease as it stands looks abandoned
        with store.read() as session:
            return lease.current(session).expires_at + GRACE + timedelta(seconds=1)

    def all_at_once() -> list[bool]:  # as a host's TUIs do, each on its own thread
        barrier, started = threading.Barrier(len(keepers)), []
        now = stale()

        def one(keeper):
            barrier.wait()
            started.append(keeper.ensure(store, now))

        threads = [threading.Thread(target=one, args=(k,)) for k in keepers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return started

    first = monitors(sim_home)
    stopped = []
    try:
        wait_for(lambda: lease_holder(sim_home) == f"{host}:{first.proc.pid}", what="the first monitor to lead")
        os.kill(first.proc.pid, signal.SIGSTOP)
        stopped.append(first.proc.pid)
        assert all_at_once() == [False] * 5, "a monitor was started beside a live (stopped) one"
        assert all(k.child is None for k in keepers)
        before = renewed()
        os.kill(first.proc.pid, signal.SIGCONT)
        stopped.remove(first.proc.pid)
        wait_for(lambda: renewed() > before, timeout=20, what="the continued monitor to renew its lease")
        assert lease_holder(sim_home) == f"{host}:{first.proc.pid}"

        first.stop(signal.SIGKILL)
        assert all_at_once().count(True) == 1, "not exactly one monitor started after the only one died"
        (keeper,) = [k for k in keepers if k.child is not None]
        child = keeper.child.pid
        wait_for(lambda: lease_holder(sim_home) == f"{host}:{child}", timeout=30, what="the new monitor to take the lease")
        # The one a keeper started is guarded the same way, from its first moment to its last.
        os.kill(child, signal.SIGSTOP)
        stopped.append(child)
        assert all_at_once() == [False] * 5
        before = renewed()
        os.kill(child, signal.SIGCONT)
        stopped.remove(child)
        wait_for(lambda: renewed() > before, timeout=20, what="the continued monitor to renew its lease")
        assert lease_holder(sim_home) == f"{host}:{child}", "another monitor took the lease from the stopped one"
        assert [k.child.pid for k in keepers if k.child is not None] == [child]
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        for keeper in keepers:
            keeper.stop()
        store.dispose()


def test_a_monitor_on_one_database_leaves_a_keeper_of_another_in_the_same_home_free_to_start_its_own(sim_home, monitors):
    """The monitor's life and start locks are the database's, not the home's: a monitor of the
    home's own file must not keep a TUI opened with --db on another file of the home monitorless."""
    from datetime import timedelta

    from warroom.home import Home
    from warroom.monitor.keeper import MonitorKeeper

    host = os.uname().nodename
    other = sim_home.root / "other.db"
    assert run_cli("backup", str(other), home=sim_home.root).returncode == 0
    service = monitors(sim_home)
    wait_for(lambda: lease_holder(sim_home) == f"{host}:{service.proc.pid}", what="the home's monitor to lead")
    elsewhere = Home(sim_home.root, f"sqlite:///{other}")
    store = elsewhere.open_store()
    keeper = MonitorKeeper(elsewhere)
    try:
        assert keeper.ensure(store, datetime.now(UTC) + timedelta(hours=1)), "no monitor started for the other database"
        child = keeper.child.pid
        wait_for(lambda: lease_holder(sim_home, other) == f"{host}:{child}", timeout=30, what="its monitor to lead in the other database")
        assert lease_holder(sim_home) == f"{host}:{service.proc.pid}"
        own = sim_home.open_store()
        try:  # the home's own database is still guarded by its own monitor's lock
            assert not MonitorKeeper(sim_home).ensure(own, datetime.now(UTC) + timedelta(hours=1)), "a second monitor beside the live one"
        finally:
            own.dispose()
    finally:
        keeper.stop()
        store.dispose()


def test_the_lease_is_as_long_as_asked_and_renewed_within_it(sim_home):
    """`--lease` sets how long a silent monitor's lease holds (how soon a standby takes over); it is
    renewed every third of it, so a short lease is never lost by a monitor that lives."""
    for bad in ("1", "nan"):
        refused = run_cli("monitor", "--lease", bad, home=sim_home.root)
        assert_clean_failure(refused, 2)
        assert "--lease" in refused.stderr
    monitor = Process("--home", str(sim_home.root), "monitor", "--lease", "3")
    try:
        wait_for(lambda: monitor.said("holding the lease"), timeout=60, what="the monitor to lead")

        def lease() -> tuple[str, float]:
            with sqlite3.connect(sim_home.root / "warroom.db") as db:
                renewed, expires = db.execute("SELECT renewed_at, expires_at FROM lease").fetchone()
            return renewed, (parse_iso(expires) - parse_iso(renewed)).total_seconds()

        first, held = lease()
        assert held == 3.0
        wait_for(lambda: lease()[0] != first, timeout=10, what="a renewal")
        assert not monitor.said("lost the lease"), "\n".join(monitor.lines)
    finally:
        monitor.stop()
