"""Reading a file that people wrote or named: only a regular file, never more than a cap, never
past a deadline.

Such a path is data too. A FIFO blocks an ordinary open until someone writes to it (and a process
stuck in that open ignores SIGTERM's handler); a symlink to /dev/zero, or a /proc file whose size
says 0, never ends; a directory, socket or device is not a file at all. So the file is opened
non-blocking (a FIFO then opens at once), the opened descriptor is checked (not the path, which can
change in between), at most `limit` + 1 bytes are read, and all of it runs in a helper thread that
is abandoned, not waited for, when a hung network file system holds it past the deadline."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import threading
import time
from pathlib import Path

from warroom import i18n
from warroom.errors import InvalidFile
from warroom.i18n import N_, _
from warroom.text import line

DEADLINE = 3.0  # seconds: a local file of a few KB takes microseconds; anything slower is stuck

# What is in a file's place: (test, what it says where a file was expected, where a folder was).
_KINDS = [
    (stat.S_ISDIR, N_("is a directory, not a file"), ""),
    (stat.S_ISFIFO, N_("is a FIFO, not a regular file"), N_("is a FIFO, not a folder")),
    (stat.S_ISCHR, N_("is a character device, not a regular file"), N_("is a character device, not a folder")),
    (stat.S_ISBLK, N_("is a block device, not a regular file"), N_("is a block device, not a folder")),
    (stat.S_ISSOCK, N_("is a socket, not a regular file"), N_("is a socket, not a folder")),
    (stat.S_ISREG, "", N_("is a regular file, not a folder")),
]
_OTHER_KIND = N_("is not a regular file")
_OTHER_KIND_FOLDER = N_("is not a regular file, not a folder")
# What the callers say a file is meant to be (`what`), for the size message in their language.
_WHATS = (N_("a playbook or config"), N_("a config"), N_("a playbook"), N_("an export"), N_("a CA file"), N_("a key file"),
          N_("the hints file"), N_("the monitor's life lock"))


def _said(what: str) -> str:
    """A caller's `what` in the chosen language when it is one of _WHATS; a file's name as it is."""
    return _(what) if what in _WHATS else what


def _figure(text: str) -> str:
    """A decimal figure (`2.5` MB, `3` s) as the chosen language writes it: `2,5` in Dutch."""
    return text if i18n.current() == i18n.DEFAULT else text.replace(".", ",")


def name_of(path: Path | str) -> str:
    """A file's name as messages show it: one line, control characters visible, bytes that are
    not UTF-8 as U+FFFD (a file name is whatever bytes someone chose)."""
    return line(os.fsencode(path).decode("utf-8", errors="replace"))


def _not_regular(mode: int) -> str:
    return _(next((why for test, why, _folder in _KINDS if why and test(mode)), _OTHER_KIND))


def _not_folder(mode: int) -> str:
    return _(next((why for test, _file, why in _KINDS if why and test(mode)), _OTHER_KIND_FOLDER))


def _describe(path: Path) -> str | None:
    try:
        return _not_regular(os.stat(path).st_mode)
    except OSError:
        return None


def _read(path: Path, shown: str, limit: int, what: str) -> tuple[bytes, os.stat_result]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InvalidFile([_("{file}: no such file").format(file=shown)]) from None
    except PermissionError:
        raise InvalidFile([_("{file}: permission denied").format(file=shown)]) from None
    except OSError as exc:
        kind = _describe(path) if exc.errno == errno.ENXIO else None  # what open says of a socket
        if kind:
            raise InvalidFile([f"{shown}: {kind}"]) from None
        if exc.errno == errno.ELOOP:
            raise InvalidFile([_("{file}: a loop of symbolic links").format(file=shown)]) from None
        raise InvalidFile([_("{file}: cannot open: {reason}").format(file=shown, reason=exc.strerror)]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidFile([f"{shown}: {_not_regular(info.st_mode)}"])
        if info.st_size > limit:
            raise InvalidFile([_("{file}: file is {size} MB; {what} must be under {limit} MB").format(
                file=shown, size=_figure(f"{info.st_size / 1e6:.1f}"), what=_said(what), limit=_figure(f"{limit / 1e6:g}"))])
        chunks, count = [], 0
        while count <= limit:  # a size of 0 can be a lie (/proc), and a file can grow while read
            chunk = os.read(fd, limit + 1 - count)
            if not chunk:
                break
            chunks.append(chunk)
            count += len(chunk)
        if count > limit:
            raise InvalidFile([_("{file}: file is over {limit} MB; {what} must be under {limit} MB").format(
                file=shown, what=_said(what), limit=_figure(f"{limit / 1e6:g}"))])
        return b"".join(chunks), info
    except OSError as exc:
        raise InvalidFile([_("{file}: cannot read: {reason}").format(file=shown, reason=exc.strerror)]) from None
    finally:
        os.close(fd)


def folder_entries(path: Path, shown: str, suffix: str) -> list[str]:
    """The names in the folder at `path` that end in `suffix` (hidden ones left out), sorted; or
    InvalidFile with one line `SHOWN: why` when there is no folder to list: a file, a FIFO or a
    loop of symbolic links in its place must be named, not taken for an empty folder."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISDIR(mode):
            raise InvalidFile([f"{shown}: {_not_folder(mode)}"])
        names = os.listdir(path)
    except FileNotFoundError:
        raise InvalidFile([_("{file}: no such folder").format(file=shown)]) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidFile([_("{file}: a loop of symbolic links").format(file=shown)]) from None
        raise InvalidFile([_("{file}: cannot be read: {reason}").format(file=shown, reason=exc.strerror)]) from None
    return sorted(name for name in names if name.endswith(suffix) and not name.startswith("."))


def read_bytes(path: Path, shown: str, *, limit: int, what: str, deadline: float = DEADLINE) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), or InvalidFile with one line
    `SHOWN: why`. `shown` is how the caller names the file, already safe to print; `what` is what
    the file is meant to be, for the size message ("a playbook or config")."""
    return read_with_status(path, shown, limit=limit, what=what, deadline=deadline)[0]


def read_with_status(path: Path, shown: str, *, limit: int, what: str, deadline: float = DEADLINE) -> tuple[bytes, os.stat_result]:
    """read_bytes, and the status of the file those bytes were read from (fstat of the same
    descriptor, not of the path, which may name another file by now): its owner and mode."""
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["data"] = _read(path, shown, limit, what)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome["error"] = exc

    reader = threading.Thread(target=work, name="warroom file reader", daemon=True)
    reader.start()
    reader.join(deadline)
    if reader.is_alive():
        raise InvalidFile([_("{file}: could not be read within {seconds} s (a hung network file system?)").format(
            file=shown, seconds=_figure(f"{deadline:g}"))])
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["data"]  # type: ignore[return-value]


def open_regular(path: Path, flags: int, mode: int) -> int | None:
    """`path` opened with `flags` and created with `mode` if missing, never through a link planted in
    its place (in a shared home another member could point it anywhere) and only if it is a regular
    file (a FIFO opens at once, non-blocking, and is then refused); None when it cannot be."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def open_lock(path: Path, mode: int, *, write: bool = True) -> tuple[int, bool] | None:
    """A lock file that holds no data, for flock: (its descriptor, whether it is open for writing),
    or None when it cannot be used. Read-write when `write` and allowed, read-only otherwise (flock
    needs no more). Its owner gives it `mode`, which a umask may have narrowed at creation: the
    others who share it must be able to open it."""
    fd = open_regular(path, os.O_RDWR, mode) if write else None
    writable = fd is not None
    if fd is None:
        fd = open_regular(path, os.O_RDONLY, mode)
        if fd is None:
            return None
    info = os.fstat(fd)
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
        try:
            os.fchmod(fd, mode)
        except OSError:
            pass
    return fd, writable


def lock_within(fd: int, seconds: float, what: str, *, since: float | None = None, shared: bool = False) -> None:
    """An exclusive flock on `fd` (a shared one when `shared`), polled at a millisecond's grain for at
    most `seconds`: a plain blocking flock waits for ever on a process that holds the lock and hangs,
    or on anyone who can read the file and takes it on purpose (flock needs no more). The seconds
    count from `since` (a time.monotonic()) when the caller has already waited for part of them.
    WarroomError names `what`."""
    from warroom.errors import WarroomError

    deadline = (time.monotonic() if since is None else since) + seconds
    how = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, how | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise WarroomError(_("{what} has been held by another process for {seconds} s; nothing was recorded, try again").format(
                    what=_said(what), seconds=_figure(f"{seconds:g}"))) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


def write_all(fd: int, data: bytes) -> None:
    """write() until all of `data` is written: one may write less than asked (a full disk, a file
    size limit), and the next then says why."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]
