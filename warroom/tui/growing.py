"""A table that grows at its end, the room's log: a new row costs the work of that row alone.

DataTable keys every cache it paints from by its update count and the cursor's place, and both
change with each row added (the count at once; the cursor too, as the log follows its newest row).
So one entry made it paint again, through Rich, every visible line of the log (py-spy, a room at
3,000 entries taking ten a second: about half of the TUI's CPU), and find each line's row in
offsets it rebuilt from all the rows (thousands). Here each line is painted once and kept by what it shows: the row (key
and place), whether the cursor or the mouse is on it, the columns' widths, the widget's width,
style and state. Adding a row changes none of that for the rows already shown; a cursor that moves
repaints its old row and its new one. Every row is one line high (a log row is one line:
`literal.cell`), so a line's row is found by its index, not by summing the heights above it.

Misses are painted by DataTable itself, so the table looks and behaves exactly as before. What is
overridden are DataTable's own (private) painting and offset methods of the Textual this project
pins; tests/tui/test_growing.py compares every frame with a plain table's, so an upgrade that
changes them shows."""

from __future__ import annotations

from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Spacing
from textual.strip import Strip
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from warroom.tui.quiet import Rows

PAINTED = 2000  # lines kept: a screen's worth many times over, with the cursor's row in both states


class GrowingRows(Rows):
    def __init__(self, **kwargs):
        self._painted: LRUCache[tuple, Strip] = LRUCache(PAINTED)  # before DataTable's own, which may clear caches
        self._frame: tuple = ()  # what every line of the frame being painted shares (see render_lines)
        self._style: Style | None = None  # and its style
        super().__init__(**kwargs)

    # ── what a line is kept by ────────────────────────────────────────────────────────────────

    def render_lines(self, crop: Region) -> list[Strip]:
        """Paint a frame: what its lines share is found once, not at every line (the widget's style
        walks every ancestor's styles)."""
        self._frame, self._style = self._frame_key(), self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame, self._style = (), None

    def _frame_key(self) -> tuple:
        return (tuple(column.get_render_width(self) for column in self.ordered_columns), self.size.width, self.get_pseudo_class_state(),
                self.cursor_type, self.show_cursor, self._show_hover_cursor, self._labelled_row_exists and self.show_row_labels,
                self.fixed_rows, self.fixed_columns, self.zebra_stripes, self.cell_padding)

    def render_line(self, y: int) -> Strip:
        """DataTable's, without listing and summing the fixed rows (there are none) at every line."""
        if self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if y >= (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, self._style or self.rich_style)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        header = self.header_height if self.show_header else 0
        index = y - header
        if index >= self.row_count:  # below the last row: a blank line
            return super()._render_line(y, x1, x2, base_style)
        row_key = self._row_locations.get_key(index) if index >= 0 else self._header_row_key
        row = max(index, -1)  # the header is row -1 to the cursor and the mouse
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        column = self.cursor_type == "column"  # a column cursor is on every row
        key = (row_key, y, x1, x2, base_style, self._frame or self._frame_key(),
               cursor if column or cursor.row == row else None, hover if column or hover.row == row else None)
        strip = self._painted.get(key)
        if strip is None:
            strip = super()._render_line(y, x1, x2, base_style)
            self._painted[key] = strip
        return strip

    def _get_fixed_offset(self) -> Spacing:
        """No fixed rows: nothing to sum (DataTable lists every row to sum none, at each cursor move)."""
        if self.fixed_rows:
            return super()._get_fixed_offset()
        left = sum(column.get_render_width(self) for column in self.ordered_columns[: self.fixed_columns]) + self._row_label_column_width
        return Spacing(self.header_height if self.show_header else 0, 0, 0, left)

    # ── rows of one line: found by index ──────────────────────────────────────────────────────

    def _get_offsets(self, y: int) -> tuple[RowKey, int]:
        header = self.header_height if self.show_header else 0
        if y < header:
            return self._header_row_key, y
        if y - header >= self.row_count:
            raise LookupError(f"Y coord {y!r} is greater than total height")
        return self._row_locations.get_key(y - header), 0

    @property
    def _total_row_height(self) -> int:
        return self.row_count

    def _get_row_region(self, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        return Region(0, row_index + (self.header_height if self.show_header else 0), max(self.size.width, width), 1)

    def _get_cell_region(self, coordinate) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row, column = coordinate
        columns = self.ordered_columns
        x = sum(c.get_render_width(self) for c in columns[:column]) + self._row_label_column_width
        return Region(x, row + (self.header_height if self.show_header else 0), columns[column].get_render_width(self), 1)

    # ── rows added: measured at once ──────────────────────────────────────────────────────────

    def sync(self, rows) -> None:
        super().sync(rows)
        self._settle()

    def _settle(self) -> None:
        """Measure the rows just added now, not when idle as DataTable does: its cursor, moved to
        the newest row meanwhile, waits for that measuring to scroll (call_after_refresh), so each
        entry was two frames, the log composed and sent once with the row below the fold and
        again scrolled (counted in the real room: two frames a read). Our rows are one line, so
        measuring them is adding up widths; then the cursor scrolls at once and one frame shows it."""
        if self._require_update_dimensions and self.is_mounted:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def move_cursor(self, *, row: int | None = None, column: int | None = None, animate: bool = False, scroll: bool = True) -> None:
        """Scrolled at once (see _settle), and once more after the next layout: a table whose
        height that layout changes (the room arranging its panels when it is first shown) was
        left scrolled to the old height, its newest row out of sight until the next came. When
        the cursor is still in view, the second scroll changes nothing and paints nothing."""
        super().move_cursor(row=row, column=column, animate=animate, scroll=scroll)
        if scroll:
            self.call_after_refresh(self._scroll_cursor_into_view)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None, label=None) -> RowKey:
        if height != 1:
            raise ValueError("a growing table's rows are one line high")
        return super().add_row(*cells, height=1, key=key, label=label)

    # ── what a kept line no longer shows ──────────────────────────────────────────────────────

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._painted.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._painted.clear()

    def remove_row(self, row_key: RowKey | str) -> None:
        self._painted.clear()  # its key may come back with other text (a filter cleared after the entry was altered in the file)
        super().remove_row(row_key)

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *, update_width: bool = False) -> None:
        self._painted.clear()  # a row changed in place: rare in a log (an entry altered in the file)
        super().update_cell(row_key, column_key, value, update_width=update_width)
