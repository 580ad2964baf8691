"""A supplier can break only its own result (issue 9, adversarial findings B and J): whatever its
health URL or status page answers, `check --once` reports every other supplier, the monitor records
a result for it, and a failing job is said once, not every round. Real servers on 127.0.0.1, the
real CLI and a real monitor process."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading

import pytest
import tomli_w

from tests import hostile
from tests.conftest import Process, assert_clean_failure, run_cli, wait_for
from tests.test_monitor import events, samples_between


class Counting:
    """A server that answers every request with `behaviour` and counts the requests."""

    def __init__(self, behaviour: hostile.Behaviour):
        self.requests = 0
        lock = threading.Lock()

        def counted(conn, stop):
            with lock:
                self.requests += 1
            behaviour(conn, stop)

        self.server = hostile.Server(counted)

    def url(self, path: str = "/health") -> str:
        return self.server.url(path)


@pytest.fixture
def servers():
    started: list[Counting] = []

    def start(behaviour: hostile.Behaviour) -> Counting:
        server = Counting(behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.server.close()


def status_page(body: bytes) -> hostile.Behaviour:
    return hostile.respond("200 OK", body=body, headers="Content-Type: application/json\r\n")


def redirect(location: bytes) -> hostile.Behaviour:
    def behaviour(conn, stop):
        hostile.read_request(conn, stop)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    return behaviour


HOSTILE = {  # supplier id → what its one check is answered
    "indicator-list": ("statuspage", status_page(b'{"status": {"indicator": [], "description": "x"}}')),
    "indicator-dict": ("statuspage", status_page(b'{"status": {"indicator": {}, "description": "x"}}')),
    "deep-nesting": ("statuspage", status_page(b"[" * 32_000)),
    "lone-surrogate": ("statuspage", status_page(b'{"status": {"indicator": "major", "description": "\\ud800 lone"}}')),
    "redirect-bad-port": ("http", redirect(b"http://127.0.0.1:99999/")),
    "redirect-bidi-host": ("http", redirect("http://\u202e.example/".encode())),
}


def toml_string(value: str) -> str:
    """A TOML basic string spelling every unprintable character as an escape, as an author would."""
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08X}" for c in value) + '"'


def write_config(home, suppliers: list[dict], **settings) -> None:
    """The home's warroom.toml with just these suppliers, and no playbooks (they name others)."""
    config = {"settings": {"interval": "1s", "confirm": 1, **settings}, "suppliers": suppliers}
    home.config_path.write_text(tomli_w.dumps(config))
    for playbook in home.playbooks_dir.glob("*.toml"):
        playbook.unlink()


def hostile_home(home, servers) -> dict[str, str]:
    good = servers(hostile.respond("200 OK"))
    suppliers = [{"id": "good", "name": "Good", "checks": [{"kind": "http", "url": good.url(), "timeout": "3s"}]}]
    for supplier_id, (kind, behaviour) in HOSTILE.items():
        server = servers(behaviour)
        suppliers.append({"id": supplier_id, "name": supplier_id, "checks": [{"kind": kind, "url": server.url(), "timeout": "3s"}]})
    write_config(home, suppliers)
    return {s["id"]: s["checks"][0]["url"] for s in suppliers}


def test_check_once_reports_every_supplier_whatever_one_answers(home, servers):
    hostile_home(home, servers)
    result = run_cli("check", "--once", "--json", home=home.root)
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"good", *HOSTILE}
    assert rows["good"]["state"] == "up"
    for supplier_id in ("indicator-list", "indicator-dict", "deep-nesting"):
        assert (rows[supplier_id]["state"], rows[supplier_id]["detail"]) == ("unknown", "status page: unreadable (not Statuspage JSON)")
    assert (rows["lone-surrogate"]["state"], rows["lone-surrogate"]["detail"]) == ("down", "status page: \ufffd lone")
    for supplier_id in ("redirect-bad-port", "redirect-bidi-host"):
        assert rows[supplier_id]["state"] == "down" and len(rows[supplier_id]["detail"]) <= 200, rows[supplier_id]
    text = run_cli("check", "--once", home=home.root)  # the human table too
    assert text.returncode == 0 and "Traceback" not in text.stderr, text.stderr
    assert len(text.stdout.splitlines()) == len(rows)


def test_the_monitor_records_a_result_for_every_hostile_supplier(home, servers):
    hostile_home(home, servers)
    monitor = Process("--home", str(home.root), "monitor")
    try:
        wait_for(lambda: set(samples_between(home, "0")) == {"good", *HOSTILE}, timeout=30, what="a round of every supplier")
        changes = {e["supplier"]: e for e in events(home, "supplier.state")}
        assert changes["lone-surrogate"]["detail"] == "status page: \ufffd lone"
        assert not monitor.said("error in"), monitor.lines
    finally:
        monitor.stop()
    assert monitor.proc.returncode == 0
    assert run_cli("verify", home=home.root).returncode == 0


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:99999/health", "port must be a number from 1 to 65535"),
    ("tcp://127.0.0.1:0", "port must be a number from 1 to 65535"),
    ("https://\u202e.example/api/v2/status.json", "U+202E at character 9"),
    ("http://exa\u0007mple/health", "U+0007"),
    ("http://health.example/\u200bpath", "U+200B"),
    ("http://a..b/health", "is not a host name that can be looked up"),
    ("http://\U0001f600.example/health", "is not a host name that can be looked up"),
    ("http://999.1.1.1/health", "is not an IPv4 address"),
], ids=["port-99999", "port-0", "bidi", "bell", "zero-width", "empty-label", "emoji-host", "bad-ipv4"])
def test_a_check_url_no_request_could_use_is_a_file_line_problem(home, url, expected):
    kind = "tcp" if url.startswith("tcp") else "http"
    home.config_path.write_text(f'[[suppliers]]\nid = "acme"\nname = "Acme"\n\n[[suppliers.checks]]\nkind = "{kind}"\nurl = {toml_string(url)}\n')
    line = 7
    for playbook in home.playbooks_dir.glob("*.toml"):
        playbook.unlink()
    for args in (["playbook", "validate"], ["check", "--once"], ["status"]):
        result = run_cli(*args, home=home.root)
        assert_clean_failure(result, 2)
        assert f"warroom.toml:{line}: suppliers[0].checks[0].url: " in result.stderr and expected in result.stderr, result.stderr


def test_a_failing_job_is_said_once_and_the_monitor_stops_in_one_line(home, servers):
    """Every round of two suppliers fails to be recorded (a trigger planted in the database), and a
    third supplier's check hangs, so a job is under way when SIGTERM comes."""
    a, b, hangs = servers(hostile.respond("200 OK")), servers(hostile.respond("200 OK")), servers(hostile.never_answers)
    write_config(home, [
        {"id": "a", "name": "A", "checks": [{"kind": "http", "url": a.url()}]},
        {"id": "b", "name": "B", "checks": [{"kind": "http", "url": b.url()}]},
        {"id": "hangs", "name": "Hangs", "checks": [{"kind": "http", "url": hangs.url(), "timeout": "1h"}]},
    ])
    connection = sqlite3.connect(home.db_path)
    connection.execute("CREATE TRIGGER refuse_samples BEFORE INSERT ON health_sample BEGIN SELECT RAISE(ABORT, 'planted failure'); END")
    connection.commit()
    connection.close()
    monitor = Process("--home", str(home.root), "monitor")
    try:
        wait_for(lambda: a.requests >= 4 and b.requests >= 4 and hangs.requests >= 1, timeout=30, what="four failing rounds")
    finally:
        monitor.stop(signal.SIGTERM)
    output = "\n".join(monitor.lines)
    assert monitor.proc.returncode == 0, output
    assert "Traceback" not in output and "CancelledError" not in output, output
    for job in ("check:a", "check:b"):
        said = [line for line in monitor.lines if line.startswith(f"error in {job}:")]
        assert len(said) == 1 and "planted failure" in said[0], output
    assert monitor.lines[-1].endswith(": stopped"), output
    assert len(monitor.lines) <= 6, output
