"""The database: one engine per process, one transaction per use case.

SQLite runs in WAL mode with `synchronous=FULL` (a committed decision survives a power cut), foreign
keys on and a busy timeout. Writers start with `BEGIN IMMEDIATE`: they take the write lock before
reading the log's head, so several processes appending at once still make one linear chain.

PostgreSQL (a war-room shared by sites, `--db postgresql+psycopg://…`) keeps the same rule in the
database itself: every write transaction first takes one transaction-scoped advisory lock, so
writers on any host queue there before reading the head, and the lock goes with the commit. Each
write also sends a NOTIFY, which is how other processes learn of it (store/changes.py)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from warroom import files
from warroom.errors import BadInput, DatabaseDamaged, WarroomError
from warroom.i18n import N_, _
from warroom.store import queue

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlmodel import Session

    from warroom.witness import Witness

BUSY_TIMEOUT_MS = 30_000
# SQLite's primary result codes for a file that cannot be written or read, as a person reads them.
# Busy and locked are the writer queue's (Store.write); a damaged file is open_store's.
_FILE_ERRORS = {
    # TRANSLATORS: each says what the database file does or is, after "the database FILE".
    3: N_("refused access"),  # SQLITE_PERM
    8: N_("is read-only for this user (check the file's and its folder's permissions, and the mount)"),  # SQLITE_READONLY
    10: N_("could not be read or written (disk I/O error)"),  # SQLITE_IOERR
    13: N_("is on a full disk"),  # SQLITE_FULL
    14: N_("cannot be opened (check that its folder exists and may be written)"),  # SQLITE_CANTOPEN
    11: N_("is damaged (check it with warroom verify; restore it from a backup with warroom restore)"),  # SQLITE_CORRUPT
    26: N_("is not a database (check it with warroom verify; restore it from a backup with warroom restore)"),  # SQLITE_NOTADB
}
_DAMAGED = (11, 26)
FULL_MARGIN = 1 << 20  # an I/O error with less than this free is a full disk
_WRITE = "warroom_write"
_NEWEST = text("SELECT seq, hash, at FROM event ORDER BY seq DESC LIMIT 1")
# What a write raises when the store itself fails (the database locked past the busy timeout, a full
# disk, an I/O error, a dropped connection: SQLAlchemy's OperationalError; the writers' lock not had,
# a damaged file: WarroomError), not the one write: the monitor's group commit fails a batch's every
# round with it at once instead of trying each again (a commit whose connection dropped may have
# been made). For the faces, which import no SQLAlchemy.
STORE_FAILURES: tuple[type[Exception], ...] = (OperationalError, WarroomError)
# PostgreSQL: the writers' lock (an advisory lock's key, any number no other tool uses) and the
# channel every committed write is announced on (LISTEN/NOTIFY: delivered at commit, never before).
WRITERS_LOCK = 7243
CHANNEL = "warroom"
_PG_WRITE = text(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK}), pg_notify('{CHANNEL}', '')")


def _file_error(code: int, database: Path) -> str | None:
    """Why the file failed, as a person reads it. SQLite reports a full disk as a plain I/O error
    when it is the shared-memory index that found no room, and a read-only mount as "cannot open":
    the file system itself says which."""
    primary = code & 0xFF
    reason = _FILE_ERRORS.get(primary)
    if reason is None:
        return None
    try:
        info = os.statvfs(database.parent)
    except OSError:
        return _(reason)
    if primary in (8, 10, 14) and info.f_flag & os.ST_RDONLY:
        return _("is on a read-only file system (remount it read-write, or restore the home elsewhere)")
    if primary in (10, 13) and info.f_bavail * info.f_frsize < FULL_MARGIN:
        return _("is on a full disk (free space on its file system, then try again)")
    return _(reason)


_LIKE = N_("like sqlite:////path/to/warroom.db or postgresql+psycopg://host/db")
# The drivers warroom runs on: SQLite through the standard library, PostgreSQL through psycopg (or
# psycopg2, SQLAlchemy's default for postgresql://). An async driver (sqlite+aiosqlite) cannot
# serve our synchronous sessions, and any other is untested.
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg", "postgresql+psycopg2")


def _parse(url: str) -> URL:
    if not url.strip():
        raise BadInput(_("--db: the database URL is empty; give one ({like}), or leave --db out for the home's own database").format(like=_(_LIKE)))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadInput(_("--db: {url!r} is not a database URL ({like})").format(url=url, like=_(_LIKE))) from None
    if parsed.drivername not in DRIVERS:
        raise BadInput(_("--db {url}: warroom knows no database driver {driver!r}; it runs on {drivers}").format(
            url=parsed.render_as_string(hide_password=True), driver=parsed.drivername, drivers=", ".join(DRIVERS))) from None
    return parsed


def _in_memory(parsed: URL) -> bool:
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def _refuse_sqlite_options(parsed: URL, url: str) -> None:
    """A query string on a SQLite URL is refused: `?mode=ro&uri=true` makes pysqlite create a new
    file named `warroom.db?mode=ro` beside the real one, and `?mode=ro` alone is ignored with a
    warning while the command writes. warroom chooses its own SQLite settings (make_engine)."""
    if parsed.query or "?" in url:
        raise BadInput(_("--db {url}: a SQLite URL takes no options after '?' (warroom sets its own); give just the file: "
                         "sqlite:////path/to/warroom.db").format(url=parsed.render_as_string(hide_password=True)))


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory ones."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite" or _in_memory(parsed):
        return None
    _refuse_sqlite_options(parsed, url)
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    parsed = _parse(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() != "sqlite":
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError:
            raise BadInput(_("--db {url}: warroom knows no database {driver!r} (use sqlite:///path/warroom.db or postgresql+psycopg://host/db)").format(
                url=shown, driver=parsed.drivername)) from None
        except ImportError as exc:
            if parsed.get_backend_name() == "postgresql":
                said = (_("--db {url}: PostgreSQL's driver ({driver}) is not installed: install warroom[postgres] "
                          "(pip install 'warroom[postgres]', or uv pip install 'psycopg[binary]') and name it postgresql+psycopg://…")
                        if parsed.drivername != "postgresql+psycopg" else
                        _("--db {url}: PostgreSQL's driver ({driver}) is not installed: install warroom[postgres] "
                          "(pip install 'warroom[postgres]', or uv pip install 'psycopg[binary]')"))
                raise BadInput(said.format(url=shown, driver=exc.name)) from None
            raise BadInput(_("--db {url}: its database driver ({driver}) is not installed; install it into warroom's environment: pip install '{driver}'").format(
                url=shown, driver=exc.name)) from None
        _name_connection_failures(engine, shown)
        return engine
    if _in_memory(parsed):
        raise BadInput(_("--db {url}: an in-memory database forgets everything when the command ends, so nothing "
                         "recorded would last; give a file: sqlite:////path/to/warroom.db").format(url=shown))
    _refuse_sqlite_options(parsed, url)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling would BEGIN lazily and DEFERRED; we BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _say_which_file(context) -> None:
        # SQLAlchemy's message carries the SQL and its parameters (the log entry's text). What a
        # person needs is which file failed, and why, in one line.
        failure = file_failure(context.original_exception, parsed.database)
        if failure is not None:
            raise failure from None

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Straight to the driver: SQLAlchemy's statement machinery around this one BEGIN cost an
        # append more than the BEGIN itself. A failure is raised as Core raises it (the file named
        # where the file failed, SQLAlchemy's OperationalError otherwise).
        sql = "BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE, False) else "BEGIN"
        try:
            connection.connection.driver_connection.execute(sql)
        except sqlite3.Error as exc:
            raise (file_failure(exc, parsed.database) or DBAPIError.instance(sql, (), exc, sqlite3.Error)) from None

    return engine


def file_failure(exc: BaseException, database: str) -> WarroomError | None:
    """The error to raise for a SQLite error of the file `database` itself, naming it; None for others."""
    code = getattr(exc, "sqlite_errorcode", None)
    reason = _file_error(code, Path(database)) if code is not None else None
    if not reason:
        return None
    kind = DatabaseDamaged if code & 0xFF in _DAMAGED else WarroomError
    # TRANSLATORS: {reason} is one of the file errors above ("is on a full disk").
    return kind(_("the database {file} {reason} ({error}); nothing was recorded").format(file=database, reason=reason, error=exc))


def _name_connection_failures(engine: Engine, shown: str) -> None:
    """A server that cannot be reached, or that refuses us, is a run-time failure of one line
    naming the server (the password hidden), not "damaged" and not a traceback; so is a text
    PostgreSQL cannot store (the NUL character, which SQLite keeps)."""

    @event.listens_for(engine, "handle_error")
    def _say_which_server(context) -> None:
        if context.connection is None or context.is_disconnect:  # connecting, or the connection was lost
            reason = " ".join(str(context.original_exception).split())[:300]
            raise WarroomError(_("cannot reach the database {url}: {reason}").format(url=shown, reason=reason)) from None
        if "NUL (0x00)" in str(context.original_exception):  # SQLAlchemy's message would carry the SQL and the text itself
            raise WarroomError(_("the database {url} cannot store a text that holds the NUL character (U+0000): PostgreSQL refuses "
                                 "it in text; remove it from what was given (a playbook, the config, an entry); nothing was recorded").format(url=shown)) from None


WRITER_LOCK, WRITER_QUEUE = ".writer-lock", ".writer-queue"
SIDECARS = ("-wal", "-shm", WRITER_LOCK, WRITER_QUEUE)  # the files SQLite and our writers keep beside a database, by the ends of their names


def _lock_file(database: Path, end: str) -> tuple[int, bool] | None:
    """The writers' lock file (or their queue's) beside `database`, and whether it is open for
    writing. Its creator shares it like the database it guards; others just use it."""
    try:
        mode = stat.S_IMODE(database.stat().st_mode)
    except OSError:
        mode = 0o600
    return files.open_lock(database.with_name(database.name + end), mode)


class _Kept:
    """A writers' lock or queue file that a thread keeps open from one write to the next: opening
    the two, checking them and closing them again was a tenth of what one writer pays beyond bare
    SQLite. Each thread keeps its own (_kept_file): these locks belong to the open file, so
    threads sharing one would not keep each other out, nor a child process sharing its parent's
    after a fork (it opens its own). A file deleted or replaced meanwhile is opened anew, as every
    write used to: writers meet on the file at the path, not on one a long-lived process holds."""

    __slots__ = ("__weakref__", "fd", "file", "held", "pid", "writable")

    def __init__(self, fd: int, writable: bool):
        info = os.fstat(fd)
        self.fd, self.writable, self.file, self.pid = fd, writable, (info.st_dev, info.st_ino), os.getpid()
        self.held = False  # a write of this thread is under way with it: a write inside it is refused
        _every_kept.add(self)

    def still_at(self, path: str) -> bool:
        """This process's own, and still the file at `path`."""
        if self.pid != os.getpid():
            return False
        try:
            info = os.stat(path, follow_symlinks=False)  # a link put in its place is not the file (open_lock refuses links)
        except OSError:
            return False
        return (info.st_dev, info.st_ino) == self.file

    def close(self) -> None:
        """Close it, which frees every lock it holds (a forked child closed its copies at the fork:
        _forget_in_child)."""
        if self.fd >= 0 and self.pid == os.getpid():
            os.close(self.fd)
        self.fd = -1

    def __del__(self) -> None:  # its thread has ended (threading.local lets go of what it kept)
        try:
            self.close()
        except Exception:  # at interpreter shutdown (os gone), or a descriptor closed behind our back: nothing to free
            pass


_kept = threading.local()
_every_kept: weakref.WeakSet[_Kept] = weakref.WeakSet()


def _forget_in_child() -> None:
    """A forked child closes its copies of the parent's kept files at once: a lock belongs to the
    open file, so a child still holding a copy would keep the parent's lock and place in the queue
    held after the parent died (every writer on the host waiting 30 s for as long as the child
    lives). Closing the child's copy leaves the parent's own untouched."""
    for kept in list(_every_kept):
        if kept.fd >= 0:
            try:
                os.close(kept.fd)
            except OSError:
                pass
            kept.fd = -1


os.register_at_fork(after_in_child=_forget_in_child)


def _kept_file(database: Path, end: str) -> _Kept | None:
    """This thread's open writers' lock or queue file beside `database`; None when it cannot be used."""
    kept: dict[str, _Kept] = _kept.__dict__.setdefault("files", {})
    path = f"{database}{end}"
    found = kept.pop(path, None)
    if found is not None:
        if found.still_at(path):
            kept[path] = found
            return found
        found.close()
    opened = _lock_file(database, end)
    if opened is None:
        return None
    kept[path] = _Kept(*opened)
    return kept[path]


def _let_go(database: Path) -> None:
    """Close this thread's writers' lock and queue files of `database`, freeing whatever they hold."""
    kept: dict[str, _Kept] = _kept.__dict__.get("files", {})
    for end in (WRITER_LOCK, WRITER_QUEUE):
        found = kept.pop(f"{database}{end}", None)
        if found is not None:
            found.close()


@contextmanager
def _writer_queue(database: Path | None) -> Iterator[None]:
    """Queue this host's writers in the kernel before they ask SQLite for the write lock.

    SQLite's busy handler polls with sleeps of up to 100 ms and is not woken when the lock frees,
    which made the p99 of an append under four writers 20x its median. The flock is polled at a
    millisecond's grain instead, and for no longer than SQLite would wait. Writers on other hosts (PostgreSQL) and
    foreign tools still meet SQLite's own lock, so correctness never depends on this. The flock is
    not fair, so writers first line up in store/queue.py, which hands it on in order of arrival.
    The two files stay open for the thread's next write (_Kept); a write that fails in any way
    closes them, so that nothing it may have left locked outlives it."""
    lock = _kept_file(database, WRITER_LOCK) if database is not None else None
    if database is None or lock is None:
        yield  # SQLite's own lock still serialises writers, only less promptly
        return
    if lock.held:  # the same open file: its flock would be no lock at all, and the inner write's end would free the outer's
        raise RuntimeError(f"a write to {database.name} inside another write of the same thread")
    seconds = BUSY_TIMEOUT_MS / 1000
    line = _kept_file(database, WRITER_QUEUE)
    try:
        since = time.monotonic()  # one wait of `seconds` in all, in the queue and then for the lock
        # The queue's counter must be written; a member who may only read the file writes unordered.
        with queue.turn(line.fd if line is not None and line.writable else None, since + seconds):
            files.lock_within(lock.fd, seconds, f"the writers' lock {database.name}{WRITER_LOCK}", since=since)
            lock.held = True
            try:
                yield
            finally:
                lock.held = False
                fcntl.flock(lock.fd, fcntl.LOCK_UN)  # before the place in the queue: the next in line finds it free
    except BaseException:
        _let_go(database)
        raise


class Store:
    """The engine plus what must happen around every write: witnessing the new head.

    The witness is written after the commit, so nothing it meets may fail the write: the event is
    recorded, and a command reporting failure would invite a duplicate on retry. The witness
    reports its own problems (see warroom.witness)."""

    def __init__(self, engine: Engine, witness: Witness | None = None):
        self.engine = engine
        # The same engine, its connections marked for BEGIN IMMEDIATE (the begin event): marked once
        # here, not at every write
        self._writing = engine.execution_options(**{_WRITE: True})
        self.witness = witness
        self._database = sqlite_path(str(engine.url))
        self._tried_key = False

    @contextmanager
    def read(self) -> Iterator[Session]:
        from sqlmodel import Session

        with Session(self.engine) as session:
            yield session

    @contextmanager
    def read_core(self) -> Iterator[Connection]:
        """`read` without the ORM: one read transaction on a Core connection (a JSON or CSV export,
        which reads the incident and its events only, never imports SQLModel)."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction holding the write lock from its first statement; commits on success."""
        from sqlmodel import Session

        self._ready_to_sign()
        with _writer_queue(self._database), Session(self._writing, expire_on_commit=False) as session:
            session.connection()
            with self._committed(session):
                yield session
            self._witness(session.info.pop("head", None))

    @contextmanager
    def write_core(self) -> Iterator[Connection]:
        """`write` without the ORM: the same lock, transaction and witness, on a Core connection, for
        a write that needs no ORM (a log entry: `warroom log` never imports SQLModel)."""
        self._ready_to_sign()
        with _writer_queue(self._database), self._writing.connect() as connection:
            try:
                connection.begin()
                with self._committed(connection):
                    yield connection
            finally:
                # info lives with the pooled connection: taken away whatever happens, so a rolled-back
                # append's head is never witnessed by a later transaction
                head = connection.info.pop("head", None)
            self._witness(head)

    @contextmanager
    def _committed(self, writer: Session | Connection) -> Iterator[None]:
        if self.engine.dialect.name == "postgresql":
            writer.execute(_PG_WRITE)  # the same one-writer rule, across hosts; and others are told at commit
        try:
            yield
            writer.commit()
        except OperationalError as exc:
            writer.rollback()
            if "locked" in str(exc):
                raise WarroomError(_("the database stayed locked by another process for 30 s; nothing was recorded, try again")) from None
            raise
        except BaseException:
            writer.rollback()
            raise

    def _ready_to_sign(self) -> None:
        """The witness's key, loaded before the writers' lock is taken: a process's first write
        would otherwise import cryptography and read the key (10-20 ms) while every other writer
        waits. A key that cannot be loaded is said after the commit, as ever (record_or_warn)."""
        if self.witness is None or self._tried_key:
            return
        self._tried_key = True  # once: a key another account holds, or none, is found out again under the lock as before
        from warroom.witness import WitnessProblem

        try:
            self.witness.signer()
        except WitnessProblem:
            pass

    def _witness(self, head: tuple[int, str, str] | None) -> None:
        if self.witness is not None and head:
            self.witness.record_or_warn(*head)

    def newest_head(self) -> tuple[int, str, str] | None:
        """(seq, hash, at) of the newest event, as the witness records it; None for an empty log."""
        with self.read() as session:
            row = session.connection().execute(_NEWEST).first()
        return (row[0], row[1], row[2]) if row else None

    def witness_newest(self) -> None:
        """Witness the log's newest head, whoever wrote it: the monitor's service account does this
        for coordinators, whose processes cannot sign. A head witnessed already is not repeated."""
        head = self.newest_head() if self.witness is not None else None
        if head is not None:
            self.witness.record_or_warn(*head)

    def dispose(self) -> None:
        self.engine.dispose()
        if self._database is not None:
            _let_go(self._database)


def create_private_file(path: Path, group_shared: bool) -> None:
    """An empty file readable by its owner only (and group, when the home is shared)."""
    mode = 0o660 if group_shared else 0o600
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)
    os.chmod(path, mode)


@contextmanager
def writers_held(database: Path) -> Iterator[None]:
    """Keep this host's warroom writers waiting, their witnessing included (a writer witnesses
    before it leaves the queue), while a restore swaps the log and its witness under them."""
    with _writer_queue(database):
        yield
