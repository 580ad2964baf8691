"""A writer that logs decisions through the real command path, one transaction each, and says
`ok TEXT` on stdout only after each has returned: what it acknowledged, the log must hold.

python -m tests.acked_writer HOME INCIDENT PREFIX   (runs until it is killed)"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from warroom.home import Home
from warroom.services import actors, commands, library


def main() -> None:
    root, incident, prefix = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    home = Home(root)
    config = library.config(home)
    store = home.open_store()
    actor = actors.current(config)
    n = 0
    while True:
        text = f"{prefix}-{n}"
        ctx = commands.Context(home=home, config=config, actor=actor, now=datetime.now(UTC))
        commands.execute(store, commands.LogEntry(incident_id=incident, text=text), ctx)
        sys.stdout.write(f"ok {text}\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    main()
