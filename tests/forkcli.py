"""`warroom` CLI calls for the tests, each a real process of its own, forked from one that has
imported warroom once: the suite makes about a thousand CLI calls, and each fresh interpreter spent
most of its CPU (0.6 of 0.8 s, measured with process accounting) importing SQLAlchemy, SQLModel and
warroom before doing anything, on the two cores CI has for all of it.

The child is what `python -m warroom ARGS` would be: its own process and exit status, the test's
environment, working folder and umask, its standard input /dev/null and its output in pipes of its
own, the module run as `__main__` by runpy as `-m` runs it, and the interpreter's own exit (its
error printing, atexit, finalisation) when it ends. What a fresh interpreter settles at start-up
from the environment (the locale and text encoding of its standard streams, PYTHON* settings) is
the server's: a call whose environment differs there runs as a fresh interpreter instead
(`run_cli` falls back to subprocess.run), and so does every call where the server cannot start.
Tests of what a command imports start interpreters of their own and never come here. One
difference stays: every call forked from one server has its hash seed (a fresh interpreter draws
its own), so a comparison of two calls' outputs would not see output that follows set order;
`WARROOM_TESTS_FRESH_CLI=1` runs every call fresh.

    python -m tests.forkcli SOCKET   # the server; `call` starts one per test process, on first use
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRELOAD = ("warroom.cli", "warroom.services.incidents", "warroom.services.health", "warroom.services.exports", "warroom.services.homes",
           "warroom.services.review", "warroom.services.drills", "warroom.services.reporting", "warroom.store.models",
           "warroom.store.eventlog", "warroom.witness", "sqlalchemy.dialects.sqlite")
_SETTLED_AT_START = ("LANG",)  # besides every LC_* and PYTHON* variable
_HEADER = struct.Struct("!I")
_STATUS = struct.Struct("!i")


def _settled(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k in _SETTLED_AT_START or k.startswith(("LC_", "PYTHON"))}


# ── the server ─────────────────────────────────────────────────────────────────────────────────

def serve(path: str) -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".binding")
    listener.listen(64)
    os.rename(path + ".binding", path)  # the path appears once a caller can connect
    threading.Thread(target=_end_with_the_tests, daemon=True).start()
    while True:
        connection, _ = listener.accept()
        try:
            request, fds = _receive(connection)
        except (OSError, ValueError, struct.error):  # a caller gone before it asked: the next is served
            connection.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # no process to be had now: the caller finds the connection closed
            for fd in fds:
                os.close(fd)
            connection.close()
            continue
        if pid == 0:
            listener.close()
            connection.close()
            _become(request, fds)  # ends as the CLI's process ends: SystemExit or an error, out through this frame
        _children.add(pid)
        for fd in fds:
            os.close(fd)
        try:
            connection.sendall(_STATUS.pack(pid))
        except OSError:  # the caller left: the child is still reaped
            pass
        threading.Thread(target=_reap, args=(pid, connection), daemon=True).start()


_children: set[int] = set()  # forked and not yet reaped


def _end_with_the_tests() -> None:
    """Standard input is a pipe from the test process: at its end, that process is gone, and so
    is anyone waiting for the calls still running: they are ended."""
    while os.read(0, 4096):
        pass
    for pid in list(_children):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    size = _HEADER.unpack_from(data)[0]
    body = data[_HEADER.size:]
    while len(body) < size:
        more = connection.recv(size - len(body))
        if not more:
            raise ConnectionError("the request ended early")
        body += more
    return json.loads(body), list(fds)


def _become(request: dict, fds: list[int]) -> None:
    """The child: `python -m warroom ARGS` from here on."""
    import runpy

    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.umask(request["umask"])
    os.chdir(request["cwd"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = ["-m", *request["args"]]
    runpy.run_module("warroom", run_name="__main__", alter_sys=True)
    raise SystemExit(0)


def _reap(pid: int, connection: socket.socket) -> None:
    _, status = os.waitpid(pid, 0)
    _children.discard(pid)
    try:
        connection.sendall(_STATUS.pack(os.waitstatus_to_exitcode(status)))
    except OSError:  # the test gave up on it (a timeout)
        pass
    connection.close()


# ── the tests' side ────────────────────────────────────────────────────────────────────────────

class _Server:
    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="warroom-forkcli-")
        self.path = os.path.join(self.folder, "socket")
        self.env = dict(os.environ)
        self.log = open(os.path.join(self.folder, "log"), "wb")  # noqa: SIM115  # open while the server lives
        # Its standard streams are pipes, as a CLI child's are under subprocess.run: the children
        # take over its stream objects, made at its start for what fds 1 and 2 were then (a pipe is
        # not seekable, a file is, and a TextIOWrapper remembers which).
        self.process = subprocess.Popen([sys.executable, "-m", "tests.forkcli", self.path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, cwd=ROOT, env=self.env, start_new_session=True)
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        atexit.register(self.stop)

    def _drain(self) -> None:
        assert self.process.stdout is not None
        while data := self.process.stdout.read1(65536):
            self.log.write(data)

    def ready(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if os.path.exists(self.path):
                return True
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        """The server goes, and the calls still running with it (their caller is going)."""
        assert self.process.stdin is not None
        self.process.stdin.close()  # its end: it ends what it forked, then itself
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.drain.join(5)
        self.log.close()
        for name in ("socket", "socket.binding", "log"):
            try:
                os.unlink(os.path.join(self.folder, name))
            except OSError:
                pass
        os.rmdir(self.folder)


_server: _Server | None = None
_server_failed = False  # it could not start: every call of this test process runs fresh, none waits for it again
_server_lock = threading.Lock()
_umask_lock = threading.Lock()


def _umask() -> int:
    """The caller's umask, read without setting it where Linux says it (/proc/self/status)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    with _umask_lock:  # reading it by setting it: two threads at once would keep the wrong one
        umask = os.umask(0o022)
        os.umask(umask)
    return umask


def _started() -> _Server | None:
    global _server, _server_failed
    with _server_lock:
        if _server_failed:
            return None
        if _server is None or _server.process.poll() is not None:
            _server = _Server()
            if not _server.ready(time.monotonic() + 60):
                _server.stop()
                _server, _server_failed = None, True
        return _server


def call(command: list[str], env: dict[str, str], timeout: float, *, text: bool = True, cwd: str | os.PathLike | None = None
         ) -> subprocess.CompletedProcess | None:
    """`command` (`sys.executable -m warroom ARGS`) as subprocess.run(…, capture_output=True,
    text=text, cwd=cwd) runs it; None where a fresh interpreter must: the caller runs it so."""
    if command[:3] != [sys.executable, "-m", "warroom"] or os.environ.get("WARROOM_TESTS_FRESH_CLI"):
        return None
    server = _started()
    if server is None or _settled(env) != _settled(server.env):
        return None
    umask = _umask()
    payload = json.dumps({"args": command[3:], "env": env, "cwd": os.fspath(cwd) if cwd is not None else os.getcwd(), "umask": umask}).encode()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    nothing = os.open(os.devnull, os.O_RDONLY)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(server.path)
        socket.send_fds(connection, [_HEADER.pack(len(payload)) + payload], [nothing, out_w, err_w])
    except OSError:  # the server went meanwhile: this call runs fresh
        for fd in (out_r, err_r):
            os.close(fd)
        connection.close()
        return None
    finally:
        for fd in (nothing, out_w, err_w):
            os.close(fd)
    deadline = time.monotonic() + timeout
    pid = None
    try:
        pid = _STATUS.unpack(_exactly(connection, _STATUS.size, deadline))[0]
        output = _read_both(out_r, err_r, deadline)
        if output is None:
            raise TimeoutError
        code = _STATUS.unpack(_exactly(connection, _STATUS.size, deadline))[0]
    except BaseException as exc:  # as subprocess.run: whatever ends the wait (its timeout, pytest's, ^C) ends the child
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if isinstance(exc, TimeoutError):
            raise subprocess.TimeoutExpired(command, timeout) from None
        raise
    finally:
        connection.close()
        os.close(out_r)
        os.close(err_r)
    if not text:
        return subprocess.CompletedProcess(command, code, output[0], output[1])
    return subprocess.CompletedProcess(command, code, _text(output[0]), _text(output[1]))


def _exactly(connection: socket.socket, size: int, deadline: float) -> bytes:
    data = b""
    while len(data) < size:
        connection.settimeout(max(0.001, deadline - time.monotonic()))
        more = connection.recv(size - len(data))  # TimeoutError at the deadline
        if not more:
            raise ConnectionError("the CLI's server went away")
        data += more
    return data


def _read_both(out_r: int, err_r: int, deadline: float) -> tuple[bytes, bytes] | None:
    """Both pipes to their end (the child and whatever it started have closed them); None at the deadline."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    with selectors.DefaultSelector() as selector:
        for fd in chunks:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            for key, _ in selector.select(left):
                data = os.read(key.fd, 65536)
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
    return b"".join(chunks[out_r]), b"".join(chunks[err_r])


def _text(data: bytes) -> str:
    """As subprocess.run(text=True) decodes: the locale's encoding, universal newlines."""
    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
