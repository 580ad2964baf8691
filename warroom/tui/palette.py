"""The command palette's finders (ctrl+p): open incidents by number or title, suppliers by id or
name, playbooks by id or title. Textual's command providers, one per kind of thing.

What they list is what people wrote (titles, names), so a hit is shown as written: Textual's own
`Matcher.highlight` reads its candidate as markup, and a supplier named `[@click=app.quit]` would
be a link; here the candidate is plain text and only the matched letters are styled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from warroom import text, words
from warroom.i18n import _

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp
    from warroom.tui.board import BoardScreen


def to_board(app: WarroomApp) -> BoardScreen:
    """Back to the board from wherever the palette was opened (a room, the library, help)."""
    from warroom.tui.board import BoardScreen

    while not isinstance(app.screen, BoardScreen) and len(app.screen_stack) > 1:
        app.pop_screen()
    return cast("BoardScreen", app.screen)


def open_incident(app: WarroomApp, incident_id: int) -> None:
    to_board(app)
    app.open_room(incident_id)


def select_supplier(app: WarroomApp, supplier_id: str) -> None:
    from textual.widgets import DataTable

    from warroom.tui import literal

    table = to_board(app).query_one("#suppliers", DataTable)
    try:
        row = table.get_row_index(supplier_id)
    except Exception:  # not among the rows shown (a filter hides it): say so, never a crash
        literal.notify(app, _("{supplier} is not shown on the board now").format(supplier=supplier_id), severity="warning")
        return
    table.focus()
    table.move_cursor(row=row)


def show_playbook(app: WarroomApp, playbook_id: str) -> None:
    from warroom.tui.library import PlaybooksScreen

    to_board(app)
    app.push_screen(PlaybooksScreen(select=playbook_id))


# Textual's fuzzy search tries every way the query's letters can fall in a candidate, on the UI
# loop: a 280-character "abab…" name froze the palette for 40 s. Names are matched (and shown) on
# their first MATCHED characters; no honest name, title or playbook id is longer.
MATCHED = 100


def candidate_text(candidate: str) -> str:
    return text.line(candidate)[:MATCHED]


def shown(matcher: Matcher, candidate: str) -> Content:
    """`candidate` as written (one line, controls visible), its matched letters styled."""
    plain = candidate_text(candidate)
    content = Content(plain)
    score, offsets = matcher.fuzzy_search.match(matcher.query, plain)
    if score:
        for offset in offsets:
            if not plain[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _Finder(Provider):
    @property
    def warroom(self) -> WarroomApp:
        return cast("WarroomApp", self.app)

    def candidates(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(what is matched and shown, help line, the callback) for each thing this finder finds."""
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        if self.warroom.wall:  # the projector view changes nothing and opens nothing
            return
        matcher = self.matcher(query)
        for candidate, help_text, command in self.candidates():
            score = matcher.match(candidate_text(candidate))
            if score > 0:
                yield Hit(score, shown(matcher, candidate), command, text=candidate_text(candidate), help=help_text)


class IncidentFinder(_Finder):
    """Open incidents, by `#12` or their title: opens the incident's room."""

    def candidates(self) -> list[tuple[str, str, Callable[[], object]]]:
        board = self.warroom.board_data
        if board is None:
            return []
        from warroom.tui.board import mode_word

        return [(f"#{i.id} {i.title}", _("open the room of this {mode} incident ({status})").format(
                    mode=mode_word(i.mode), status=words.shown(i.status, words.INCIDENT_STATUS)), partial(open_incident, self.warroom, i.id))
                for i in board.status.incidents]

    async def discover(self) -> Hits:
        """With nothing typed yet, the open incidents are the first thing offered."""
        if self.warroom.wall:
            return
        for candidate, help_text, command in self.candidates():
            yield DiscoveryHit(Content(text.line(candidate)), command, text=text.line(candidate), help=help_text)


class SupplierFinder(_Finder):
    """Suppliers by id or name: selects the supplier's row on the board."""

    def candidates(self) -> list[tuple[str, str, Callable[[], object]]]:
        board = self.warroom.board_data
        if board is None:
            return []
        return [(f"{s.name} ({s.id})", _("supplier, {state}: select it on the board").format(state=words.shown(s.state, words.SUPPLIER_STATE)),
                 partial(select_supplier, self.warroom, s.id))
                for s in board.status.suppliers]


class PlaybookFinder(_Finder):
    """Playbooks by id or title: opens the library with the playbook selected."""

    async def startup(self) -> None:
        self.playbooks: list[tuple[str, str]] = []
        if self.warroom.wall:
            return
        self.playbooks = await asyncio.to_thread(self._read)

    def _read(self) -> list[tuple[str, str]]:
        from warroom.errors import WarroomError
        from warroom.services import library

        try:
            config = library.config(self.warroom.home)
            return [(e.playbook.id, e.playbook.title) for e in library.library(self.warroom.home, config) if e.playbook]
        except WarroomError:
            return []  # the board says what is wrong with the home

    def candidates(self) -> list[tuple[str, str, Callable[[], object]]]:
        return [(f"{title} ({pid})", _("playbook: show it in the library"), partial(show_playbook, self.warroom, pid))
                for pid, title in self.playbooks]


FINDERS = (IncidentFinder, SupplierFinder, PlaybookFinder)
