"""Group commit at intake: deliveries that arrive together are stored together.

Each webhook awaits `GroupCommit.add`; one committer thread stores everything waiting in one
transaction (one commit, one fsync) and then releases each waiter with its own answer. While
a commit runs, the next deliveries gather for the one after it, so the batch grows with the
load and a lone delivery waits for no one. The event loop never blocks on the database.

Before, each request stored its delivery from its own thread-pool thread: on SQLite the
threads queued on the single write lock, and SQLite's busy handler sleeps between attempts
(up to 100 ms at a time), which made the 99th percentile under load close to a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from service.store.deliveries import DeliveryQueue, NewDelivery

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # deliveries in one transaction; more wait for the next one


class CommitFailed(RuntimeError):
    """The transaction holding this delivery failed: it is not stored."""


class GroupCommit:
    """Stores deliveries for coroutines, batching concurrent ones, in a committer thread.

    The thread takes whatever is waiting, commits it, hands the answers back to each event
    loop in one callback, and goes on with what arrived meanwhile: it never waits for a turn
    of a busy event loop between two commits (in a burst of thousands of requests, a loop's
    turn takes a long time).
    """

    def __init__(self, queue: DeliveryQueue) -> None:
        self.queue = queue
        self._waiting: list[_Waiter] = []  # handed over to the committer thread
        # Per event loop, what its requests added since its last hand-over (each loop only
        # touches its own list, so this needs no lock).
        self._gathering: dict[asyncio.AbstractEventLoop, list[_Waiter]] = {}
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[], None]] = []

    def on_stored(self, listener: Callable[[], None]) -> None:
        """Call `listener` (in the committer thread) after each commit that stored a delivery:
        it wakes the workers."""
        self._listeners.append(listener)

    async def add(self, new: NewDelivery) -> bool:
        """Store `new` durably; False when its delivery id is already stored.

        Raises `CommitFailed` when the transaction fails. The caller has checked `new`
        (`NewDelivery.check`): one that does not fit would fail the whole batch.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        gathering = self._gathering.setdefault(loop, [])
        gathering.append(_Waiter(new, loop, future))
        if len(gathering) == 1:
            # Handed over once the loop has run the other requests that are ready: those that
            # arrived together reach the committer together, with one wakeup of its thread.
            loop.call_soon(self._hand_over, loop)
        return await future

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        gathered = self._gathering.pop(loop, [])
        with self._arrived:
            self._waiting += gathered
            self._arrived.notify()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._commit_forever, name="group-commit", daemon=True
                )
                self._thread.start()

    def _commit_forever(self) -> None:
        while True:
            with self._arrived:
                while not self._waiting:
                    self._arrived.wait()
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self._commit(batch)

    def _commit(self, batch: list[_Waiter]) -> None:
        try:
            stored = self.queue.add_many([w.new for w in batch], checked=True)
        except Exception as exc:
            log.exception("storing %d deliveries failed", len(batch))
            failed = CommitFailed(f"{type(exc).__name__}: {exc}")
            answers: list[bool | CommitFailed] = [failed] * len(batch)
        else:
            answers = list(stored)
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Waiter, bool | CommitFailed]]] = {}
        for waiter, answer in zip(batch, answers, strict=True):
            by_loop.setdefault(waiter.loop, []).append((waiter, answer))
        for loop, answered in by_loop.items():
            # A loop that has closed (a test client's) has no one left to answer.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, answered)
        # After the answers: waking the workers costs a system call, which lets go of the GIL.
        if any(answer is True for answer in answers):
            self._tell_listeners()

    def _tell_listeners(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                log.exception("waking the workers failed; they find the delivery at their poll")


@dataclass(frozen=True)
class _Waiter:
    new: NewDelivery
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[bool]


def _settle(answered: list[tuple[_Waiter, bool | CommitFailed]]) -> None:
    """In the waiters' event loop: release each with its answer."""
    for waiter, answer in answered:
        if waiter.future.done():  # its request was cancelled meanwhile
            continue
        if isinstance(answer, CommitFailed):
            # One exception object per waiter: each gets its own traceback.
            waiter.future.set_exception(CommitFailed(str(answer)))
        else:
            waiter.future.set_result(answer)
