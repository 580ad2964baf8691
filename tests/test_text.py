"""warroom.text: whatever people or suppliers wrote, nothing in it can act on a terminal."""

from __future__ import annotations

import sys
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


INVISIBLE = ["\u200b", "\u2060", "\ufeff", "\u00ad", "\U000e0001", "\U000e0041", "\U000e007f", "\u3164", "\u115f",
             "\u180e", "\ufff9", "\ufffa", "\ufffb", "\u034f"]


def test_characters_that_show_nothing_are_shown_as_escapes() -> None:
    """Two names that look the same must not be two people: "al\u200bice" is not "alice"."""
    for char in INVISIBLE:
        shown = text.line(f"al{char}ice")
        assert shown == "al" + (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}") + "ice", repr(shown)
        assert not text.is_safe(f"al{char}ice")


def test_joiners_and_variation_selectors_of_emoji_and_scripts_stay() -> None:
    for sample in ("👩\u200d💻", "❤\ufe0f", "🏳\ufe0f\u200d🌈", "می\u200cخواهم", "#\ufe0f\u20e3"):
        assert text.line(sample) == sample and text.is_safe(sample)


def test_every_format_character_of_this_python_is_shown_but_the_joiners() -> None:
    """text.py lists them (looking them up would slow every command's start): the list must hold
    whatever this Python's Unicode data calls a format character."""
    missed = [f"U+{c:04X}" for c in range(sys.maxunicode + 1)
              if unicodedata.category(chr(c)) == "Cf" and c not in (0x200C, 0x200D) and text.is_safe(chr(c))]
    assert not missed


_SHOWS_NOTHING = {"Cc", "Cf", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}  # what emoji and scripts need (variation selectors are Mn, not Cf)


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


@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(INVISIBLE))))
def test_nothing_invisible_survives_but_the_joiners(sample: str) -> None:
    """No control, format or separator character comes out, bar the two joiners; and nothing in the
    list above, whatever surrounds it."""
    shown = text.line(sample)
    left = {c for c in shown if unicodedata.category(c) in _SHOWS_NOTHING and c not in _JOINERS}
    assert not left, [f"U+{ord(c):04X}" for c in left]
    assert not any(c in shown for c in INVISIBLE)


def test_a_suppliers_nul_becomes_storable_on_either_database():
    # PostgreSQL refuses NUL in text: a status page holding one must not fail every monitor round.
    assert text.valid("Major outage\x00 [/etc]\ud800") == "Major outage\ufffd [/etc]\ufffd"
