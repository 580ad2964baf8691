"""What a TUI's threads were doing, timed on the clock the bench presses keys by (CLOCK_MONOTONIC is
system-wide), for bench_keys --trace: the bench runs `warroom` through this module, which records

- every turn of the asyncio loop (one callback or task step) that took over a millisecond: its
  start, wall and thread-CPU time, and the Textual messages it dispatched (`Widget:Message`);
- each key as the input thread parsed it, and as the loop began to dispatch it;
- each write of a frame to the terminal (the main thread's, after a refresh);
- each read of the watcher thread (`Reader.poll`, `Reader.room`): start, wall and CPU, what it
  handed on;
- Python's garbage-collector passes;

then writes them, one JSON list a line, to OUT when it gets SIGUSR1 (before the bench hangs it up).
Nothing of warroom knows about it: it patches from outside, and only this process.

    python -m tests.bench.keytrace OUT -m warroom --home DIR
"""

from __future__ import annotations

import asyncio.events
import gc
import json
import os
import runpy
import signal
import sys
import threading
import time

RECORDS: list[list] = []
LOOP_MS = 1.0  # loop turns shorter than this are counted, not listed
_dispatched: list[str] = []
_main = threading.main_thread().ident


def _install() -> None:
    monotonic, thread_time = time.monotonic, time.thread_time
    turns = [0, 0.0, 0.0]  # count, wall, cpu of every loop turn

    original_run = asyncio.events.Handle._run

    def _run(self) -> None:
        _dispatched.clear()
        t0, c0 = monotonic(), thread_time()
        original_run(self)
        wall, cpu = monotonic() - t0, thread_time() - c0
        turns[0] += 1
        turns[1] += wall
        turns[2] += cpu
        if wall * 1e3 >= LOOP_MS:
            callback = getattr(self, "_callback", None)
            owner = getattr(callback, "__self__", None)
            if isinstance(owner, asyncio.Task):
                coro = owner.get_coro()
                label = getattr(coro, "__qualname__", repr(coro))
            else:
                label = getattr(callback, "__qualname__", repr(callback))
            RECORDS.append(["loop", t0, wall, cpu, label, list(dict.fromkeys(_dispatched))[:12]])

    asyncio.events.Handle._run = _run  # type: ignore[method-assign]

    from textual import events
    from textual.message_pump import MessagePump

    original_dispatch = MessagePump._dispatch_message

    async def _dispatch_message(self, message):
        name = f"{type(self).__name__}:{type(message).__name__}"
        _dispatched.append(name)
        if isinstance(message, events.Key):
            RECORDS.append(["key-loop", monotonic(), message.key, type(self).__name__])
        return await original_dispatch(self, message)

    MessagePump._dispatch_message = _dispatch_message  # type: ignore[method-assign]

    from textual.drivers.linux_driver import LinuxDriver

    original_process = LinuxDriver.process_message

    def process_message(self, message) -> None:
        if isinstance(message, events.Key):
            RECORDS.append(["key-in", monotonic(), message.key])
        original_process(self, message)

    LinuxDriver.process_message = process_message  # type: ignore[method-assign]
    original_write = LinuxDriver.write

    def write(self, data: str) -> None:
        RECORDS.append(["write", monotonic(), len(data)])
        original_write(self, data)

    LinuxDriver.write = write  # type: ignore[method-assign]

    from warroom.tui import reader

    original_poll, original_room = reader.Reader.poll, reader.Reader.room

    def poll(self, **kwargs):
        t0, c0 = monotonic(), thread_time()
        board, room = original_poll(self, **kwargs)
        RECORDS.append(["poll", t0, monotonic() - t0, thread_time() - c0, board is not None, room is not None])
        return board, room

    def room(self, incident_id):
        t0, c0 = monotonic(), thread_time()
        view = original_room(self, incident_id)
        RECORDS.append(["room-read", t0, monotonic() - t0, thread_time() - c0])
        return view

    reader.Reader.poll, reader.Reader.room = poll, room  # type: ignore[method-assign]

    started: dict[int, float] = {}

    def collected(phase: str, info: dict) -> None:
        if phase == "start":
            started[info["generation"]] = monotonic()
        elif info["generation"] in started:
            t0 = started.pop(info["generation"])
            if info["generation"] or monotonic() - t0 > 1e-3:
                RECORDS.append(["gc", t0, monotonic() - t0, info["generation"], threading.get_ident() == _main])

    gc.callbacks.append(collected)

    def dump(_signum, _frame) -> None:
        with open(OUT + ".part", "w") as out:
            out.write(json.dumps(["turns", *turns]) + "\n")
            for record in list(RECORDS):
                out.write(json.dumps(record) + "\n")
        os.replace(OUT + ".part", OUT)

    signal.signal(signal.SIGUSR1, dump)


OUT = ""

if __name__ == "__main__":
    OUT = sys.argv[1]
    if sys.argv[2] != "-m":
        raise SystemExit("usage: python -m tests.bench.keytrace OUT -m MODULE [ARGS...]")
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    _install()
    runpy.run_module(module, run_name="__main__", alter_sys=True)
