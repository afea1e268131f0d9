"""Group commit for requests: what arrives while a group is being stored is stored together.

Hospitals' systems send bundles by the hundred a second, each a transaction of a few
records. Stored one per transaction, each pays for its own statements (key, card list,
register, what is stored, one upsert per table, audit) and its own commit; stored together,
a group pays for them once — measured on ``POST /fhir``, the storage's CPU per bundle fell
by more than half (``docs/benchmarks.md``). As databases do with their log, nothing waits
for a group to fill: a request that finds nothing being stored starts a group at once, and
the requests that arrive meanwhile form the next one. So a lone request is not delayed, and
under load the groups grow by themselves.

One group at a time per process, in a worker thread; the work answers each item of a group
in order. Should the group fail as a whole (a database error), each of its items is tried
again on its own, so that one item's failure stays its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """Runs ``work`` on groups of at most ``limit`` items submitted from the event loop."""

    def __init__(self, work: Callable[[list[T]], list[R]], *, limit: int) -> None:
        self.work = work
        self.limit = limit
        self.waiting: list[tuple[T, asyncio.Future[R]]] = []
        self.draining: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """``item``'s answer, once the group it joins has been worked."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if self.draining is None or self.draining.done():
            self.draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.waiting:
            group, self.waiting = self.waiting[: self.limit], self.waiting[self.limit :]
            try:
                answers = await run_in_threadpool(self.work, [item for item, _ in group])
            except Exception:
                for item, future in group:
                    await self._alone(item, future)
                continue
            for (_, future), answer in zip(group, answers, strict=True):
                if not future.done():  # done: its request was cancelled (client gone)
                    future.set_result(answer)

    async def _alone(self, item: T, future: asyncio.Future[R]) -> None:
        try:
            (answer,) = await run_in_threadpool(self.work, [item])
        except Exception as error:
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(answer)
