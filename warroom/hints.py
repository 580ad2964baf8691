"""One-time hints (the demo board's "what to try"): which ones a home has had dismissed.

Remembered in a small file in the home, one hint name a line, not in the event log: a hint
dismissed is nobody's action in the incident record, only the screen's memory. A file that
cannot be read counts as none dismissed; one that cannot be written forgets the dismissal when
the app ends. Neither ever stops the app."""

from __future__ import annotations

import os

from warroom import files
from warroom.errors import InvalidFile
from warroom.home import Home

FILE = "hints-dismissed"
FIRST_RUN = "first-run"
LIMIT = 4096  # a few names: anything larger is not ours


def dismissed(home: Home) -> set[str]:
    path = home.root / FILE
    try:
        data = files.read_bytes(path, files.name_of(path), limit=LIMIT, what="the hints file")
    except (InvalidFile, OSError):
        return set()
    return {name.strip() for name in data.decode("utf-8", errors="replace").splitlines() if name.strip()}


def dismiss(home: Home, name: str) -> bool:
    """Remember `name` as dismissed in this home; False when the file could not be written."""
    seen = dismissed(home) | {name}
    path = home.root / FILE
    try:
        # Private like the home's other files (owner, or owner and group), never written through a link.
        mode = 0o660 if home.group_shared else 0o600
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(f"{n}\n" for n in sorted(seen)))
    except OSError:
        return False
    return True
