"""Text that people, files or suppliers wrote, made safe to show on a terminal.

Such text is data. A terminal obeys what it is sent: an escape sequence in a log entry can set the
window title, write the clipboard (OSC 52) or clear the screen; a carriage return can overwrite the
time and actor of a row; a newline can print a forged log line for someone else. So every control
character (C0, C1, DEL) is shown as a visible symbol, and so are the invisible characters that
reorder or break lines (bidirectional overrides, line and paragraph separators: "Trojan Source").
Ordinary text, right-to-left scripts and emoji (joiners included) pass unchanged.

`line()` makes one line of anything; `block()` keeps a multi-line entry's lines, each indented under
its own row so that none can pass for another row. Both are pure and know nothing of any UI."""

from __future__ import annotations

import re

# C0 controls as the Unicode "control pictures" (␀ … ␟), DEL as ␡; C1 and the invisible
# reordering characters as a \u escape, which every font has.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
_INVISIBLE = [*range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_TABLE = {code: _PICTURES.get(code) or f"\\u{code:04x}" for code in [*_PICTURES, *_INVISIBLE]}
_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]")
_NEWLINES = re.compile(r"\r\n|\n|\r")

MAX_SHOWN = 10_000  # characters of one text shown at most; the whole stays in the log and exports


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters)"


def line(text: object, limit: int = MAX_SHOWN) -> str:
    """One line: every control or reordering character a visible symbol (a newline shows as ␊)."""
    text = "" if text is None else str(text)
    text = _clip(text, limit)
    return _UNSAFE.sub(lambda m: _TABLE[ord(m.group())], text) if _UNSAFE.search(text) else text


def block(text: object, indent: str, limit: int = MAX_SHOWN) -> str:
    """Several lines for a multi-line entry: the first as it is, each further line after `indent`
    (which the caller chooses so that it cannot be mistaken for the start of a row)."""
    text = _clip("" if text is None else str(text), limit)
    return ("\n" + indent).join(line(part, limit) for part in _NEWLINES.split(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid(text: str) -> str:
    """`text` made storable: a lone surrogate (JSON can spell "\\ud800", and undecodable bytes of
    an argument arrive as them) cannot be encoded as UTF-8, so each becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def is_safe(text: str) -> bool:
    """Whether `text` holds nothing that `line` would replace."""
    return _UNSAFE.search(text) is None
