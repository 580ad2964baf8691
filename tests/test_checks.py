"""Each check against real misbehaving servers: classified right, finished within its deadline + 1 s."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests import hostile
from warroom.config import Check
from warroom.health import checks

DEADLINE = 2.0


def run(check: Check) -> tuple[checks.Result, float]:
    async def once():
        client = checks.make_client(10, check.ca_file)
        try:
            return await checks.run(check, client)
        finally:
            await client.aclose()

    return hostile.elapsed(lambda: asyncio.run(once()))


def http(url: str, **extra) -> Check:
    return Check(kind="http", url=url, timeout=f"{int(DEADLINE)}s", **extra)


@pytest.fixture
def server(request):
    servers = []

    def start(behaviour, tls=None):
        s = hostile.Server(behaviour, tls)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


@pytest.mark.parametrize("behaviour,state,detail", [
    (hostile.never_answers, "down", "timeout after 2.0 s"),
    (hostile.byte_a_second, "down", "timeout after 2.0 s"),
    (hostile.redirect_loop, "down", "redirect loop (more than 5 redirects)"),
    (hostile.garbage, "down", "not a valid HTTP response"),
    (hostile.reset, "down", None),
    (hostile.respond("503 Service Unavailable"), "down", "HTTP 503"),
    (hostile.respond("200 OK"), "up", "HTTP 200"),
    (hostile.endless_body, "up", "HTTP 200"),
], ids=["never-answers", "byte-a-second", "redirect-loop", "garbage", "reset", "http-503", "ok", "endless-body"])
def test_http_check_against_hostile_servers(server, behaviour, state, detail):
    s = server(behaviour)
    result, took = run(http(s.url()))
    assert result.state == state, result
    if detail:
        assert result.detail == detail
    else:
        assert result.detail in ("connection reset", "server closed the connection without a response", "connection broken while reading"), result
    assert took < DEADLINE + 1


def test_refused_port(server):
    result, took = run(http(f"http://127.0.0.1:{hostile.free_port()}/health"))
    assert (result.state, result.detail, result.cause) == ("down", "connection refused", "refused")
    assert took < DEADLINE + 1


def test_slow_answer_is_degraded_with_its_latency(server):
    s = server(hostile.respond("200 OK", delay=0.3))
    result, _ = run(http(s.url(), degraded_ms=100))
    assert result.state == "degraded" and result.detail.startswith("slow: ") and result.latency_ms >= 300


def test_expected_status(server):
    s = server(hostile.respond("204 No Content", body=b""))
    assert run(http(s.url(), expect_status=200))[0].detail == "HTTP 204"
    assert run(http(s.url(), expect_status=204))[0].state == "up"


@pytest.mark.parametrize("indicator,description,state", [
    ("none", "All Systems Operational", "up"),
    ("minor", "Minor Service Outage", "degraded"),
    ("major", "Partial System Outage", "down"),
    ("critical", "Major Service Outage", "down"),
    ("maintenance", "Service Under Maintenance", "maintenance"),
])
def test_statuspage_indicators(server, indicator, description, state):
    body = json.dumps({"page": {"id": "x"}, "status": {"indicator": indicator, "description": description}}).encode()
    s = server(hostile.respond("200 OK", body=body, headers="Content-Type: application/json\r\n"))
    result, _ = run(Check(kind="statuspage", url=s.url("/api/v2/status.json")))
    assert (result.state, result.detail) == (state, f"status page: {description}")


def test_statuspage_that_lies_with_garbage_is_unknown_not_down(server):
    s = server(hostile.respond("200 OK", body=b"<html>we are fine</html>"))
    result, _ = run(Check(kind="statuspage", url=s.url("/api/v2/status.json")))
    assert result.state == "unknown" and "unreadable" in result.detail


def test_tcp_open_and_refused(server):
    s = server(hostile.never_answers)
    assert run(Check(kind="tcp", url=f"tcp://127.0.0.1:{s.port}"))[0].state == "up"
    refused, took = run(Check(kind="tcp", url=f"tcp://127.0.0.1:{hostile.free_port()}", timeout="2s"))
    assert refused.detail == "connection refused" and took < DEADLINE + 1


def tls_check(port: int, ca_file=None, **extra) -> Check:
    return Check(kind="tls", url=f"tls://127.0.0.1:{port}", timeout="2s", ca_file=str(ca_file) if ca_file else None, **extra)


def test_tls_valid_expiring_expired_wrong_host_untrusted(server, tmp_path):
    ca = hostile.make_ca(tmp_path)
    ca_file = ca[2]
    good = server(hostile.never_answers, hostile.server_context(tmp_path, ca, days_left=200, name="good"))
    result, _ = run(tls_check(good.port, ca_file))
    assert result.state == "up" and "certificate valid 19" in result.detail

    soon = server(hostile.never_answers, hostile.server_context(tmp_path, ca, days_left=5.5, name="soon"))
    result, _ = run(tls_check(soon.port, ca_file))
    assert result.state == "degraded" and result.detail.startswith("certificate expires in 5 days")

    expired = server(hostile.never_answers, hostile.server_context(tmp_path, ca, days_left=-3, name="expired"))
    result, took = run(tls_check(expired.port, ca_file))
    assert result.state == "down" and result.detail.startswith("certificate expired 20") and took < DEADLINE + 1

    wrong = server(hostile.never_answers, hostile.server_context(tmp_path, ca, host="other.example", name="wrong"))
    result, _ = run(tls_check(wrong.port, ca_file))
    assert (result.state, result.detail) == ("down", "certificate is not valid for 127.0.0.1")

    untrusted = server(hostile.never_answers, hostile.server_context(tmp_path, None, name="self"))
    result, _ = run(tls_check(untrusted.port))
    assert result.state == "down" and result.detail.startswith("certificate not trusted: self")


def test_https_check_with_a_bad_certificate_says_so(server, tmp_path):
    s = server(hostile.respond("200 OK"), hostile.server_context(tmp_path, None, name="self"))
    result, took = run(http(s.url(scheme="https")))
    assert result.state == "down" and result.detail.startswith("TLS: ") and result.cause == "tls"
    assert took < DEADLINE + 1


def test_tls_handshake_that_never_completes_hits_the_deadline(server):
    s = server(hostile.never_answers)  # plain TCP: the TLS client hello is never answered
    result, took = run(tls_check(s.port))
    assert result.detail == "timeout after 2.0 s" and took < DEADLINE + 1


def test_proxy_settings_from_the_environment_are_honoured(server, monkeypatch):
    """A supplier reached only through the site's proxy: the check goes through HTTP_PROXY."""
    seen = []

    def proxy(conn, stop):
        seen.append(hostile.read_request(conn, stop))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    s = server(proxy)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{s.port}")
    monkeypatch.setenv("NO_PROXY", "")
    result, _ = run(http("http://supplier.invalid/health"))
    assert (result.state, result.detail) == ("up", "HTTP 200")
    assert seen and seen[0].startswith(b"GET http://supplier.invalid/health HTTP/1.1")


def test_a_ca_file_that_cannot_be_used_makes_the_check_unknown_never_a_hang(server, tmp_path):
    """ca_file is a path people wrote: a FIFO there hung the monitor; a bundle with a comment in
    another encoding still loads; a file with no certificate says so."""
    import os

    ca = hostile.make_ca(tmp_path)
    good = server(hostile.never_answers, hostile.server_context(tmp_path, ca, days_left=200, name="good"))
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes("# Zertifikatsbündel für die Prüfung\n".encode("latin-1") + ca[2].read_bytes())
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificates here\n")

    async def both(ca_file: str):
        clients = checks.Clients(4)
        try:
            return [await checks.run_with(check, clients) for check in (tls_check(good.port, ca_file), http(f"https://127.0.0.1:{good.port}/", ca_file=ca_file))]
        finally:
            await clients.aclose()

    results, _ = hostile.elapsed(lambda: asyncio.run(both(str(bundle))))
    assert results[0].state == "up"
    for ca_file, reason in ((fifo, "is a FIFO, not a regular file"), (empty, "holds no PEM certificate")):
        results, took = hostile.elapsed(lambda ca_file=ca_file: asyncio.run(both(str(ca_file))))
        assert took < DEADLINE + 1
        for result in results:
            assert result.state == "unknown" and result.cause == "config" and reason in result.detail, result
