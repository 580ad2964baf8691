"""Health checks (httpx and asyncio), each under one hard deadline that no server can stretch.

httpx's own timeouts are per operation: a server that sends one byte a second never trips a read
timeout. So every check runs inside `asyncio.timeout(check.timeout)`, bodies are read only up to a
small cap, and every failure becomes a short human detail ("timeout after 5.0 s", "HTTP 503",
"certificate expired 2026-11-01") rather than an exception."""

from __future__ import annotations

import asyncio
import errno
import json
import re
import ssl
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from warroom import files, text
from warroom.config import Check
from warroom.errors import InvalidFile
from warroom.health.states import Result

BODY_CAP = 64 * 1024  # enough for any status.json; an endless body is cut here
CA_FILE_CAP = 4_000_000  # a whole system bundle is about 250 KB
MAX_REDIRECTS = 5
DETAIL_CAP = 200  # characters of a result's detail: a reason, not a copy of what a server sent


_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")


class UntrustedStore(ValueError):
    """A check's ca_file cannot be used: our configuration's fault, not the supplier's."""


_TRUST: dict[str, ssl.SSLContext | UntrustedStore] = {}


def trust_store(ca_file: str | None) -> ssl.SSLContext:
    """The certificates a check trusts: the system's, or those in `ca_file`, loaded once per
    process (a changed file is read again when the monitor restarts). Raises UntrustedStore, as
    often as asked, for a file that cannot be used."""
    if ca_file is None:
        return ssl.create_default_context()
    if ca_file not in _TRUST:
        try:
            _TRUST[ca_file] = _load_trust(ca_file)
        except UntrustedStore as exc:
            _TRUST[ca_file] = exc
    outcome = _TRUST[ca_file]
    if isinstance(outcome, UntrustedStore):
        raise UntrustedStore(str(outcome))
    return outcome


def preload(ca_files: set[str | None]) -> None:
    """Load every trust store up front, off the event loop (a file on a hung mount blocks its
    reader for seconds): afterwards checks only look them up."""
    for ca_file in ca_files:
        try:
            trust_store(ca_file)
        except UntrustedStore:
            pass  # each check of it says why, as its result


def _load_trust(ca_file: str) -> ssl.SSLContext:
    """The file is read like any file people name (a regular file, capped, never blocking on a
    FIFO), and only its PEM certificates are handed to OpenSSL (a comment in another encoding is
    not its business)."""
    try:
        data = files.read_bytes(Path(ca_file), files.name_of(ca_file), limit=CA_FILE_CAP, what="a CA file")
    except InvalidFile as exc:
        raise UntrustedStore(str(exc)) from None
    certificates = _PEM.findall(data)
    if not certificates:
        raise UntrustedStore(f"{files.name_of(ca_file)} holds no PEM certificate")
    try:
        return ssl.create_default_context(cadata="\n".join(c.decode("ascii") for c in certificates))
    except ssl.SSLError as exc:
        raise UntrustedStore(f"{files.name_of(ca_file)}: not a usable certificate ({exc.reason or exc})") from None


def make_client(concurrency: int = 100, ca_file: str | None = None) -> httpx.AsyncClient:
    """The one shared client: bounded connections, proxies from the environment, capped redirects.

    Every check opens a fresh connection (no keep-alive). A reused connection would hide a failing
    connect or DNS from the probe, and a supplier's load balancer closing an idle connection just as
    it is reused would look like an outage. Measured against uvicorn, keep-alive also stalled ~3 %
    of 1,000 concurrent checks for 5 s; fresh connections finished the round in a quarter of the time."""
    verify: ssl.SSLContext | bool = trust_store(ca_file) if ca_file else True
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=0),
        timeout=httpx.Timeout(None),  # the overall asyncio deadline is the only one that counts
        max_redirects=MAX_REDIRECTS,
        follow_redirects=True,
        trust_env=True,
        verify=verify,
        headers={"User-Agent": "warroom-health-check"},
    )


class Clients:
    """One shared httpx client per trust store (nearly always just the default one)."""

    def __init__(self, concurrency: int = 100):
        self.concurrency = concurrency
        self._clients: dict[str | None, httpx.AsyncClient] = {}

    def for_check(self, check: Check) -> httpx.AsyncClient:
        return self.trusting(check.ca_file)

    def trusting(self, ca_file: str | None = None) -> httpx.AsyncClient:
        """The client for one trust store; without a ca_file, the system's (webhooks use this one)."""
        if ca_file not in self._clients:
            self._clients[ca_file] = make_client(self.concurrency, ca_file)
        return self._clients[ca_file]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


async def run_with(check: Check, clients: Clients) -> Result:
    """Run one check with the client for its trust store; a ca_file that cannot be used makes the
    check's state unknown (we cannot tell), never down (the supplier did nothing wrong)."""
    try:
        client = clients.for_check(check)
    except UntrustedStore as exc:
        return Result(check.kind, "unknown", None, f"ca_file: {exc}", "config")
    return await run(check, client)


async def run(check: Check, client: httpx.AsyncClient) -> Result:
    """Run one check to completion or to its deadline, whichever comes first; never raises.
    Whatever a server or its answer provokes is this check's result, never the end of a round
    that other suppliers share."""
    limit = check.timeout.total_seconds()
    began = time.perf_counter()
    try:
        async with asyncio.timeout(limit):
            result = await _RUNNERS[check.kind](check, client, began)
    except Exception as exc:  # see the docstring
        result = _failed(check, limit, exc)
    return replace(result, detail=text.valid(result.detail)[:DETAIL_CAP])


# Failures of the conversation with the supplier: it is down as far as we can tell. A redirect to
# a port of 99999 ends in OverflowError inside an ExceptionGroup, to a host that is no host name
# in InvalidURL.
_UNREACHABLE = (httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError, ValueError, OverflowError)


def _failed(check: Check, limit: float, exc: BaseException) -> Result:
    exc = _leaf(exc)
    if isinstance(exc, TimeoutError):
        return Result(check.kind, "down", None, f"timeout after {limit:.1f} s", "timeout")
    if isinstance(exc, httpx.TooManyRedirects):
        return Result(check.kind, "down", None, f"redirect loop (more than {MAX_REDIRECTS} redirects)", "redirects")
    detail, cause = describe(exc)
    if isinstance(exc, _UNREACHABLE):
        return Result(check.kind, "down", None, detail, cause)
    return Result(check.kind, "unknown", None, f"check failed: {detail}", "error")  # we cannot tell


def _leaf(exc: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups, which say nothing themselves."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe(exc: BaseException) -> tuple[str, str]:
    """A failure in a few words a coordinator understands, and its cause code."""
    exc = _leaf(exc)
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"TLS: {item.verify_message or item.reason}", "tls"
        if isinstance(item, ssl.SSLError):
            return f"TLS: {item.reason or item}", "tls"
    said = " ".join(str(item) for item in chain).lower()
    codes = {getattr(item, "errno", None) for item in chain}
    if errno.ECONNREFUSED in codes or "connection refused" in said or "connect call failed" in said:
        return "connection refused", "refused"
    if errno.ECONNRESET in codes or "reset by peer" in said:
        return "connection reset", "reset"
    if "name or service not known" in said or "nodename nor servname" in said or "temporary failure in name resolution" in said:
        return "DNS: host not found", "dns"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.LocalProtocolError)):
        if "without sending" in said or "disconnected" in said or "closed" in said:
            return "server closed the connection without a response", "protocol"
        return "not a valid HTTP response", "protocol"
    if isinstance(exc, httpx.ReadError):
        return "connection broken while reading", "reset"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, OverflowError)):  # after a redirect: our URLs are checked
        return f"unusable address: {str(exc)[:100]}", "address"
    return (str(exc) or type(exc).__name__)[:120], "error"


async def _read_capped(response: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) >= BODY_CAP:
            break
    return bytes(body[:BODY_CAP])


def _elapsed_ms(began: float) -> float:
    return round((time.perf_counter() - began) * 1000, 1)


def _slow(check: Check, latency_ms: float) -> bool:
    return check.degraded_ms is not None and latency_ms > check.degraded_ms


async def _http(check: Check, client: httpx.AsyncClient, began: float) -> Result:
    async with client.stream("GET", check.url) as response:
        await _read_capped(response)
    latency = _elapsed_ms(began)
    status = response.status_code
    good = status == check.expect_status if check.expect_status else 200 <= status < 300
    if not good:
        return Result("http", "down", latency, f"HTTP {status}", "http-status")
    if _slow(check, latency):
        return Result("http", "degraded", latency, f"slow: {latency:,.0f} ms", "slow")
    return Result("http", "up", latency, f"HTTP {status}", "ok")


_INDICATORS = {"none": "up", "minor": "degraded", "major": "down", "critical": "down", "maintenance": "maintenance"}


async def _statuspage(check: Check, client: httpx.AsyncClient, began: float) -> Result:
    async with client.stream("GET", check.url) as response:
        body = await _read_capped(response)
    latency = _elapsed_ms(began)
    if response.status_code != 200:
        return Result("statuspage", "unknown", latency, f"status page: HTTP {response.status_code}", "statuspage")
    found = _read_status(body)
    if found is None:
        return Result("statuspage", "unknown", latency, "status page: unreadable (not Statuspage JSON)", "statuspage")
    indicator, description = found
    state = _INDICATORS.get(indicator, "unknown")
    return Result("statuspage", state, latency, f"status page: {description or indicator[:40]}", "statuspage")


def _read_status(body: bytes) -> tuple[str, str] | None:
    """(indicator, description) of a Statuspage status.json, or None for anything else: the page
    is the supplier's to write, so any shape, nesting or number may come back."""
    try:
        status = json.loads(body)["status"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):  # RecursionError: [[[[…
        return None
    if not isinstance(status, dict) or not isinstance(status.get("indicator"), str):
        return None
    description = status.get("description")
    return status["indicator"], text.valid(description)[:120] if isinstance(description, str) else ""


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or 443


async def _tcp(check: Check, client: httpx.AsyncClient, began: float) -> Result:
    host, port = _host_port(check.url)
    _, writer = await asyncio.open_connection(host, port)
    latency = _elapsed_ms(began)
    writer.close()
    if _slow(check, latency):
        return Result("tcp", "degraded", latency, f"slow connect: {latency:,.0f} ms", "slow")
    return Result("tcp", "up", latency, f"port {port} open", "ok")


async def _certificate_expiry(host: str, port: int) -> datetime | None:
    """The server certificate's end date, read without trusting it (only to say *when* it expired)."""
    from cryptography import x509

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return x509.load_der_x509_certificate(der).not_valid_after_utc if der else None


async def _tls(check: Check, client: httpx.AsyncClient, began: float) -> Result:
    host, port = _host_port(check.url)
    try:
        _, writer = await asyncio.open_connection(host, port, ssl=trust_store(check.ca_file), server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or str(exc.reason)
        if "expired" in reason:
            ends = await _certificate_expiry(host, port)
            return Result("tls", "down", None, f"certificate expired {ends:%Y-%m-%d}" if ends else "certificate expired", "tls", not_after=ends)
        if "hostname" in reason.lower() or "ip address mismatch" in reason.lower():
            return Result("tls", "down", None, f"certificate is not valid for {host}", "tls")
        return Result("tls", "down", None, f"certificate not trusted: {reason}", "tls")
    latency = _elapsed_ms(began)
    try:
        cert = writer.get_extra_info("ssl_object").getpeercert()
    finally:
        writer.close()
    ends = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    days = (ends - datetime.now(UTC)).days
    if days < check.warn_days:
        return Result("tls", "degraded", latency, f"certificate expires in {days} days ({ends:%Y-%m-%d})", "tls-expiring", not_after=ends)
    return Result("tls", "up", latency, f"certificate valid {days} more days", "ok", not_after=ends)


_RUNNERS = {"http": _http, "statuspage": _statuspage, "tcp": _tcp, "tls": _tls}
