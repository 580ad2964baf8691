"""Appending test events through the real store, in-process or from a child process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom.home import Home
from warroom.store import eventlog

ORIGIN = {"host": "test", "terminal": None, "ssh_client": None}
START = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def append_many(store, count: int, *, writer: str = "t", start: int = 0) -> None:
    """`count` events, one transaction each, spread over incidents and suppliers like a real log."""
    for i in range(start, start + count):
        with store.write() as session:
            incident = (i % 3) + 1 if i % 2 else None
            data = {"n": i, "writer": writer}
            if i % 5 == 0:
                data["supplier"] = ["nlcloud", "paybank"][i % 2]
            eventlog.append(
                session, at=START + timedelta(seconds=i), kind="test.event", actor=writer, origin=ORIGIN,
                object=f"test:{writer}", summary=f"{writer} event {i}", incident_id=incident, data=data,
            )


if __name__ == "__main__":  # python -m tests.helpers HOME WRITER COUNT [GO_FILE]
    import sys
    import time

    root, writer, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if len(sys.argv) > 4:  # a start line, so that all writers really overlap
        go = Path(sys.argv[4])
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
    store = Home(root).open_store()
    append_many(store, count, writer=writer)
    store.dispose()
