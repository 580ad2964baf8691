"""A program on a real pseudo-terminal, for the TUI tests and benchmarks: every byte it writes is
kept with the time it arrived, so a benchmark can count bytes over a window or time a key press
to the first repaint that answers it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import threading
import time
from collections.abc import Callable


class Terminal:
    def __init__(self, command: list[str], *, env: dict[str, str], columns: int = 120, lines: int = 40):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: sizes its terminal before the program can ask, then becomes it
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
            os.environ.update(env)
            os.execvp(command[0], command)
        self.started = time.perf_counter()
        self.chunks: list[tuple[float, bytes]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                data = os.read(self.fd, 65536) if ready else None
            except (OSError, ValueError):  # the program ended, or a test hung the terminal up
                return
            if data is None:
                continue
            if not data:
                return
            with self._arrived:
                self.chunks.append((time.perf_counter(), data))
                self._arrived.notify_all()

    def send(self, keys: bytes) -> float:
        at = time.perf_counter()
        os.write(self.fd, keys)
        return at

    def wait_for(self, marker: bytes | re.Pattern[bytes] | Callable[[bytes], object], *, after: float = 0.0, timeout: float = 60) -> float:
        """The arrival time of the first output after `after` whose text (joined across chunks)
        contains `marker`, matches it (a compiled pattern), or satisfies it (a function of that text)."""
        if isinstance(marker, bytes):
            holds: Callable[[bytes], object] = lambda text: marker in text  # noqa: E731 (marker.__contains__ would ask the reverse)
        elif isinstance(marker, re.Pattern):
            holds = marker.search
        else:
            holds = marker
        deadline = time.perf_counter() + timeout
        with self._arrived:
            while True:
                seen = b""
                for at, data in self.chunks:
                    if at < after:
                        continue
                    seen += data
                    if holds(seen):
                        return at
                left = deadline - time.perf_counter()
                if left <= 0:
                    tail = b"".join(data for _, data in self.chunks[-20:])[-3000:]
                    raise TimeoutError(f"no output holding {marker!r} within {timeout} s; the last output: {tail!r}")
                self._arrived.wait(left)

    def bytes_between(self, start: float, end: float) -> int:
        with self._arrived:
            return sum(len(data) for at, data in self.chunks if start <= at < end)

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            for _ in range(100):
                if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                    break
                time.sleep(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)
