"""warroom.text: whatever people or suppliers wrote, nothing in it can act on a terminal."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from warroom import text


def test_escape_sequences_and_line_breaks_become_visible() -> None:
    shown = text.line("ok\x1b]52;c;cHdu\x07\x1b[2J\rroot  \x85forged\nnext")
    assert shown == "ok␛]52;c;cHdu␇␛[2J␍root  \\u0085forged␊next"


def test_reordering_characters_are_shown_not_obeyed() -> None:
    assert text.line("abc\u202edcb") == "abc\\u202edcb"
    assert text.line("x\u2028y\u2066z") == "x\\u2028y\\u2066z"


def test_ordinary_text_passes_unchanged() -> None:
    for sample in ("Alice de Vries", "שלום עולם", "👩‍👩‍👧 family", "café [urgent] $x {y}", "tab-free"):
        assert text.line(sample) == sample
        assert text.is_safe(sample)


def test_block_indents_every_further_line() -> None:
    assert text.block("first\nsecond\r\nthird\rfourth", "    | ") == "first\n    | second\n    | third\n    | fourth"


def test_huge_text_is_cut_with_a_count() -> None:
    shown = text.line("x" * 50_000)
    assert shown.startswith("x" * text.MAX_SHOWN) and shown.endswith("(40,000 more characters)")


@given(st.text())
def test_no_control_character_survives(sample: str) -> None:
    for shown in (text.line(sample), text.block(sample, "  ").replace("\n", "")):
        assert not any(unicodedata.category(c) == "Cc" for c in shown)
        assert "\u202e" not in shown and "\u2028" not in shown


def test_words_shows_a_run_of_spaces_of_any_kind_as_one() -> None:
    assert text.words("Routine\u00a0\u00a0\u00a0check      13  17:31  alice ") == "Routine check 13 17:31 alice"
    assert text.words("a\tb") == "a␉b"


def test_a_padded_incident_title_cannot_push_the_boards_columns_away() -> None:
    from datetime import UTC, datetime

    from warroom.services import views
    from warroom.tui.board import TITLE_WIDTH, incident_row

    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    hostile = views.OpenIncident(1, "live", "Primary cloud hosting outage  closed  0:00  —" + " " * 300, "open", now, None)
    row = incident_row(hostile, now)
    assert len(row[2]) <= TITLE_WIDTH and row[3] == "open" and "  " not in row[2]
