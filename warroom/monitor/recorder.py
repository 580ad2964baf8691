"""Group commit: the checks that finish close together are recorded in one write transaction.

At 1,000 suppliers every 5 s the monitor finishes a check every 5 ms. Recorded one transaction each,
it took the writers' lock 200 times a second and paid a durable commit, a turn of the writers' queue
and a session each time: most of the monitor's CPU, and the wait of every coordinator's write queued
behind it (a log entry waited tens of milliseconds). Gathered for a moment, a few dozen observations
share one lock, one commit and one session.

A batch that fails is recorded again one observation at a time, each in its own transaction, so one
supplier whose record fails (a fault of its own) fails alone and never keeps the others from being
recorded. A failure of the store itself (the lease lost, the database locked, full or gone: the
monitor names them `fatal`) is every round's at once and not tried again round by round: each try
would wait out the same lock, and a commit whose outcome is unknown must not be made twice. No
Textual, no database here: the monitor hands in the function that writes a batch."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")

GATHER_SECONDS = 0.05  # how long the first observation of a batch waits for others to join it
MOST = 25  # observations in one transaction at most: the writers' lock is held for a batch, and a coordinator's write waits


class Recorder(Generic[Item]):
    """`await record(item)` returns what `write([... item ...])` returned for it, or raises what
    writing it raised. `write` runs in a thread and returns one result per item, in order. An error
    of a `fatal` type (the lease lost) is every item's, and nothing is tried again."""

    def __init__(self, write: Callable[[Sequence[Item]], list[Any]], *, fatal: tuple[type[BaseException], ...] = (),
                 gather: float = GATHER_SECONDS, most: int = MOST):
        self._write, self._fatal, self._gather, self._most = write, fatal, gather, most
        self._pending: list[tuple[Item, asyncio.Future]] = []
        self._draining: asyncio.Task | None = None

    async def record(self, item: Item) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await future

    async def close(self) -> None:
        """Wait for the batch being written (a monitor stopping disposes of its store after this)."""
        if self._draining is not None:
            await asyncio.gather(self._draining, return_exceptions=True)

    async def _drain(self) -> None:
        while self._pending:
            if len(self._pending) < self._most:
                await asyncio.sleep(self._gather)
            batch, self._pending = self._pending[:self._most], self._pending[self._most:]
            batch = [(item, future) for item, future in batch if not future.cancelled()]  # a check cancelled as the monitor stops
            try:
                await self._write_batch(batch)
            except BaseException as exc:  # whatever escapes, no round of the batch is left waiting forever
                for _, future in batch:
                    _settle(future, exc=exc)
                raise

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future]]) -> None:
        if not batch:
            return
        try:
            results: list[Any] = await asyncio.to_thread(self._write, [item for item, _ in batch])
        except self._fatal as exc:
            for _, future in batch:
                _settle(future, exc=exc)
            return
        except Exception:
            await self._one_at_a_time(batch)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)

    async def _one_at_a_time(self, batch: list[tuple[Item, asyncio.Future]]) -> None:
        """Each round of a failed batch again in a transaction of its own, so that the one at fault
        fails alone; each is told as soon as its own is done. A round whose check was cancelled
        meanwhile (the monitor stopping) is not written; a fatal error ends them all."""
        for n, (item, future) in enumerate(batch):
            if future.cancelled():
                continue
            try:
                result = (await asyncio.to_thread(self._write, [item]))[0]
            except self._fatal as exc:
                for _, rest in batch[n:]:
                    _settle(rest, exc=exc)
                return
            except Exception as exc:
                _settle(future, exc=exc)
            else:
                _settle(future, result=result)


def _settle(future: asyncio.Future, *, result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():
        return
    if isinstance(exc, asyncio.CancelledError):  # a future takes a cancellation as one, never as its error
        future.cancel()
    elif exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
