"""Text that people, files or suppliers wrote, made safe to show on a terminal.

Such text is data. A terminal obeys what it is sent: an escape sequence in a log entry can set the
window title, write the clipboard (OSC 52) or clear the screen; a carriage return can overwrite the
time and actor of a row; a newline can print a forged log line for someone else. So every control
character (C0, C1, DEL) is shown as a visible symbol, and so are the invisible characters that
reorder or break lines (bidirectional overrides, line and paragraph separators: "Trojan Source")
and those that show nothing at all (zero-width space, soft hyphen, tag characters, fillers).
Ordinary text, right-to-left scripts and emoji (joiners included) pass unchanged.

`line()` makes one line of anything; `block()` keeps a multi-line entry's lines, each indented under
its own row so that none can pass for another row. Both are pure and know nothing of any UI."""

from __future__ import annotations

import re

# C0 controls as the Unicode "control pictures" (␀ … ␟), DEL as ␡; C1, the invisible reordering
# characters and the characters that show nothing at all as a \u escape, which every font has.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
_REORDERING = [0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
# Invisible: they let two texts that look the same differ ("alice" and "al\u200bice"), or hide text
# (tag characters spell ASCII nobody sees). So every format character (Unicode category Cf: zero-
# width space, word joiner, BOM, soft hyphen, tags, interlinear annotations, …) is shown, and so
# are the fillers and invisible marks of other categories. The zero-width joiner and non-joiner
# stay, as do variation selectors (not Cf): emoji sequences and Persian or Indic writing need them.
# (Listed rather than looked up in unicodedata, which would take 0.1 s of every command's start;
# a test checks the list against the running Python's Unicode data.)
_INVISIBLE = [
    0x00AD, *range(0x0600, 0x0606), 0x06DD, 0x070F, *range(0x0890, 0x0892), 0x08E2, 0x180E, 0x200B,
    *range(0x2060, 0x2065), *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFC), 0x110BD, 0x110CD,
    *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE0080),
    0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,  # not Cf: combining grapheme joiner, fillers
]
_TABLE = {code: _PICTURES.get(code) or (f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
          for code in [*_PICTURES, *range(0x80, 0xA0), *_REORDERING, *_INVISIBLE, *range(0xD800, 0xE000)]}
# The last: lone surrogates, which no UTF-8 file or terminal can take (JSON spells them "\ud800",
# and a row altered in the database holds them); shown as that escape.


def _ranges(codes: list[int]) -> str:
    """A character class of these code points as runs (a-z): the regex engine tries a listed
    character against each entry in turn once any lies beyond U+FFFF, so 30 runs match 15 times
    quicker than 250 single characters (an export shows 100,000 texts)."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)


UNSAFE_CLASS = _ranges(sorted(_TABLE))
"""The characters `line` replaces, as the inside of a regex character class: for a format that
looks for them and its own in one search (export/html.py)."""
_UNSAFE = re.compile("[" + UNSAFE_CLASS + "]")
_NEWLINES = re.compile(r"\r\n|\n|\r")
_SPACES = re.compile(r"[^\S\n\r\t\x0b\x0c\x1c-\x1f\x85]{2,}")

MAX_SHOWN = 10_000  # characters of one text shown at most; the whole stays in the log and exports


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters)"


def line(text: object, limit: int = MAX_SHOWN) -> str:
    """One line: every control or reordering character a visible symbol (a newline shows as ␊)."""
    text = "" if text is None else str(text)
    text = _clip(text, limit)
    return _UNSAFE.sub(lambda m: _TABLE[ord(m.group())], text) if _UNSAFE.search(text) else text


def words(text: object, limit: int = MAX_SHOWN) -> str:
    """One line, as `line`, with every run of spaces (of any kind) shown as one: for a person's
    text in a table cell, where padding is how it would push the table's real columns off the
    screen or its own words to the start of a wrapped line."""
    shown = line(text, limit)
    return _SPACES.sub(" ", shown).strip() if _SPACES.search(shown) else shown


def block(text: object, indent: str, limit: int = MAX_SHOWN) -> str:
    """Several lines for a multi-line entry: the first as it is, each further line after `indent`
    (which the caller chooses so that it cannot be mistaken for the start of a row)."""
    text = _clip("" if text is None else str(text), limit)
    return ("\n" + indent).join(line(part, limit) for part in _NEWLINES.split(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid(text: str) -> str:
    """`text` made storable: a lone surrogate (JSON can spell "\\ud800", and undecodable bytes of
    an argument arrive as them) cannot be encoded as UTF-8, and PostgreSQL stores no NUL in text,
    so each becomes U+FFFD. Only for text a supplier sent: what a person typed is refused instead."""
    return _SURROGATE.sub("\ufffd", text).replace("\x00", "\ufffd")


def is_safe(text: str) -> bool:
    """Whether `text` holds nothing that `line` would replace."""
    return _UNSAFE.search(text) is None
