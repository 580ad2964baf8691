"""What the screens need from the database, read only when it can have changed.

The monitor commits after every check (at 1,000 suppliers, hundreds a second), so "someone
committed" (SQLite's PRAGMA data_version, PostgreSQL's NOTIFY: store/changes.py) is no reason on its own to re-read a board that costs 50 ms of
CPU: a one-query fingerprint says whether anything shown moved. Latency trends change with the
minute and are read then. What moves with time alone (staleness, overdue flags) is caught by a
full read every few seconds. An open incident room follows its incident (incidents.Following):
each read takes only the events appended since the last. A read that changes nothing a screen
shows is not handed on, so nothing is repainted and nothing is sent down the wire. No Textual here: the app's watcher thread
drives it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.clock import Clock
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.services import health, incidents, views
from warroom.services.board import board, fingerprint, head, only_entries
from warroom.store.changes import Watcher
from warroom.store.engine import Store

FULL_READ_SECONDS = 5.0
COVERED_FINGERPRINT_SECONDS = 1.0  # behind a room, what moves without an event (a supplier's via) is looked for this often
ROOM_CHECK_SECONDS = 60.0  # an open room reads only new events; this often it checks its incident from the first again
TREND_MINUTES = 8  # bars in a latency sparkline, one per full minute
YOUNG_TREND_SECONDS = 5.0  # before a supplier's first full minute, its figure is the minute under way


Trends = dict[str, list[float | None]]
Troubles = dict[str, list[str | None]]  # the worst failed check of each minute of a trend



def what_shows(board: views.Board) -> tuple[Any, ...]:
    """A board read without its per-check figures (the latest latency, when last checked, the
    moment of the read): the screens show latency per minute from the trends, so a new check
    alone changes nothing. Plain tuples: compared several times a second at 1,000 suppliers."""
    status = board.status
    return (tuple(map(views.supplier_shown, status.suppliers)), status.services, status.incidents, board.fallbacks, board.suggestions,
            board.injects)


def _says_nothing_new(seen: tuple[Any, ...] | None, latest: tuple[Any, ...]) -> bool:
    """Whether, between two fingerprints (services/board.fingerprint: the log's head, then each
    supplier's id, state, since, via, detail, disagreement), nothing moved that a board under a
    room tells (a toast says a supplier's state and via; anything logged, such as an incident
    started, moves the head). On a loaded host checks time out, so details change every second
    while states hold: each was a board read of 1,000 suppliers behind a room (py-spy)."""
    if seen is None or len(seen) != len(latest) or seen[0] != latest[0]:
        return False
    return all(a[0] == b[0] and a[1] == b[1] and a[3] == b[3] for a, b in zip(seen[1:], latest[1:], strict=True))


@dataclass(frozen=True, slots=True)
class BoardRead:
    """A board read and the latency trends the supplier table draws beside it."""

    board: views.Board
    trends: Trends
    troubles: Troubles = field(default_factory=dict)


class Reader:
    def __init__(self, store: Store, changes: Watcher, config: Config, clock: Clock):
        self.store, self.changes, self.config, self.clock = store, changes, config, clock
        self._supplier_ids = [s.id for s in config.suppliers]
        self._seen: tuple[Any, ...] | None = None
        self._shown: tuple[Any, ...] | None = None
        self._room: views.IncidentView | None = None
        self._trends: Trends = {}
        self._troubles: Troubles = {}
        self._trends_minute: datetime | None = None
        self._trends_again = 0.0
        self._next_full_read = 0.0
        self._following: incidents.Following | None = None
        self._room_check = 0.0
        self._covered = False  # the last poll's board_covered
        self._next_fingerprint = 0.0  # behind a room: when to read the whole fingerprint again

    def poll(self, *, forced: bool, incident_id: int | None, board_covered: bool = False) -> tuple[BoardRead | None, views.IncidentView | None]:
        """(board, incident room): each None unless it changed (or `forced`, after an action
        of ours). `board_covered`: no screen that shows the board is visible (a room is over
        it): what the database changed is still read (a toast may say it, and the board is
        painted from it when it is back), but not what moves with time alone, read the moment
        it is uncovered — at 1,000 suppliers that 5-second read was a fifth of a TUI's CPU
        under load behind a room nobody looks away from (py-spy)."""
        now = self.clock.now()
        minute = now.replace(second=0, microsecond=0)
        trends_due = minute != self._trends_minute or time.monotonic() >= self._trends_again
        moved = entries = False
        if self.changes.poll():
            with self.store.read() as session:
                latest, entries = self._fingerprint(session, board_covered)
                if latest != self._seen:
                    # Only the log's head moved, by entries alone: the open room reads them, the board need not.
                    entries = entries or (self._seen is not None and latest[1:] == self._seen[1:] and isinstance(latest[0], int)
                                          and isinstance(self._seen[0], int) and only_entries(session, self._seen[0], latest[0]))
                    moved = not entries
                    if moved and board_covered and _says_nothing_new(self._seen, latest):
                        moved = False  # only what a covered board would not say: read when it is back (uncovered)
            self._seen = latest
        full_due = time.monotonic() >= self._next_full_read
        uncovered, self._covered = self._covered and not board_covered, board_covered
        board_due = moved or forced or uncovered or (not board_covered and (trends_due or full_due))
        room_due = incident_id is not None and (entries or moved or forced or full_due or board_due)
        if not (board_due or room_due):
            return None, None
        if board_due or full_due:
            self._next_full_read = time.monotonic() + FULL_READ_SECONDS
        with self.store.read() as session:
            data = board(session, self.config, now) if board_due else None
            if data is not None and trends_due:
                self._read_trends(session, data, now, minute)
            view = None
            if room_due and incident_id is not None:
                following = self._follow(incident_id)
                try:
                    view = following.view(session, self.config, now)
                except WarroomError:  # gone from under the screen, or its log altered: the board says so
                    view = None
        board_out = None
        if data is not None:
            shown = (what_shows(data), self._trends, self._troubles)
            board_out = BoardRead(data, self._trends, self._troubles) if forced or shown != self._shown else None
            self._shown = shown
        room_out = view if view is not None and (forced or view != self._room) else None
        self._room = view if view is not None else self._room
        return board_out, room_out

    def _fingerprint(self, session: Any, board_covered: bool) -> tuple[tuple[Any, ...], bool]:
        """The board's fingerprint (and True when it is known that only entries moved it since the
        last), or behind a room (`board_covered`) mostly the log's head alone: the monitor commits
        every check, and each of the four polls a second read a thousand suppliers' rows (a fifth
        of a TUI's CPU with a room open, py-spy under bench_load). What a covered board tells at
        once comes with an event (a state change, an incident, a fallback), which moves the head;
        the rest of the fingerprint (a supplier's via, its detail) is read again every
        COVERED_FINGERPRINT_SECONDS, or at once when the head moved by other than entries.
        Uncovered, the board is read whole as ever."""
        seen, clock = self._seen, time.monotonic()
        if board_covered and seen is not None and isinstance(seen[0], int) and clock < self._next_fingerprint:
            newest = head(session)
            if newest == seen[0]:
                return seen, False
            if isinstance(newest, int) and only_entries(session, seen[0], newest):
                return (newest, *seen[1:]), True
        self._next_fingerprint = clock + COVERED_FINGERPRINT_SECONDS
        return fingerprint(session), False

    def room(self, incident_id: int) -> views.IncidentView | None:
        """The incident alone, read now (a room just opened); None when it cannot be shown."""
        with self.store.read() as session:
            try:
                view = self._follow(incident_id).view(session, self.config, self.clock.now())
            except WarroomError:
                return None
        self._room = view
        return view

    def _follow(self, incident_id: int) -> incidents.Following:
        """The open room's incident, followed as its log grows (incidents.Following), and checked
        from its first event again every ROOM_CHECK_SECONDS."""
        if self._following is None or self._following.incident_id != incident_id:
            self._following = incidents.Following(incident_id)
            self._room_check = time.monotonic() + ROOM_CHECK_SECONDS
        elif time.monotonic() >= self._room_check:
            self._following.again()
            self._room_check = time.monotonic() + ROOM_CHECK_SECONDS
        return self._following

    def _read_trends(self, session: Any, data: views.Board, now: datetime, minute: datetime) -> None:
        self._trends, self._trends_minute = health.trends(session, self._supplier_ids, now, TREND_MINUTES), minute
        self._troubles = health.troubles(session, self._supplier_ids, now, TREND_MINUTES)
        young = any(all(v is None for v in self._trends[s.id][:-1]) and s.latency_ms is not None for s in data.status.suppliers)
        self._trends_again = time.monotonic() + YOUNG_TREND_SECONDS if young else float("inf")
