"""Sending the terminal only what changed: the Rows table repaints changed lines alone, text
widgets are left alone when their text is the same, and the running app keeps the collector's
full passes off the key path."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from textual.app import App
from textual.geometry import Region
from textual.widgets import DataTable

from tests.tui.test_board import until
from warroom.tui import literal
from warroom.tui.app import WarroomApp
from warroom.tui.quiet import Rows

COLUMNS = (("state", "state", 13), ("supplier", "name"), ("note", "note"))


class Repaints(DataTable):
    """Below Rows in the method order: sees what Rows finally asks Textual to repaint."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.repaints: list[tuple[Region, ...] | str] = []

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if self.is_mounted:
            self.repaints.append("layout" if layout else regions or "all")
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class Recording(Rows, Repaints):
    pass


def rows(n: int, changed: dict[int, tuple[str, str, str]] | None = None) -> list[tuple[str, tuple[str, str, str]]]:
    out = [(f"s{i}", ("▲ up", f"supplier {i}", "HTTP 200")) for i in range(n)]
    for i, cells in (changed or {}).items():
        out[i] = (f"s{i}", cells)
    return out


class TableApp(App):
    def compose(self):
        yield Recording(id="t", columns=COLUMNS)


def with_table(n: int, body) -> None:
    """Run `await body(pilot, table)` against a Recording table of n rows in a small app."""
    async def scenario():
        app = TableApp()
        async with app.run_test(size=(80, 12)) as pilot:
            table = app.query_one(Recording)
            table.sync(rows(n))
            await pilot.pause()
            await body(pilot, table)

    asyncio.run(scenario())


def test_a_changed_row_repaints_that_line_and_nothing_else():
    async def body(pilot, table):
        table.repaints.clear()
        table.sync(rows(100))  # the same text: nothing at all
        assert table.repaints == []
        table.sync(rows(100, {3: ("▼ down", "supplier 3", "HTTP 503")}))
        assert table.repaints == [(Region(0, 4, table.size.width, 1),)] * 2  # two cells, one line: header + row 3
        assert str(table.get_cell("s3", "state")) == "▼ down"
        table.repaints.clear()
        table.sync(rows(100, {3: ("▼ down", "supplier 3", "HTTP 503"), 90: ("◆ degraded", "supplier 90", "slow")}))
        assert table.repaints == []  # row 90 is out of view: stored, not repainted
        assert str(table.get_cell("s90", "state")) == "◆ degraded"
        table.move_cursor(row=90)
        await pilot.pause()
        assert "◆ degraded" in "".join(strip.text for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height)))

    with_table(100, body)


def test_rows_keep_order_and_selection_through_additions_removals_and_reorders():
    async def body(pilot, table):
        table.move_cursor(row=3)
        await pilot.pause()
        assert table.selected_key == "s3"
        table.sync(rows(5)[:1] + rows(5)[2:] + [("s9", ("▲ up", "supplier 9", "new"))])  # s1 gone, s9 at the end
        assert [r.value for r in table.rows] == ["s0", "s2", "s3", "s4", "s9"]
        assert table.selected_key == "s3", "a row above gone: the cursor stays on its row, not its row number"
        table.move_cursor(row=2)
        table.sync(list(reversed(rows(5))))  # reordered: rebuilt, and the cursor stays on its row
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)] == ["s4", "s3", "s2", "s1", "s0"]
        assert table.selected_key == "s3"
        table.sync([])
        assert table.row_count == 0 and table.selected_key is None

    with_table(5, body)


def test_a_row_moving_to_the_top_of_many_is_moved_not_made_again_and_the_cursor_keeps_its_row():
    """A supplier going down moves to the top of a thousand: clearing and adding every row held
    a key pressed meanwhile. The rows are sorted into place; their cells are the same objects."""
    async def body(pilot, table):
        table.move_cursor(row=40)
        await pilot.pause()
        kept = {key: table.get_row(key) for key in ("s0", "s40", "s99")}
        down = ("s70", ("▼ down", "supplier 70", "HTTP 503"))
        wanted = [down] + [row for row in rows(100) if row[0] != "s70"]
        wanted.insert(50, ("new", ("▲ up", "a new supplier", "HTTP 200")))  # and one new in the middle
        table.sync(wanted)
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)] == [key for key, _ in wanted]
        assert all(table.get_row(key)[n] is cell for key, cells in kept.items() for n, cell in enumerate(cells))  # not made again
        assert table.selected_key == "s40"
        assert str(table.get_cell("s70", "state")) == "▼ down"
        same = literal.cell("same")  # two rows of the very same cell objects cannot be told apart: made again, in order
        table.sync([("a", (same, same, same)), ("b", (same, same, same))])
        table.sync([("b", (same, same, same)), ("a", (same, same, same))])
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)] == ["b", "a"]
        up = literal.cell("▲ up")  # one state cell shared by every row up: told apart by the next column (_reorder's fallback)
        x, y = ("x", (up, literal.cell("x"), literal.cell(""))), ("y", (up, literal.cell("y"), literal.cell("")))
        table.sync([x, y])
        made = {key: table.get_row(key) for key in ("x", "y")}
        table.sync([y, x])
        assert [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)] == ["y", "x"]
        assert all(table.get_row(key)[n] is cell for key, cells in made.items() for n, cell in enumerate(cells))  # moved, not made again

    with_table(100, body)


def test_text_that_outgrows_its_column_widens_it():
    note = "status page says operational; our probe sees it down"

    async def body(pilot, table):
        table.sync(rows(3, {1: ("▲ up", "supplier 1", note)}))
        await pilot.pause()
        assert table.columns["note"].content_width >= len(note)
        assert note in "".join(strip.text for strip in table.render_lines(Region(0, 0, 200, table.size.height)))

    with_table(3, body)


def test_rows_grow_their_columns_as_datatable_would_without_asking_rich_to_measure(monkeypatch):
    """Rows measure their Text cells themselves (Rich's measure also finds the widest word, which
    a table never uses: ~40 ms of the board's first frame): the widths are DataTable's own."""
    from rich.text import Text

    cells = [("▲ up", "plain", ""), ("▼ DOWN ↳", "宽字符宽字符 wide", Text("two\nlines, the second longer")), ("◌ maintenance", Text("ours", "bold"), "short")]
    labels = [label for label, *_ in COLUMNS]

    class Both(App):
        def compose(self):
            yield Rows(id="rows", columns=COLUMNS)
            yield DataTable(id="plain")

    measured: list[str] = []
    real = Text.__rich_measure__

    def counted(self, console, options):
        measured.append(self.plain)
        return real(self, console, options)

    async def scenario():
        app = Both()
        async with app.run_test(size=(120, 12)) as pilot:
            ours, plain = app.query_one("#rows", Rows), app.query_one("#plain", DataTable)
            for label, key, *_ in COLUMNS:
                plain.add_column(Text(label), key=key)
            for column in COLUMNS:
                if column[2:]:
                    plain.columns[column[1]].content_width = column[2]
            await pilot.pause()
            monkeypatch.setattr(Text, "__rich_measure__", counted)
            ours.sync([(f"r{n}", row) for n, row in enumerate(cells)])
            await pilot.pause()
            assert [m for m in measured if m not in labels] == []  # our rows: no Rich measuring
            monkeypatch.setattr(Text, "__rich_measure__", real)
            for n, row in enumerate(cells):
                plain.add_row(*map(literal.cell, row), key=f"r{n}")
            await pilot.pause()
            assert [c.content_width for c in ours.ordered_columns] == [c.content_width for c in plain.ordered_columns]
            assert ours.virtual_size == plain.virtual_size
            assert [c.content_width for c in ours.ordered_columns] == [13, 17, 24]  # wide characters count two; the widest line

    asyncio.run(scenario())


@contextmanager
def full_passes() -> Iterator[list[tuple[float, int]]]:
    """Each full pass of the collector while inside: when it ended, and how many objects were
    frozen then; the collector's thresholds and frozen heap put back after."""
    passes: list[tuple[float, int]] = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            passes.append((time.monotonic(), gc.get_freeze_count()))

    thresholds = gc.get_threshold()
    gc.callbacks.append(seen)
    try:
        yield passes
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_the_running_app_freezes_its_heap_and_collects_on_its_own_clock(home):
    async def scenario(passes):
        app = WarroomApp(home, keep_monitor=False, freeze_heap=True)
        app.FULL_COLLECTION_SECONDS = 0.2
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: gc.get_freeze_count() > 0, what="the heap frozen after the first board")
            assert gc.get_threshold()[2] == 1_000_000  # no automatic full passes
            passes.clear()
            await until(pilot, lambda: passes, what="a full pass on the app's own clock")
            assert passes[0][1] > 0  # the frozen objects stayed out of it

    with full_passes() as passes:
        asyncio.run(scenario(passes))


class Cycle:
    """An object that refers to itself: only a full pass of the collector can free it."""

    def __init__(self):
        self.me = self


def frozen(thing: object) -> bool:
    """Out of every generation the collector walks (in its permanent one: gc.freeze)."""
    return gc.is_tracked(thing) and not any(o is thing for o in gc.get_objects())


def test_a_full_pass_freezes_what_survived_it_and_a_thaw_finds_a_cycle_dropped_since(home):
    """Each minute's pass walks what came since the last: a room's log grows by every entry, and
    walking all of it again stalled one of twenty TUIs for up to 0.9 s (bench_load). A cycle
    frozen alive and dropped later goes at the next thaw, so memory stays bounded."""
    async def scenario(passes):
        app = WarroomApp(home, keep_monitor=False, freeze_heap=True)
        app.FULL_COLLECTION_SECONDS, app.FULL_THAW_SECONDS = 0.1, 3600.0
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: gc.get_freeze_count() > 0, what="the heap frozen after the first board")
            held = [Cycle()]
            dropped = weakref.ref(held[0])
            await until(pilot, lambda: frozen(held[0]), what="the cycle frozen by a pass it survived")
            held.clear()
            passes.clear()
            await until(pilot, lambda: len(passes) >= 2, what="two more passes")
            assert dropped() is not None, "a frozen cycle is out of the minute's passes"
            assert all(count > 0 for _, count in passes), "they thawed nothing"
            app.FULL_THAW_SECONDS = 0.0
            await until(pilot, lambda: dropped() is None, what="the cycle freed by a thaw")
            assert any(count == 0 for _, count in passes), "a pass walked everything"
            await until(pilot, lambda: gc.get_freeze_count() > 0, what="frozen again after it")

    with full_passes() as passes:
        asyncio.run(scenario(passes))


def test_a_room_removed_after_a_pass_froze_it_is_freed_at_the_next_pass(home, clock):
    """A room open during a pass is frozen with its whole log; removed later (another incident's
    room opened), it waited for the quarter-hour thaw, and a coordinator going from room to room
    kept every room left (found by an attack on the refreezing pass)."""
    from tests.helpers import start_incident
    from tests.test_incidents import configure
    from warroom.tui.room import IncidentScreen

    configure(home)
    ids = [start_incident(home, clock) for _ in range(3)]
    rooms: list[weakref.ref] = []

    async def scenario(passes):
        app = WarroomApp(home, clock=clock, keep_monitor=False, freeze_heap=True)
        app.FULL_COLLECTION_SECONDS, app.KEYS_QUIET_SECONDS, app.FULL_THAW_SECONDS = 0.1, 0.0, 3600.0
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: gc.get_freeze_count() > 0, what="the heap frozen")
            for incident_id in ids:
                await app.open_room(incident_id)
                await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.view is not None, what="the room")
                rooms.append(weakref.ref(app.screen))
                seen = len(passes)
                await until(pilot, lambda seen=seen: len(passes) >= seen + 2, what="two passes with the room open: it is frozen")
                app.pop_screen()
                await pilot.pause()
            await until(pilot, lambda: rooms[0]() is None and rooms[1]() is None, what="the two rooms removed freed")
            assert rooms[2]() is app._kept_room, "the last room is kept, to be opened again"

    with full_passes() as passes:
        asyncio.run(scenario(passes))


def test_the_full_pass_waits_for_the_keys_to_rest_but_not_forever():
    from warroom.tui.app import full_pass_due

    due = lambda now, last_key: full_pass_due(now, last_full=1000.0, last_key=last_key, every=60, quiet=2, latest=300)  # noqa: E731
    assert not due(1059.0, last_key=900.0), "not yet a minute"
    assert due(1060.0, last_key=900.0), "a minute, and the keys at rest"
    assert not due(1060.0, last_key=1059.0), "a key a second ago: it waits"
    assert due(1061.5, last_key=1059.0), "two seconds without a key"
    assert not due(1299.0, last_key=1298.9), "keys without a pause for four minutes: still waiting"
    assert due(1300.0, last_key=1299.9), "five minutes: whatever the keys"


def test_keys_pressed_hold_the_running_apps_full_pass_until_they_rest(home):
    async def scenario(passes):
        app = WarroomApp(home, keep_monitor=False, freeze_heap=True)
        app.FULL_COLLECTION_SECONDS, app.KEYS_QUIET_SECONDS = 0.1, 1.0
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: gc.get_freeze_count() > 0, what="the heap frozen after the first board")
            await until(pilot, lambda: passes, what="a first full pass, no key pressed")
            passes.clear()
            keys: list[float] = []
            began = time.monotonic()
            while time.monotonic() - began < 1.5:  # a key every tenth of a second or so: at rest for a second, never
                await pilot.press("j")
                keys.append(time.monotonic())  # once it is handled
                await pilot.pause(0.1)
            await until(pilot, lambda: passes and passes[-1][0] > keys[-1], what="the full pass once the keys rest")
            for at, _frozen in passes:  # each pass came a second at rest after the key before it (the slack: a press's own time)
                before = [k for k in keys if k < at]
                assert not before or at - before[-1] >= 0.5, f"a full pass {at - before[-1]:.2f} s after a key"

    with full_passes() as passes:
        asyncio.run(scenario(passes))


def test_a_paused_collector_stays_off_through_the_first_frame_and_goes_on_after_it(home, monkeypatch):
    """The CLI turns Python's collector off while the board starts (its full passes cost ~30 ms
    of the first frame): the app turns it on again once that frame is on screen."""
    from tests.helpers import configure
    from warroom.tui import board

    configure(home)
    during: list[bool] = []
    look = board.BoardScreen._first_look
    monkeypatch.setattr(board.BoardScreen, "_first_look", lambda screen: during.append(gc.isenabled()) or look(screen))

    async def scenario():
        app = WarroomApp(home, keep_monitor=False, collector_paused=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, gc.isenabled, what="the collector on again after the first frame")
            assert during == [False]  # the first look (and its frame) ran without it

    gc.disable()
    try:
        asyncio.run(scenario())
    finally:
        gc.enable()


def test_a_row_painted_before_its_columns_were_measured_is_painted_again_at_their_width():
    async def body(pilot, table):
        def shown() -> str:
            return "\n".join(strip.text for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height)))

        table.sync(rows(3, {1: ("▼ down", "a supplier with a long name", "status page: Major outage")}))
        shown()  # a frame painted before the table measured the new row (it does that when idle)
        await pilot.pause()
        assert "a supplier with a long name  status page: Major outage" in shown()

    with_table(2, body)


def test_cut_counts_terminal_cells_and_marks_the_cut():
    from rich.cells import cell_len

    from warroom.tui.quiet import cut

    assert cut("Confirm the outage with NLCloud", 12) == "Confirm the…"
    wide = "事件事件事件事件"  # two cells each: len() would let twice the width through
    assert cell_len(cut(wide, 7)) <= 7 and cut(wide, 7).endswith("…")
    assert cut("short", 12) == "short"


class FillApp(App):
    def compose(self):
        yield Rows(id="t", columns=(("id", "id"), ("title", "title")), fill="title")


def test_a_fill_column_is_cut_with_an_ellipsis_to_the_tables_width_and_whole_again_when_it_fits():
    title = "Confirm the outage with NLCloud's service desk and note their ticket number"

    async def scenario():
        app = FillApp()
        async with app.run_test(size=(40, 8)) as pilot:
            table = app.query_one(Rows)
            table.sync([("a", ("confirm", title))])
            await pilot.pause()
            shown = str(table.get_row_at(0)[1])
            assert shown.endswith("…") and title.startswith(shown[:-1]) and len(shown) < len(title), shown
            lines = [strip.text.rstrip() for strip in table.render_lines(Region(0, 0, 40, table.size.height))]
            assert any(line.endswith("…") for line in lines), lines
            assert table.text_width() >= len(title)  # the room lays out on what the rows need whole
            await pilot.resize_terminal(120, 8)
            await until(pilot, lambda: str(table.get_row_at(0)[1]) == title, what="the title whole at 120 columns")

    asyncio.run(scenario())


class Counting(Rows):
    """Counts the rows it measures: a log given every row again must measure only the new."""

    measured = 0

    def _measure(self, key, cells):
        self.measured += 1
        return super()._measure(key, cells)


class TwoFillApp(App):
    def compose(self):
        yield Counting(id="grown", columns=(("id", "id"), ("title", "title")), fill="title")
        yield Rows(id="whole", columns=(("id", "id"), ("title", "title")), fill="title")


def test_a_fill_table_given_its_rows_again_with_more_at_the_end_handles_only_those_and_shows_what_a_whole_sync_shows():
    entries = [(f"r{i}", (f"r{i}", f"entry {i} " + "word " * (i % 5))) for i in range(80)]

    def shown(table: Rows) -> list[tuple[str, ...]]:
        return [tuple(str(c) for c in table.get_row_at(n)) for n in range(table.row_count)]

    async def scenario():
        app = TwoFillApp()
        async with app.run_test(size=(30, 40)) as pilot:
            grown, whole = app.query_one("#grown", Counting), app.query_one("#whole", Rows)
            grown.sync(entries[:50])
            await pilot.pause()
            deadline = time.monotonic() + 10
            await pilot.pause()
            # Fitted to its width once laid out, its scrollbar there (each syncs it again): a loaded host takes more than a pause.
            while grown._fit_state is None or grown._fit_state[0] != grown.scrollable_content_region.width:
                assert time.monotonic() < deadline, "the table was never fitted to its width"
                await pilot.pause(0.02)
            grown.measured = 0
            grown.sync(entries[:53])  # the same rows, three more: the room's log at each read
            assert grown.measured == 3
            await pilot.pause()
            given = entries[:60] + [("long", ("long", "a much longer entry than any before it, cut to the table"))]
            grown.sync(given)  # wider than the rest: fitted again, whole
            altered = list(given)
            altered[7] = ("r7", ("r7", "entry 7 said again"))
            grown.sync(altered)  # an earlier row changed: not taken for rows at the end
            grown.sync(altered + entries[60:])
            whole.sync(altered + entries[60:])
            await pilot.pause()
            assert shown(grown) == shown(whole)
            assert shown(grown)[7][1] == "entry 7 said again"
            assert [c.content_width for c in grown.columns.values()] == [c.content_width for c in whole.columns.values()]
            assert any(row[1].endswith("…") for row in shown(grown))  # the cut held where it must

    asyncio.run(scenario())
