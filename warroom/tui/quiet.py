"""Sending the terminal only what changed: coordinators may be on a phone hotspot.

`Rows` is a table kept in step with a list of rows that repaints only the lines whose text changed.
Textual's DataTable repaints every visible row when one cell changes (`update_cell` refreshes the
whole widget): at 120×40 that is about 16 KB to the terminal for one new number, and a board that
does it every few seconds costs a coordinator on a phone hotspot 8 KB/s and more. `Rows.sync`
compares each row's text with what is shown and asks Textual to repaint just the changed cells
(DataTable is a line-API widget, so a refreshed row region is all that gets rendered and sent).

Both are also where text becomes what the screen shows, so that no screen can forget: a str cell
of `Rows` is shown as written (DataTable would parse it as markup), and `QuietTexts` takes
Textual `Content` (a str is shown as written too). See `warroom.tui.literal`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable, Static

from warroom.i18n import N_
from warroom.tui import literal

Cell = str | Text  # a str is anyone's text, shown as written; a Text is ours (see literal.cell)


def cut(value: str, width: int) -> str:
    """At most `width` terminal cells (a wide character takes two), `…` where it was cut."""
    width = max(width, 1)
    if cell_len(value) <= width:
        return value
    return set_cell_size(value, width - 1).rstrip() + "…"  # a wide character split in two leaves a space: dropped


def cut_cell(cell: Cell, width: int) -> Cell:
    if isinstance(cell, str):
        return cut(cell, width)
    if cell.cell_len <= width:
        return cell
    shown = cell.copy()
    shown.truncate(max(width, 1) - 1)
    shown.append("…")
    return shown


def cut_words(content: Content, width: int) -> Content:
    """One line of at most `width` cells, cut after a whole word with `…` (a word is never split:
    Dutch words are long, and a top line that ends in half a word reads as another word). A
    `width` not known yet (0) cuts nothing: the widget's own ellipsis is the fallback."""
    if width <= 0 or content.cell_length <= width:
        return content
    plain = content.plain
    end, cells = 0, 0
    for at, char in enumerate(plain):
        if cells + 1 > width:  # no room for the `…` after this point
            break
        if char == " ":
            end = at
        cells += cell_len(char)
    kept = content[:end].rstrip(" ·") if end else content[:0]  # no separator left hanging before the `…`
    return Content.assemble(kept, "…")


def text_width(cell: Text) -> int:
    """A Text's width as DataTable measures it (`textual.render.measure`: Rich's maximum), its
    widest line, without Rich's widest-word pass."""
    return max((cell_len(line) for line in cell.plain.splitlines()), default=0)


def fit(natural: Sequence[int], available: int, shrink: Sequence[tuple[int, int]]) -> list[int]:
    """Column widths: each as wide as its content, unless the total does not fit `available`;
    then the columns in `shrink` (index, least width), least important first, give up space."""
    widths = list(natural)
    over = sum(widths) - available
    for index, least in shrink:
        if over <= 0:
            break
        give = min(over, max(0, widths[index] - least))
        widths[index] -= give
        over -= give
    return widths


class Rows(DataTable):
    BINDINGS = [Binding("j", "cursor_down", N_("Down"), show=False), Binding("k", "cursor_up", N_("Up"), show=False)]
    _only_cell: Coordinate | None = None  # a class default: DataTable.__init__ may refresh before ours runs
    _refit_selected: str | None = None  # the row the cursor was on when `refit` emptied the table
    fitted_by: Callable[[], None] | None = None
    """For a table whose owner cuts its rows to its width (sync_at): asked to fit them again when
    the table's room changes (a resize, a scroll bar that came or went)."""

    def __init__(self, *, columns: Sequence[tuple[str, str] | tuple[str, str, int]], fill: str | None = None, **kwargs):
        """`columns`: (label, key) or (label, key, width to start from). A column that must grow
        repaints the whole table, so one whose text varies ("▲ up", "◌ maintenance") starts as
        wide as it will usually need. `fill`: the column (a title, a log line) cut with `…` to
        the table's width when the rows are wider, instead of running off its edge."""
        super().__init__(**kwargs)
        self._column_spec = list(columns)
        self._shown: dict[str, tuple[Cell, ...]] = {}  # key → cells as asked for, in display order
        self._fill = [key for _, key, *_ in self._column_spec].index(fill) if fill else None
        self._natural: list[tuple[str, tuple[Cell, ...]]] = []  # the rows as given, before `fill` cut them
        # A fill table (the room's log) is given every row again at every change: each row's cell
        # widths and cut cells are kept by key while its cells are the same, so a change costs the
        # new rows, not the thousands already shown.
        self._measured: dict[str, tuple[tuple[Cell, ...], tuple[int, ...]]] = {}
        self._cuts: dict[str, tuple[tuple[Cell, ...], int, tuple[Cell, ...]]] = {}
        # A fill table's last sync: the rows as given, and (width available, natural widths, widths
        # fitted) so that rows added at the end (a log that grew) cost only themselves (`_appended`).
        self._given: list[tuple[str, Sequence[Cell]]] = []
        self._fit_state: tuple[int, list[int], list[int]] | None = None

    def on_mount(self) -> None:
        for label, key, *start in self._column_spec:
            self.add_column(Text(label), key=key)
            if start:
                self.columns[key].content_width = max(start[0], cell_len(label))

    def _update_dimensions(self, new_rows) -> None:
        """DataTable measures new rows and grown cells when idle, but caches rendered cells and
        rows by its update count alone: a frame painted before the measuring cached them at the
        old column widths, and the row stayed cut (a supplier's note missing) until something
        else changed. Measured, so a new count.

        Our cells are Rich `Text` (`literal.cell`), whose width as DataTable measures it is its
        widest line's. DataTable asks Rich, which works out the widest word as well, and the
        table never uses that: for the board's 200 suppliers the first frame waited ~40 ms on
        two cores for it (cProfile). Rows of Text grow their columns here; anything else (a row
        label, a row of automatic height, another kind of cell) is left to DataTable."""
        rest = []
        columns = self.ordered_columns
        for key in new_rows:
            row, cells = self.rows.get(key), self._data.get(key)
            if row is None or cells is None or row.label is not None or row.auto_height or not all(isinstance(c, Text) for c in cells.values()):
                rest.append(key)
                continue
            for column in columns:
                if (cell := cells.get(column.key)) is not None:
                    column.content_width = max(column.content_width, text_width(cell))
        super()._update_dimensions(rest)  # the rest, and the table's size from its columns
        self._update_count += 1

    def text_width(self) -> int:
        """The width its columns need to show every shown cell whole (cell padding included)."""
        return sum(w + 2 * self.cell_padding for w in self._natural_widths())

    def _natural_widths(self) -> list[int]:
        if self._fill is not None:  # whole, as given, whatever the table cut them to
            widths = [max(cell_len(label), *(start[:1] or [0])) for label, _key, *start in self._column_spec]
            measured = [self._measure(key, cells) for key, cells in self._natural]
            columns = list(zip(*measured, strict=False))  # rows of one table have one length
            return [max(w, *columns[n]) if n < len(columns) else w for n, w in enumerate(widths)]
        else:  # a column never narrows once shown (DataTable keeps its widest), so start from that
            widths = [max(cell_len(label), self.columns[key].content_width if key in self.columns else 0) for label, key, *_ in self._column_spec]
            rows = list(self._shown.values())
        for cells in rows:
            widths = [max(w, literal.cell(c).cell_len) for w, c in zip(widths, cells, strict=False)]
        return widths

    def _measure(self, key: str, cells: tuple[Cell, ...]) -> tuple[int, ...]:
        known = self._measured.get(key)
        if known is not None and known[0] == cells:
            return known[1]
        widths = tuple(literal.cell(c).cell_len for c in cells)
        self._measured[key] = (cells, widths)
        return widths

    def _cut(self, key: str, cells: tuple[Cell, ...], width: int) -> tuple[Cell, ...]:
        known = self._cuts.get(key)
        if known is not None and known[1] == width and known[0] == cells:
            return known[2]
        fill = self._fill
        cut = tuple(cut_cell(c, width) if i == fill else c for i, c in enumerate(cells))
        self._cuts[key] = (cells, width, cut)
        return cut

    def _fitted(self, rows: list[tuple[str, tuple[Cell, ...]]]) -> list[tuple[str, tuple[Cell, ...]]]:
        """The rows with the fill column cut to what the table's width leaves it."""
        available = self.scrollable_content_region.width
        if self._fill is None or available <= 0 or not rows:
            return rows
        natural = self._natural_widths()
        widths = fit(natural, available - 2 * self.cell_padding * len(natural), [(self._fill, 8)])
        self._fit_state = (available, natural, widths)
        if widths[self._fill] >= natural[self._fill]:
            return rows
        if self.columns and [c.content_width for c in self.columns.values()] != widths:
            self.refit(widths)
        width = widths[self._fill]
        return [(key, self._cut(key, cells, width)) for key, cells in rows]

    def on_resize(self) -> None:
        if self._fill is not None and self._natural:
            self.sync(self._natural)
        elif self.fitted_by is not None:
            self.fitted_by()

    def watch_show_vertical_scrollbar(self) -> None:
        """A scrollbar that comes or goes changes the width the columns share without resizing the
        table: fit again once the layout has it (the last column was clipped under the scrollbar)."""
        self.call_after_refresh(self.on_resize)

    def refit(self, widths: Sequence[int]) -> None:
        """Start again at these column widths (the caller cuts cells to fit them): a column
        only ever grows by itself, so a narrower terminal needs a new start. The next `sync`
        fills the rows again; the cursor stays on its row."""
        selected = self.selected_key
        self.clear()
        self._shown = {}
        for column, width in zip(self.columns.values(), widths, strict=True):
            column.content_width = width
        self._refit_selected = selected

    def sync_at(self, rows: Sequence[tuple[str, Sequence[Cell]]], widths: Sequence[int]) -> None:
        """Rows whose cells the caller cut to `widths`; when those change (a resize, a longer
        name) the table starts again at them, so no column keeps a width that no longer fits."""
        if tuple(c.content_width for c in self.columns.values()) != tuple(widths):
            self.refit(widths)
        self.sync(rows)

    def sync_fitted(self, rows: Sequence[tuple[str, Sequence[Cell]]], width: int, shrink: Sequence[tuple[int, int]]) -> None:
        """Rows shown in `width` cells: each column as wide as its label and cells, unless they do
        not fit; then the columns in `shrink` give up space (`fit`) and their cells are cut with
        `…`, never clipped mid-word unseen."""
        if width <= 0:  # not laid out yet: nothing to fit to
            self.sync(rows)
            return
        labels = [label for label, *_ in self._column_spec]
        natural = [max([cell_len(label)] + [literal.cell(cells[n]).cell_len for _, cells in rows]) for n, label in enumerate(labels)]
        widths = fit(natural, width - 2 * self.cell_padding * len(natural), shrink)
        self.sync_at([(key, tuple(cut_cell(c, w) for c, w in zip(cells, widths, strict=True))) for key, cells in rows], widths)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def sync(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Show exactly these rows, in this order, touching only what differs from the screen.
        Rows are compared as given; only a new or changed cell is made into what is shown."""
        if self._fill is not None:
            rows = list(rows)
            if self._appended(rows):
                return
            self._given, self._fit_state = rows, None
            self._natural = [(key, tuple(cells)) for key, cells in rows]
            if len(self._measured) > 2 * len(self._natural) + 100:  # rows gone (a filter, a smaller table): forget theirs
                keys = {key for key, _ in self._natural}
                self._measured = {k: v for k, v in self._measured.items() if k in keys}
                self._cuts = {k: v for k, v in self._cuts.items() if k in keys}
            rows = self._fitted(self._natural)
        wanted = {key: tuple(cells) for key, cells in rows}
        # The cursor stays on its row, not on its row number, whatever follows: rows above it
        # going (another coordinator closed the incident above yours: `enter` would open the one
        # below), rows moving, the table made again, or emptied by `refit` before this.
        selected = self._refit_selected if self._refit_selected is not None else self.selected_key
        self._refit_selected = None
        for key in [key for key in self._shown if key not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        for key, cells in wanted.items():
            if key not in self._shown:
                self.add_row(*map(literal.cell, cells), key=key)
                self._shown[key] = cells
            elif cells != self._shown[key]:
                self._update_row(key, cells)
        if list(self._shown) != list(wanted) and not self._reorder(list(wanted)):
            self._rebuild(wanted)
        if selected is not None and selected in self._shown and self.selected_key != selected:
            self.move_cursor(row=list(self._shown).index(selected))

    def _reorder(self, order: list[str]) -> bool:
        """Put the rows, all shown already, in this order without making them again (`sync` puts
        the cursor back on its row): a supplier going down moves to the top of a thousand, and clearing
        and adding them all took a key pressed meanwhile 50 ms longer. DataTable moves rows only
        by sorting on their cells; ours are told apart by the identity of one column's cells, the
        first whose cells are all different objects (False when none is: the caller makes them
        again). Not every cell of every row: reading each whole row back took 24 ms of a board
        read at 1,000 suppliers, with a key waiting behind it (profiled)."""
        for column in self.columns:
            place = {id(self.get_cell(key, column)): n for n, key in enumerate(order)}
            if len(place) == len(order):
                break
        else:
            return False
        self.sort(column, key=lambda cell: place[id(cell)])
        self._shown = {key: self._shown[key] for key in order}
        return True

    def _appended(self, rows: list[tuple[str, Sequence[Cell]]]) -> bool:
        """Add `rows` past the last given when they are those with more at the end, and the
        widths they are fitted to stay: the room's log, given every row again each time an entry
        comes, measured, cut and compared all of them (thousands, four times a second under
        load). The rows the caller gives again are its same objects, so the prefix compares by
        identity. False, with nothing changed: `sync` does it all."""
        given, state = self._given, self._fit_state
        count = len(given)
        if (not count or len(rows) <= count or state is None or self._refit_selected is not None or len(self._shown) != count
                or rows[:count] != given):
            return False
        available, natural, widths = state
        if self.scrollable_content_region.width != available:
            return False
        fresh = [(key, tuple(cells)) for key, cells in rows[count:]]
        grown = natural
        for key, cells in fresh:
            if key in self._shown:
                return False
            grown = [max(w, m) for w, m in zip(grown, self._measure(key, cells), strict=False)]
        if grown != natural:
            return False  # a wider row: fitted again, whole
        fill = self._fill
        assert fill is not None
        cutting = widths[fill] < natural[fill]
        if cutting and [c.content_width for c in self.columns.values()] != widths:
            return False
        for key, cells in fresh:
            shown = self._cut(key, cells, widths[fill]) if cutting else cells
            self.add_row(*map(literal.cell, shown), key=key)
            self._shown[key] = shown
        self._natural.extend(fresh)
        self._given = rows
        return True

    def _rebuild(self, wanted: dict[str, tuple[Cell, ...]]) -> None:
        self.clear()
        self._shown = {}
        for key, cells in wanted.items():
            self.add_row(*map(literal.cell, cells), key=key)
            self._shown[key] = cells

    def _update_row(self, key: str, cells: tuple[Cell, ...]) -> None:
        before = self._shown[key]
        self._shown[key] = cells
        row = self.get_row_index(key)
        for index, ((_, column, *_), old, new) in enumerate(zip(self._column_spec, before, cells, strict=True)):
            if old == new:
                continue
            new = literal.cell(new)
            if new.cell_len > self.columns[column].content_width:
                self.update_cell(key, column, new, update_width=True)  # the layout changes: all of it repaints
                continue
            with self._repaint_only(Coordinate(row, index)):
                self.update_cell(key, column, new)

    @contextmanager
    def _repaint_only(self, cell: Coordinate):
        self._only_cell = cell
        try:
            yield
        finally:
            self._only_cell = None

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        """While one cell changes, the whole-widget refresh DataTable asks for becomes a refresh
        of that cell (nothing at all when it is scrolled out of view)."""
        if self._only_cell is not None and not regions and not layout and not recompose:
            # DataTable's own refresh_row/refresh_coordinate sum the heights of every row above
            # (a thousand updates after a minute rolls over: a second of CPU); ours are one line.
            top = self.scroll_offset.y
            row = self._only_cell.row
            if top <= row < top + self.size.height:
                header = self.header_height if self.show_header else 0
                return super().refresh(Region(0, header + row - top, self.size.width, 1))
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class QuietTexts:
    """For a screen: update a text widget only when its text changed. An update repaints the
    widget (and, with layout, whatever its new size moves), and every repainted line is sent."""

    def _put(self, selector: str, content: Content | str, *, layout: bool = True) -> None:
        """`content` as built with `literal`; a str is shown as written, on one line."""
        if isinstance(content, str):
            content = literal.plain(content)
        seen = (content.plain, tuple(content.spans))  # Content's == looks at the text alone, not its styles
        texts = self.__dict__.setdefault("_shown_texts", {})
        if texts.get(selector) != seen:
            texts[selector] = seen
            self.query_one(selector, Static).update(content, layout=layout)

    def _title(self, selector: str, title: Content | str) -> None:
        """Set a border title only when it changed: setting one repaints the whole widget."""
        if isinstance(title, str):
            title = literal.plain(title)
        widget = self.query_one(selector)
        if widget.border_title != title.markup:  # the getter gives the title as markup
            widget.border_title = title
