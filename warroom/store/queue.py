"""The order in which this host's writers take the writers' lock: first come, first served.

The writers' lock (a flock, engine._writer_queue) keeps writers apart, but it is not fair: the
process that has just released it asks again at once, while the others sleep between polls, so one
busy writer could append a hundred times while another waited 200 ms. This queue hands the lock on
in the order writers arrived, the way a ticket machine does, and still survives a writer that dies
in it (SIGKILL, a lost SSH session):

- A writer draws the next number n from a counter kept in the queue file (bytes 0–7), under a lock
  on those bytes, and before it lets go of the counter it locks byte `_SLOTS + n`, its place.
- It waits until the place of number n - 1 is free: that writer has finished, or died and the
  kernel freed its place (these are open-file-description locks: they go with the process). The
  kernel wakes it the moment that happens (_wait_freed), so the lock is not left idle between two.
- It then takes the writers' lock as before, which it now finds free, writes, and frees its place
  after letting go of the writers' lock.

The queue only orders; the writers' lock still keeps writers apart, so a queue file that is missing,
reset, read-only or unlockable (no open-file-description locks on this system) costs fairness only,
never correctness."""

from __future__ import annotations

import fcntl
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_SETLK = getattr(fcntl, "F_OFD_SETLK", None)  # Linux; elsewhere the writers' lock alone, unordered
_SETLKW = getattr(fcntl, "F_OFD_SETLKW", None)
_COUNTER = 8  # bytes 0..7: the next number, little-endian
_SLOTS = 64  # byte _SLOTS + n is the place of number n
_WRAP = 1 << 40  # numbers wrap long before a file offset could


def _lock(fd: int, kind: int, start: int, length: int = 1) -> bool:
    """An open-file-description lock on bytes [start, start+length), without waiting; False when held elsewhere."""
    try:
        fcntl.fcntl(fd, _SETLK, struct.pack("hhqqi4x", kind, os.SEEK_SET, start, length, 0))
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(fd: int, start: int, length: int = 1) -> None:
    fcntl.fcntl(fd, _SETLK, struct.pack("hhqqi4x", fcntl.F_UNLCK, os.SEEK_SET, start, length, 0))


def _draw(fd: int, deadline: float) -> int | None:
    """Take the next number and lock its place; None when the counter cannot be had in time."""
    pause = 0.0001
    while not _lock(fd, fcntl.F_WRLCK, 0, _COUNTER):
        if time.monotonic() > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.001)
    try:
        raw = os.pread(fd, _COUNTER, 0)
        number = struct.unpack("<Q", raw)[0] % _WRAP if len(raw) == _COUNTER else 0
        os.pwrite(fd, struct.pack("<Q", (number + 1) % _WRAP), 0)
        _lock(fd, fcntl.F_WRLCK, _SLOTS + number)  # nobody else holds this number: the counter says so
        return number
    finally:
        _unlock(fd, 0, _COUNTER)


def _wait_freed(fd: int, place: int, deadline: float) -> None:
    """Wait until `place` is free, woken by the kernel the moment it is, or until the deadline.

    Polling alone left the writers' lock idle between two writers for half a poll on average (the
    pause grows to a millisecond, longer than an append holds the lock), and woke every waiter a
    thousand times a second on cores the writer in front needs. The kernel's own wait (F_OFD_SETLKW)
    has no deadline, so it is done by a helper thread on a descriptor of its own (a lock it takes
    is its own, and it only lets go again), while this one waits at most until the deadline. A
    helper behind a writer that hangs stays blocked until that writer's place is freed; it holds
    nothing anyone waits for. The caller's polling loop has the last word either way."""
    if _SETLKW is None:
        return
    try:
        own = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)  # a new open file description
    except OSError:
        return  # no /proc: polling alone
    freed = threading.Event()

    def wait() -> None:
        try:
            fcntl.fcntl(own, _SETLKW, struct.pack("hhqqi4x", fcntl.F_RDLCK, os.SEEK_SET, place, 1, 0))
            fcntl.fcntl(own, _SETLK, struct.pack("hhqqi4x", fcntl.F_UNLCK, os.SEEK_SET, place, 1, 0))
        except OSError:
            pass
        finally:
            os.close(own)
            freed.set()

    try:
        threading.Thread(target=wait, name="warroom-writer-queue", daemon=True).start()
    except RuntimeError:  # no more threads: polling alone
        os.close(own)
        return
    freed.wait(max(0.0, deadline - time.monotonic()))


@contextmanager
def turn(fd: int | None, deadline: float) -> Iterator[None]:
    """Wait until every writer that arrived before this one has written (or died), then hold this
    writer's place until the block ends. `fd`: the queue file opened for writing; None to skip it.
    Past the deadline the wait simply ends: the writers' lock decides then, and says when it waited too long."""
    if fd is None or _SETLK is None:
        yield
        return
    try:
        number = _draw(fd, deadline)
    except OSError:  # a file system without these locks, a full disk for the counter: unordered
        number = None
    if number is None:
        yield
        return
    before = _SLOTS + (number - 1) % _WRAP
    if not _lock(fd, fcntl.F_RDLCK, before):
        _wait_freed(fd, before, deadline)
    pause = 0.0001
    # The place before ours is tried: a reader lock on it is granted the moment it is free. After the
    # kernel's wake this is granted at once; polled only where that wait could not be had.
    while not _lock(fd, fcntl.F_RDLCK, before):
        if time.monotonic() > deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.001)
    else:
        _unlock(fd, before)
    try:
        yield
    finally:
        _unlock(fd, _SLOTS + number)
