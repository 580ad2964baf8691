"""The room's log paints a new row, not the whole log again (issue 15: twenty rooms at ten entries
a second), and shows exactly what a plain table of the same rows shows, in every state it goes
through: rows added at the end with the cursor following them, a reader scrolled back, focus, a
narrower terminal, a filter, an entry altered in place."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import DataTable

from warroom.tui.quiet import Rows
from warroom.tui.room import LogPanel

COLUMNS = (("time", "time"), ("who", "who"), ("kind", "kind"), ("what", "what"))


def entries(n: int, start: int = 0) -> list[tuple[str, tuple[str, str, str, str]]]:
    return [(str(i), (f"10:{i // 60 % 60:02d}:{i % 60:02d}", f"scribe-{i % 3}", "decision", f"entry {i}: called the desk [b]again[/b] " + "x" * (i % 40)))
            for i in range(start, start + n)]


class Counted(LogPanel):
    """The room's log, counting the body rows DataTable paints (a line it keeps is not painted)."""

    painted: list[str]

    def _render_line_in_row(self, row_key, line_no, base_style, cursor_location, hover_location):
        if row_key is not self._header_row_key:
            self.painted.append(row_key.value)
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)


class LogApp(App):
    def __init__(self, table: type[DataTable]):
        super().__init__()
        self.table = table

    def compose(self):
        yield self.table(id="log", cursor_type="row", columns=COLUMNS, fill="what")


def follow(table, rows) -> None:
    """What the room does at each read: every row again, the cursor on the newest if it was there."""
    following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
    table.sync(rows)
    if following and table.row_count:
        table.move_cursor(row=table.row_count - 1)


def test_an_entry_added_to_a_followed_log_paints_that_row_and_the_one_the_cursor_left():
    async def scenario():
        app = LogApp(Counted)
        async with app.run_test(size=(100, 30)) as pilot:
            log = app.query_one(Counted)
            log.painted = []
            shown = entries(300)
            follow(log, shown)
            await pilot.pause()
            await pilot.pause()
            assert log.painted, "the first frame paints the visible rows"
            for n in range(5):
                log.painted = []
                shown = shown + entries(1, 300 + n)
                follow(log, shown)
                await pilot.pause()
                await pilot.pause()
                # The new row, and the one the cursor left; not the ~25 rows on screen.
                assert str(300 + n) in log.painted and set(log.painted) <= {str(299 + n), str(300 + n)}, log.painted

    asyncio.run(scenario())


def screen(app: App) -> list[list[tuple[str, object]]]:
    """Every cell the screen shows, with its style: what a terminal is sent."""
    return [[(segment.text, segment.style) for segment in strip] for strip in app.screen._compositor.render_strips()]


def test_the_log_shows_what_a_plain_table_of_the_same_rows_shows_in_every_state():
    async def run(table: type[DataTable]) -> list:
        frames = []
        app = LogApp(table)
        async with app.run_test(size=(160, 24)) as pilot:  # every row whole, until the terminal narrows
            log = app.query_one(table)

            async def frame() -> None:
                await pilot.pause()
                await pilot.pause()
                frames.append(screen(app))

            shown = entries(60)
            follow(log, shown)
            await frame()
            for n in range(3):  # followed
                shown = shown + entries(1, 60 + n)
                follow(log, shown)
                await frame()
            log.focus()
            await frame()
            await pilot.press("k", "k", "k", "k", "k")  # read back: new rows leave the reader where they are
            await frame()
            shown = shown + entries(2, 63)
            follow(log, shown)
            await frame()
            await pilot.hover(log, offset=(5, 4))  # the mouse over a row, then another
            await frame()
            await pilot.hover(log, offset=(5, 7))
            await frame()
            shown = [*shown, ("65", ("10:01:05", "a-coordinator-with-a-long-name", "decision", "a wider who"))]
            follow(log, shown)  # the who column widens under the rows already painted
            await frame()
            await pilot.resize_terminal(70, 24)  # narrower: the `what` column is cut
            await frame()
            whole = shown
            shown = [row for row in shown if int(row[0]) % 2]  # a filter
            follow(log, shown)
            await frame()
            altered = shown[-3][0]
            shown = [(key, cells if key != altered else (*cells[:3], "altered in the file")) for key, cells in shown]
            follow(log, shown)
            await frame()
            # The filter cleared, an entry it hid altered meanwhile: back in its old place, with its new text.
            shown = [(key, cells if key not in (altered, "4") else (*cells[:3], "altered in the file")) for key, cells in whole]
            follow(log, shown)
            await frame()
            app.set_focus(None)
            await frame()
        return frames

    plain, growing = asyncio.run(run(Rows)), asyncio.run(run(LogPanel))
    assert len(plain) == len(growing)
    for n, (a, b) in enumerate(zip(plain, growing, strict=True)):
        assert a == b, f"frame {n} differs"


def test_an_entry_logged_under_an_open_room_paints_its_row_not_the_log(home, clock, monkeypatch):
    """The real room over a log of 200 entries, following its newest: each entry logged meanwhile
    (another coordinator) paints its own row and the one the cursor left, never the screenful."""
    from tests.helpers import act_as_me, start_incident
    from tests.test_incidents import configure
    from tests.tui.test_board import until
    from tests.tui.test_room import open_room
    from warroom.services import logbook
    from warroom.tui.app import make_app

    configure(home)
    incident_id = start_incident(home, clock)

    def log(text: str):
        return act_as_me(home, clock, lambda s, cfg, me: logbook.log(s, incident_id=incident_id, text=text, kind="observation", now=clock.now(), actor=me))

    for n in range(200):
        log(f"earlier entry {n}")
    painted: list[str] = []
    paint = LogPanel._render_line_in_row

    def counted(self, row_key, *args, **kwargs):
        if row_key is not self._header_row_key:
            painted.append(row_key.value)
        return paint(self, row_key, *args, **kwargs)

    monkeypatch.setattr(LogPanel, "_render_line_in_row", counted)

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            table = room.query_one("#log", LogPanel)
            await until(pilot, lambda: table.row_count == len(room.view.events), what="the log")
            await pilot.pause()
            for n in range(4):
                painted.clear()
                seq = str(log(f"entry {n} under the open room")["seq"])
                await until(pilot, lambda seq=seq: table.row_count and table.coordinate_to_cell_key((table.row_count - 1, 0)).row_key.value == seq,
                            what="the entry in the log")
                await pilot.pause()
                await pilot.pause()
                if n:  # the first lands while a loaded host may still be laying the new room out (its scrollbar, its fit)
                    assert seq in painted and len(set(painted)) <= 2, painted

    asyncio.run(scenario())



class Composed(LogPanel):
    """The room's log, counting the lines composed for the screen (kept rows included: a scroll
    composes every visible line again, whatever each row's paint cost)."""

    composed = 0

    def render_line(self, y: int):
        self.composed += 1
        return super().render_line(y)


def test_a_followed_log_is_scrolled_to_a_new_entry_as_it_is_added_and_composed_once_for_it():
    """DataTable measures added rows when idle and scrolls its cursor only after the next frame,
    so each entry had the log composed and sent twice (the row below its edge, then scrolled;
    two frames a read, counted in the real room). Rows of one line are measured at once: when
    the room has given the rows, the table already stands at the newest, and its visible lines
    are composed once."""
    async def scenario():
        app = LogApp(Composed)
        async with app.run_test(size=(100, 30)) as pilot:
            log = app.query_one(Composed)
            shown = entries(300)
            follow(log, shown)
            await pilot.pause()
            await pilot.pause()
            for n in range(5):
                shown = shown + entries(1, 300 + n)
                follow(log, shown)
                height = log.row_count + log.header_height
                assert log.virtual_size.height == height and log.scroll_y == height - log.scrollable_content_region.height, (
                    log.virtual_size, log.scroll_y)
                log.composed = 0
                await pilot.pause()
                await pilot.pause()
                await pilot.pause()
                assert log.composed == log.size.height, (log.composed, log.size.height)

    asyncio.run(scenario())


def test_the_room_opens_with_its_newest_log_entry_in_sight(home, clock):
    """The log is scrolled to its newest row as the rows are given, before the room has arranged
    its panels; the layout that follows changes the log's height, and the newest row must still
    be in sight then (it was left one row below the edge until another entry came)."""
    from tests.helpers import act_as_me, start_incident
    from tests.test_incidents import configure
    from tests.tui.test_board import until
    from tests.tui.test_room import open_room
    from warroom.services import logbook
    from warroom.tui.app import make_app

    configure(home)
    incident_id = start_incident(home, clock)
    act_as_me(home, clock, lambda s, cfg, me: [logbook.log(s, incident_id=incident_id, text=f"entry {n}", kind="observation", now=clock.now(),
                                                            actor=me) for n in range(60)])

    async def scenario():
        app = make_app(home, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            room = await open_room(app, pilot, incident_id)
            log = room.query_one("#log", LogPanel)
            await until(pilot, lambda: log.row_count == len(room.view.events) and log.max_scroll_y > 0, what="the log")
            await until(pilot, lambda: log.scroll_y == log.max_scroll_y, timeout=3, what="the newest row in sight")
            assert log.cursor_row == log.row_count - 1 and "entry 59" in str(log.get_row_at(log.cursor_row)[3])

    asyncio.run(scenario())
