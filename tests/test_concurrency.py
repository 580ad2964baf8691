"""Several processes appending at once still make one linear chain."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli, wait_for
from warroom.store import eventlog


def start_writers(root, count: int, per_writer: int, go) -> list[subprocess.Popen]:
    return [
        subprocess.Popen([sys.executable, "-m", "tests.helpers", str(root), f"w{n}", str(per_writer), str(go)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(count)
    ]


def test_four_processes_appending_500_each_make_one_chain(home, tmp_path):
    go = tmp_path / "go"
    writers = start_writers(home.root, 4, 500, go)
    go.touch()  # all four start appending at the same moment
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    result = run_cli("verify", home=home.root)
    assert result.returncode == 0, result.stderr
    assert "event log verified: 2,001 events" in result.stdout
    store = home.open_store()
    with store.engine.connect() as connection:
        records = list(eventlog.records(connection))
    store.dispose()
    assert [r["seq"] for r in records] == list(range(1, 2002))
    for n in range(4):
        mine = [r["data"]["n"] for r in records if r["actor"] == f"w{n}"]
        assert mine == list(range(500)), f"writer w{n} lost or reordered events"
    interleaved = sum(1 for a, b in zip(records, records[1:], strict=False) if a["actor"] != b["actor"])
    assert interleaved > 4, "the writers did not actually overlap"


def test_a_writers_lock_held_for_ever_is_a_clear_failure_not_a_hang(home, monkeypatch):
    """flock needs only read access to the lock file: anyone in a shared home (or a hung process)
    can hold it. A write gives up after the busy timeout, says so, and records nothing."""
    import fcntl
    import os
    import sqlite3

    import pytest

    from tests.helpers import append_many
    from warroom.errors import WarroomError
    from warroom.store import engine

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 1500)
    store = home.open_store()
    append_many(store, 1)  # creates the lock file
    holder = os.open(f"{home.db_path}.writer-lock", os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with pytest.raises(WarroomError, match=r"writers' lock warroom\.db\.writer-lock has been held by another process"):
            append_many(store, 1, start=1)
    finally:
        os.close(holder)
        store.dispose()
    with sqlite3.connect(home.db_path) as connection:
        assert connection.execute("SELECT count(*) FROM event WHERE kind = 'test.event'").fetchone()[0] == 1


def test_a_writer_waits_the_busy_timeout_once_in_all_not_once_in_the_queue_and_again_for_the_lock(home, monkeypatch):
    """A writer behind a stuck writer waits in the queue and then for the writers' lock: the two
    waits share one deadline, the one its message names."""
    import fcntl
    import os
    import time

    import pytest

    from tests.helpers import append_many
    from warroom.errors import WarroomError
    from warroom.store import engine, queue

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 2000)
    store = home.open_store()
    append_many(store, 1)  # creates the lock and queue files
    ahead = os.open(f"{home.db_path}.writer-queue", os.O_RDWR)
    holder = os.open(f"{home.db_path}.writer-lock", os.O_RDONLY)
    try:
        assert queue._draw(ahead, time.monotonic() + 5) is not None  # a writer ahead in the queue that never leaves it
        fcntl.flock(holder, fcntl.LOCK_EX)  # and holds the writers' lock
        started = time.monotonic()
        with pytest.raises(WarroomError, match=r"held by another process for 2 s"):
            append_many(store, 1, start=1)
        waited = time.monotonic() - started
    finally:
        os.close(ahead)
        os.close(holder)
        store.dispose()
    assert waited < 3.5, f"waited {waited:.1f} s for a busy timeout of 2 s"


def _drawn(queue_file) -> int:
    """How many places the writers' queue has handed out (its counter, bytes 0-7)."""
    import struct

    raw = queue_file.read_bytes()[:8] if queue_file.exists() else b""
    return struct.unpack("<Q", raw)[0] if len(raw) == 8 else 0


def test_the_writers_lock_goes_to_writers_in_the_order_they_came(home):
    """The flock alone is not fair: the writer that has just let go asks again at once while the
    others sleep between polls, so one busy writer could append many times while another waited.
    Here the first writer asks again as soon as it lets go, and must wait behind the two that came
    while it wrote."""
    import threading
    import time

    from warroom.store import engine

    queue_file = home.db_path.with_name(home.db_path.name + ".writer-queue")
    order: list[str] = []
    release = threading.Event()

    def writer(name: str, hold: threading.Event | None = None) -> None:
        with engine._writer_queue(home.db_path):
            order.append(name)
            if hold is not None:
                hold.wait(30)

    def until(condition) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < deadline, "the writers did not line up"
            time.sleep(0.001)

    first = threading.Thread(target=writer, args=("a", release))
    first.start()
    until(lambda: order == ["a"])
    start = _drawn(queue_file)
    others = []
    for name, place in (("b", start + 1), ("c", start + 2)):
        others.append(threading.Thread(target=writer, args=(name,)))
        others[-1].start()
        until(lambda place=place: _drawn(queue_file) >= place)  # b is in the queue before c comes
    release.set()
    first.join(30)
    writer("a")  # at once, as a busy writer does
    for thread in others:
        thread.join(30)
    assert order == ["a", "b", "c", "a"]


def test_a_writer_in_the_queue_is_woken_when_the_one_before_it_leaves_not_polling(home, monkeypatch):
    """Polling the place ahead left the writers' lock idle for half a poll at every hand-over and
    woke each waiter a thousand times a second on the cores the writer in front needs. The wait
    is the kernel's: the writer asks once, is woken once, and leaves no thread behind."""
    import os
    import threading
    import time

    from tests.helpers import append_many
    from warroom.store import engine, queue

    store = home.open_store()
    append_many(store, 1)  # creates the lock and queue files
    store.dispose()
    queue_file = home.db_path.with_name(home.db_path.name + ".writer-queue")
    tries: list[int] = []
    lock = queue._lock

    def counted(fd: int, kind: int, start: int, length: int = 1) -> bool:
        if start >= queue._SLOTS and kind == queue.fcntl.F_RDLCK:
            tries.append(start)  # the place ahead, asked for
        return lock(fd, kind, start, length)

    monkeypatch.setattr(queue, "_lock", counted)
    ahead = os.open(queue_file, os.O_RDWR)
    wrote = threading.Event()

    def writer() -> None:
        with engine._writer_queue(home.db_path):
            wrote.set()

    try:
        assert queue._draw(ahead, time.monotonic() + 5) is not None  # a writer ahead, holding its place
        start = _drawn(queue_file)
        behind = threading.Thread(target=writer)
        behind.start()
        wait_for(lambda: _drawn(queue_file) >= start + 1, timeout=30, what="the writer behind to draw its number")
        assert not wrote.wait(0.3)  # the one ahead holds its place for 0.3 s: the writer behind waits
    finally:
        os.close(ahead)  # and leaves
    behind.join(30)
    assert wrote.is_set()
    assert len(tries) <= 3, f"asked {len(tries)} times for the place ahead"  # polled, it asked ~300 times in 0.3 s
    wait_for(lambda: not [t for t in threading.enumerate() if t.name == "warroom-writer-queue"], timeout=10,
             what="the queue's helper thread to end")  # it ends just after it wakes the writer


def test_a_process_loads_the_witness_key_before_it_takes_the_writers_lock(home):
    """A process's first write used to import cryptography and read the key after its commit,
    still holding the writers' lock (10-20 ms every other writer waited): every `warroom log` is
    a first write. The key is loaded before the lock; the head is still witnessed."""
    from tests.helpers import ORIGIN, START

    for write in ("write", "write_core"):  # the ORM's transaction and Core's
        store = home.open_store()  # a process's first write
        try:
            with getattr(store, write)() as writer:
                assert store.witness._signer is not None  # the lock is held here: loaded already
                seq = eventlog.append(writer, at=START, kind="test.event", actor="t", origin=ORIGIN, object="test:t",
                                      summary="first write")["seq"]
        finally:
            store.dispose()
        assert [e.seq for e in home.witness().entries()][-1] == seq


def _open_on(path) -> list[int]:
    """This process's descriptors open on `path`."""
    import os

    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                found.append(int(name))
        except OSError:
            pass  # the listing's own descriptor, closed by now
    return found


def test_a_writer_keeps_the_writers_lock_and_queue_files_open_from_one_write_to_the_next(home):
    """Opening, checking and closing the two files each write was a tenth of what one writer pays
    beyond bare SQLite: a thread opens them once and keeps them; disposing of the store closes them."""
    from tests.helpers import append_many

    lock, line = f"{home.db_path}.writer-lock", f"{home.db_path}.writer-queue"
    store = home.open_store()
    try:
        append_many(store, 1)
        kept = _open_on(lock), _open_on(line)
        assert [len(k) for k in kept] == [1, 1], kept
        append_many(store, 3, start=1)
        assert (_open_on(lock), _open_on(line)) == kept  # the same descriptors: not opened again
    finally:
        store.dispose()
    assert (_open_on(lock), _open_on(line)) == ([], [])


def test_a_writers_lock_file_replaced_under_a_long_lived_writer_is_the_one_it_then_waits_for(home, tmp_path):
    """A writer that keeps the lock file open must not go on locking a file that is no longer the
    one at its path (deleted, or replaced by a restore of the home): it would write beside every
    writer that opens the new one. The file is checked each write and the new one opened."""
    import fcntl
    import os
    import threading

    from tests.helpers import append_many

    lock = f"{home.db_path}.writer-lock"
    store = home.open_store()
    first, replaced, wrote = threading.Event(), threading.Event(), threading.Event()

    def long_lived_writer() -> None:
        append_many(store, 1)  # opens and keeps this thread's files
        first.set()
        replaced.wait(30)
        append_many(store, 1, start=1)
        wrote.set()

    thread = threading.Thread(target=long_lived_writer)
    thread.start()
    holder = None
    try:
        assert first.wait(30)
        (tmp_path / "new-lock").write_bytes(b"")
        os.replace(tmp_path / "new-lock", lock)
        holder = os.open(lock, os.O_RDONLY)
        fcntl.flock(holder, fcntl.LOCK_EX)  # another writer, holding the new file's lock
        replaced.set()
        assert not wrote.wait(0.3), "the writer locked the old file and wrote while another held the new one"
    finally:
        replaced.set()
        if holder is not None:
            os.close(holder)
    thread.join(30)
    assert wrote.is_set()
    store.dispose()


def test_a_child_process_after_a_fork_opens_its_own_lock_files_and_waits_for_its_parent(home, tmp_path):
    """These locks belong to the open file, which a forked child shares with its parent: a child
    using the descriptors it inherited would find the writers' lock its parent holds granted to it
    at once. It opens its own, and waits its turn."""
    import os
    import time

    from tests.helpers import append_many
    from warroom.store import engine

    store = home.open_store()
    append_many(store, 1)  # this thread keeps its files open
    left = tmp_path / "parent-left"
    with engine._writer_queue(home.db_path):  # the parent holds the writers' lock, with those files
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports by its exit code
            code = 3
            try:
                with engine._writer_queue(home.db_path):
                    code = 0 if left.exists() else 1
            finally:
                os._exit(code)
        try:  # the child has 0.3 s to get in, if it wrongly could; it must still be waiting
            until = time.monotonic() + 0.3
            while time.monotonic() < until:
                assert os.waitpid(child, os.WNOHANG) == (0, 0), "the child took the writers' lock while its parent held it"
                time.sleep(0.01)
        finally:
            left.touch()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.dispose()


def test_a_forked_child_never_keeps_its_parents_writers_lock_held(home):
    """A lock belongs to the open file: a child holding a copy of its parent's kept lock file would
    keep the writers' lock held after the parent died mid-write (every writer on the host waiting,
    for as long as the child lives). The child lets go of its copies at the fork."""
    import fcntl
    import os
    import signal

    from tests.helpers import append_many
    from warroom.store import engine

    store = home.open_store()
    append_many(store, 1)  # this thread keeps its files open
    kept = engine._kept_file(home.db_path, engine.WRITER_LOCK)
    assert kept is not None
    fcntl.flock(kept.fd, fcntl.LOCK_EX)  # the parent in the middle of a write
    ready, told = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - says it has started (the fork's hooks run), then waits to be killed
        try:
            os.write(told, b"!")
            signal.pause()
        finally:
            os._exit(0)
    try:
        assert os.read(ready, 1) == b"!"
        os.close(kept.fd)  # the parent dies without unlocking: its descriptor goes, as at its death
        kept.fd = -1
        other = os.open(home.db_path.with_name(home.db_path.name + engine.WRITER_LOCK), os.O_RDWR)
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while the child's copy held it
        finally:
            os.close(other)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(ready)
        os.close(told)
    store.dispose()


def test_a_write_inside_a_write_of_the_same_thread_is_refused_and_the_outer_one_holds(home):
    """The same thread's kept lock file: a second flock on it is no lock, and the inner write's end
    would free the outer's lock. Refused at once; the outer write goes on and commits."""
    from tests.helpers import append_many
    from warroom.store import engine

    store = home.open_store()
    with engine._writer_queue(home.db_path):
        with pytest.raises(RuntimeError, match="inside another write"), engine._writer_queue(home.db_path):
            pass
        kept = engine._kept_file(home.db_path, engine.WRITER_LOCK)
        assert kept is not None and kept.held, "the outer write still holds the writers' lock"
    append_many(store, 1)  # and the thread writes on afterwards
    store.dispose()
