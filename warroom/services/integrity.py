"""Proving the log unaltered: the hash chain, SQLite's own integrity check, the witness, and the
state tables rebuilt from the events (store/statecheck.py)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import bindparam, text
from sqlalchemy.exc import DatabaseError

from warroom.errors import DatabaseDamaged, LogAltered
from warroom.home import Home
from warroom.i18n import N_, _, ngettext, number
from warroom.store import chain, eventlog, migrate, statecheck
from warroom.store.engine import Store
from warroom.witness import Entry, Lines, Torn, Witness

INTEGRITY_OK = N_("database integrity ok")
GUARDS_IN_PLACE = N_("append-only and state-table guards in place")


@dataclass(frozen=True)
class Report:
    events: int
    head_seq: int
    head_hash: str
    witnessed_seq: int | None  # the newest witnessed head this database holds, checked
    witness_ahead: bool  # the witness saw later events than this database holds (a backup)
    signed_by: Path | None = None  # verify --key: the public key the witness was checked against
    warnings: list[str] = field(default_factory=list)  # not tampering, but worth knowing (a torn last line)
    unchecked: tuple[str, ...] = ()  # what the events could not check in the state tables (older logs)
    integrity: str = INTEGRITY_OK  # what the database's own check found (SQLite), or the guards in place (PostgreSQL)

    def __str__(self) -> str:
        lines = [ngettext("event log verified: {n} event, hash chain intact, {integrity}", "event log verified: {n} events, hash chain intact, {integrity}",
                          self.events).format(n=number(self.events), integrity=_(self.integrity))]
        if self.events:
            lines.append(_("head: seq {seq} {hash}").format(seq=self.head_seq, hash=self.head_hash))
        if self.witnessed_seq is not None:
            said = _("witness: signed head at seq {seq} matches, signed by {key}") if self.signed_by else _("witness: signed head at seq {seq} matches")
            lines.append(said.format(seq=self.witnessed_seq, key=self.signed_by))
        if self.witness_ahead:
            lines.append(_("note: the home has witnessed later events than this database holds (expected for a backup)"))
        lines.append(_("state tables match the events: incidents, steps, escalation ladders, fallback activations, supplier states"))
        lines += [_("not checked: {what}").format(what=what) for what in self.unchecked]
        return "\n".join(lines)


def verify_home(home: Home, key: Path | None = None, *, copy: bool = False) -> Report:
    """Open the home's database (or --db copy) and verify it; damage that stops it opening is LogAltered too.
    `key`: a public key kept off the host, checked instead of (and against) the home's warroom.pub.
    `copy`: the database is a copy though its URL cannot tell (a PostgreSQL backup restored elsewhere)."""
    witness = home.witness(given_key=key)
    try:
        store = home.open_store()
    except DatabaseDamaged as exc:
        raise LogAltered(_("database damaged: {problem}").format(problem=exc)) from None
    try:
        return verify(store, witness, own_database=home.own_database and not copy)
    finally:
        store.dispose()


def verify(store: Store, witness: Witness | None, *, own_database: bool) -> Report:
    """Check everything; LogAltered names the first bad seq, or the first state-table row that
    differs from the events. `own_database` is False for a copy (a backup): the witness may then
    have seen events after the copy was taken."""
    tables = statecheck.TableCheck()
    report = _verify_log(store, witness, own_database=own_database, tables=tables)
    # Reported after the log and its witness: rows left behind by cut-off events are a truncation first.
    if tables.difference is not None:
        raise LogAltered(_("state tables differ from the event log: {difference}").format(difference=tables.difference))
    return replace(report, unchecked=tuple(tables.unchecked()))


def _verify_log(store: Store, witness: Witness | None, *, own_database: bool, tables: statecheck.TableCheck) -> Report:
    sqlite = store.engine.dialect.name == "sqlite"
    # SQLite's integrity check reads the whole file in C without the GIL: on a connection of its
    # own, in a thread, beside the walk (which is Python, on the other core). Its verdict still
    # comes first, as when it ran before the walk: a damaged file is named as damaged.
    checking: list = []  # the check's driver connection, to interrupt it
    with ThreadPoolExecutor(1, thread_name_prefix="warroom integrity check") as pool:
        checked = pool.submit(_integrity_problems, store, checking) if sqlite else None
        try:
            walked = _walk(store, witness, tables)
        except Exception:
            if checked is not None:
                _require_integrity(checked)
            raise
        except BaseException:  # Ctrl-C: stop the check too, rather than wait for it to read the whole file
            for connection in checking:
                connection.interrupt()
            raise
        if checked is not None:
            _require_integrity(checked)
    count, head_seq, head_hash, cached, streams, newest, held, torn = walked
    integrity = INTEGRITY_OK if sqlite else GUARDS_IN_PLACE
    report = _verify_witness(witness, own_database, count, head_seq, head_hash, cached, streams, newest, held, torn)
    return replace(report, integrity=integrity)


def _integrity_problems(store: Store, checking: list) -> list[str]:
    with store.engine.connect() as connection:
        checking.append(connection.connection.driver_connection)
        return [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]


def _damaged(exc: DatabaseError | DatabaseDamaged) -> LogAltered:
    return LogAltered(_("database damaged: {problem}").format(problem=exc.orig if isinstance(exc, DatabaseError) else exc))


def _require_integrity(checked: Future) -> None:
    try:
        problems = checked.result()
    except (DatabaseError, DatabaseDamaged) as exc:
        raise _damaged(exc) from None
    if problems != ["ok"]:
        raise LogAltered(_("database damaged: {problem}").format(problem="; ".join(problems[:3])))


def _walk(store: Store, witness: Witness | None, tables: statecheck.TableCheck):
    # The witness as it stands before the snapshot begins: every line in it then witnesses an event
    # committed before the snapshot, so it is in the snapshot unless the log was cut. Read after,
    # a writer's commit and witness line in between would look like a truncation.
    witnessed = witness.as_it_stands() if witness is not None else None
    try:
        # One snapshot for the walk and the tables: SQLite's read transaction is one already;
        # PostgreSQL's default (read committed) would let a commit land between the two.
        options = {"isolation_level": "REPEATABLE READ"} if store.engine.dialect.name == "postgresql" else {}
        with store.engine.connect().execution_options(**options) as connection:
            # Begun before the first read: the walk reads through the driver's own cursor, which
            # SQLAlchemy's lazy BEGIN never sees, and without it each read took its own snapshot.
            connection.begin()
            tables.begin(connection)
            if store.engine.dialect.name != "sqlite":
                _require_guards(connection)
            count, head_seq, head_hash = 0, 0, chain.GENESIS
            streams: dict[str, tuple[int, str]] = {}
            feed, item = tables.feed, None
            with closing(eventlog.stored(connection)) as events:  # its cursor closed here, whatever stops the walk
                for item in chain.walk(events, streams):
                    if type(item) is chain.Break:
                        raise LogAltered(_("event log altered at {where}").format(where=item))
                    feed(item)
                    count += 1
            if count:
                head_seq, head_hash = item["seq"], item["hash"]
            tables.end()  # in the walk's read transaction: events and rows of one moment
            cached = {stream: (seq, hash_) for stream, seq, hash_ in connection.execute(text("SELECT stream, seq, hash FROM stream_head"))}
            newest, held, torn = _witnessed(witness, witnessed, connection, head_seq)
    except (DatabaseError, DatabaseDamaged) as exc:
        raise _damaged(exc) from None
    except (RecursionError, MemoryError, TypeError, ValueError, UnicodeError) as exc:
        # A stored value no honest write makes (a BLOB for text, JSON nested beyond reason, a
        # time that is not one) stops the reading itself: that is an altered database too.
        raise LogAltered(_("database altered: a stored value cannot be read ({error})").format(error=f"{type(exc).__name__}: {str(exc)[:200]}")) from None
    finally:
        if witnessed is not None:
            witnessed.close()
    return count, head_seq, head_hash, cached, streams, newest, held, torn


def _verify_witness(witness, own_database, count, head_seq, head_hash, cached, streams, newest, held, torn) -> Report:
    if witness is None:
        _compare_stream_heads(cached, streams)
        return Report(count, head_seq, head_hash, None, False)
    warnings = [str(torn)] if torn else []
    if newest is None:
        if count and own_database:
            raise LogAltered(_("{file} is missing or empty, but the log holds {n} events: its head cannot be checked").format(file=witness.path.name, n=count))
        _compare_stream_heads(cached, streams)
        return Report(count, head_seq, head_hash, None, False, witness.given_key, warnings)
    if newest.seq > head_seq and own_database:
        raise LogAltered(_("event log truncated: seq {first} to {last} were witnessed (the last at {at}) but are missing from the database").format(
            first=head_seq + 1, last=newest.seq, at=newest.at))
    _compare_stream_heads(cached, streams)  # after the witness: a cut-off log is a truncation first
    return Report(count, head_seq, head_hash, held.seq if held else None, newest.seq > head_seq, witness.given_key, warnings)


# The triggers that keep the log append-only and the state tables on their paths (migrations 0001
# and 0004). On PostgreSQL, a role that owns the tables can drop or disable them without a trace in
# the log; verify names any that is gone.
_GUARDS = text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND tgrelid IN "
               "(SELECT oid FROM pg_class WHERE relnamespace = to_regnamespace(current_schema()))")


def _require_guards(connection) -> None:
    present = {row[0] for row in connection.execute(_GUARDS)}
    gone = [name for name in migrate.guard_triggers() if name not in present]
    if gone:
        names = ", ".join(gone[:5]) + (" …" if len(gone) > 5 else "")
        raise LogAltered(ngettext("database altered: its guard trigger {names} is dropped or disabled "
                                  "(the log and state tables were left unguarded; restore the schema and check the log)",
                                  "database altered: its guard triggers {names} are dropped or disabled "
                                  "(the log and state tables were left unguarded; restore the schema and check the log)", len(gone)).format(names=names))


def _witnessed(witness: Witness | None, lines: Lines | None, connection, stored_head: int) -> tuple[Entry | None, Entry | None, Torn | None]:
    """Every witnessed head the database holds compared with the event at its seq; then the newest
    witnessed head, the newest one at or below the database's head, and a torn last line.

    Every one, not only the newest: an attacker with the database file can rewrite an event and
    re-hash the chain after it, and the next honest write then has the rewritten chain witnessed;
    the older signed heads still name the hashes the events had. Lines are compared in batches
    against the stored hashes (the walk has just proven them consistent); a signature is checked
    where a line disagrees (to say which side was altered) and for the newest lines kept."""
    newest = held = torn = None
    if witness is None or lines is None:
        return None, None, None
    witness.check_home_key()
    batch: list[Entry] = []
    for entry in lines.entries():
        if isinstance(entry, Torn):
            torn = entry
            continue
        if newest is None or entry.seq > newest.seq:
            newest = entry
        if entry.seq <= stored_head:
            if held is None or entry.seq > held.seq:
                held = entry
            batch.append(entry)
            if len(batch) >= _BATCH:
                _compare_witnessed(witness, connection, batch)
                batch = []
    _compare_witnessed(witness, connection, batch)
    for entry in {id(e): e for e in (newest, held) if e is not None}.values():
        witness.check_signature(entry)
    return newest, held, torn


def _compare_stream_heads(stored: dict[str, tuple[int, str]], derived: dict[str, tuple[int, str]]) -> None:
    """The append cache of each stream's newest event must be what the events say: altered, the
    next honest event would link to the wrong place and be blamed for it."""
    for stream in sorted(set(stored) | set(derived)):
        if stored.get(stream) != derived.get(stream):
            raise LogAltered(_("the stream cache (table stream_head) differs from the events for {stream}: stored {stored}, the events say {derived}").format(
                stream=stream, stored=stored.get(stream), derived=derived.get(stream)))


_BATCH = 5000
_HASHES_AT = text("SELECT seq, hash FROM event WHERE seq IN :seqs").bindparams(bindparam("seqs", expanding=True))


def _compare_witnessed(witness: Witness, connection, entries: list[Entry]) -> None:
    if not entries:
        return
    stored = dict(connection.execute(_HASHES_AT, {"seqs": sorted({e.seq for e in entries})}).all())
    for entry in sorted(entries, key=lambda e: e.seq):
        if stored.get(entry.seq) != entry.hash:
            witness.check_signature(entry)  # a forged or altered witness line says so first
            raise LogAltered(_("event log altered at seq {seq}: its hash differs from the signed witness record ({file}:{line})").format(
                seq=entry.seq, file=witness.path.name, line=entry.line))
