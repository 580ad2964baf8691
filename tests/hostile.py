"""Real socket servers on 127.0.0.1 that misbehave on purpose, one behaviour each."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Behaviour = Callable[[socket.socket, threading.Event], None]


class Server:
    """Accepts connections on a free loopback port and runs `behaviour` on each, in a thread."""

    def __init__(self, behaviour: Behaviour, tls: ssl.SSLContext | None = None):
        self.behaviour, self.tls = behaviour, tls
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(0.2)
            self.behaviour(conn, self.stop)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def url(self, path: str = "/health", scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def read_request(conn: socket.socket, stop: threading.Event) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and not stop.is_set():
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def wait_until_closed(conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            if conn.recv(1024) == b"":
                return
        except TimeoutError:
            continue


def respond(status: str, body: bytes = b"ok", headers: str = "", delay: float = 0) -> Behaviour:
    def behaviour(conn, stop):
        read_request(conn, stop)
        if delay:
            stop.wait(delay)
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}Connection: close\r\n\r\n".encode() + body)
    return behaviour


def never_answers(conn, stop):
    read_request(conn, stop)
    wait_until_closed(conn, stop)


def byte_a_second(conn, stop):
    read_request(conn, stop)
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        conn.sendall(bytes([byte]))
        if stop.wait(1.0):
            return


def endless_body(conn, stop):
    read_request(conn, stop)
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (4096, b"x" * 4096)
    while not stop.is_set():
        conn.sendall(chunk)


def redirect_loop(conn, stop):
    while not stop.is_set() and read_request(conn, stop):  # every request on a kept-alive connection
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /health\r\nContent-Length: 0\r\n\r\n")


def garbage(conn, stop):
    read_request(conn, stop)
    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage \x00\r\n\r\n")


def reset(conn, stop):
    read_request(conn, stop)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def free_port() -> int:
    """A port on which nothing listens (connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ── certificates ──────────────────────────────────────────────────────────────────────────────

def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(folder: Path):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name("warroom test CA")).issuer_name(_name("warroom test CA"))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, folder / "ca.pem"


def server_context(folder: Path, ca, *, host: str = "127.0.0.1", days_left: float = 200, name: str = "server") -> ssl.SSLContext:
    """A TLS server context with a certificate signed by `ca` (or self-signed when ca is None)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    ca_key, ca_cert = (ca[0], ca[1]) if ca else (key, None)
    try:
        alt = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    ends = now + dt.timedelta(days=days_left)
    cert = (
        x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca_cert.subject if ca_cert else _name(host))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(min(now, ends) - dt.timedelta(days=30)).not_valid_after(ends)
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / f"{name}.pem", folder / f"{name}.key")
    return context


def elapsed(func: Callable[[], object]) -> tuple[object, float]:
    began = time.monotonic()
    return func(), time.monotonic() - began
