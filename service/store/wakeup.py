"""How an idle worker learns of a new delivery at once, instead of at its next poll.

Intake rings after each commit that stored a delivery; an idle worker waits for a ring, or
for `BOARDWATCH_POLL_SECONDS` at most (the fallback: a delivery that comes due later, a
retry, or a ring lost with a broken connection, is still found by the next poll).

- `LocalBell`: web and worker threads in one process (tests, `create_app(start_worker=True)`).
- `Doorbell` + `PipeWaiter`: `boardwatch serve` and its worker processes. The web process
  writes one byte into a pipe per child; writing never blocks intake (a full pipe already
  says "look again"), and a dead child is a write that fails and is ignored.
- `PgListener`: PostgreSQL, `LISTEN` on the queue's channel; intake's transaction sends the
  `NOTIFY` (`DeliveryQueue.add_many`), so separate `boardwatch worker` processes and other
  replicas hear of it too.

A waiter never misses a ring: `mark()` comes before the claim and `wait()` after it, and a
ring in between makes `wait()` return at once (the byte, the notification or the counter is
still there).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from multiprocessing.connection import Connection as PipeEnd
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine

from service.store.deliveries import DeliveryQueue

log = logging.getLogger(__name__)


class Waiter(Protocol):
    """Where an idle worker waits for new work."""

    def mark(self) -> int:
        """Called before a claim: what `wait` compares against."""
        ...

    def wait(self, mark: int, timeout: float) -> None:
        """Return when a delivery was stored after `mark`, on `interrupt`, or after `timeout`."""
        ...

    def interrupt(self) -> None:
        """Wake every waiter now (the worker is stopping)."""
        ...

    def close(self) -> None: ...


class LocalBell:
    """Intake and worker threads of one process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._rings = 0

    def ring(self) -> None:
        with self._changed:
            self._rings += 1
            self._changed.notify_all()

    def mark(self) -> int:
        with self._changed:
            return self._rings

    def wait(self, mark: int, timeout: float) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._rings != mark, timeout)

    def interrupt(self) -> None:
        self.ring()

    def close(self) -> None:
        self.interrupt()


class _Interruptible:
    """Waits on a file descriptor, or on a pipe of its own that `interrupt` writes to."""

    def __init__(self) -> None:
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def interrupt(self) -> None:
        # Also called from a signal handler: one non-blocking write, nothing else.
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"\0")

    def _select(self, fd: int, timeout: float) -> bool:
        """True when `fd` became readable within `timeout`."""
        readable, _, _ = select.select([fd, self._wake_read], [], [], timeout)
        return fd in readable

    def close(self) -> None:
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError, OSError):
        while os.read(fd, 4096):
            pass


class PipeWaiter(_Interruptible):
    """A worker process's end of its `Doorbell` pipe."""

    def __init__(self, end: PipeEnd) -> None:
        super().__init__()
        self._end = end
        self._fd = end.fileno()
        os.set_blocking(self._fd, False)

    def mark(self) -> int:
        _drain(self._fd)  # what was rung so far, the coming claim sees
        return 0

    def wait(self, mark: int, timeout: float) -> None:
        self._select(self._fd, timeout)

    def close(self) -> None:
        super().close()
        self._end.close()


class Doorbell:
    """The web process's side: one pipe per worker process of this `serve`."""

    def __init__(self) -> None:
        self._ends: dict[int, PipeEnd] = {}  # child index -> write end
        self._lock = threading.Lock()

    def attach(self, index: int, end: PipeEnd) -> None:
        """Ring worker `index` through `end` from now on (a restarted worker has a new pipe)."""
        os.set_blocking(end.fileno(), False)
        with self._lock:
            old = self._ends.pop(index, None)
            self._ends[index] = end
        if old is not None:
            old.close()

    def ring(self) -> None:
        with self._lock:
            ends = list(self._ends.values())
        for end in ends:
            # Full: a byte is already waiting; closed: the child died and will be replaced.
            with contextlib.suppress(OSError, ValueError):
                os.write(end.fileno(), b"\0")

    def close(self) -> None:
        with self._lock:
            ends, self._ends = list(self._ends.values()), {}
        for end in ends:
            end.close()


class PgListener(_Interruptible):
    """`LISTEN` on the queue's channel, on a connection of its own (autocommit).

    A lost connection is opened again at the next `mark`; meanwhile `wait` is the poll.
    """

    def __init__(self, engine: Engine, queue: DeliveryQueue) -> None:
        super().__init__()
        self._engine = engine
        self._queue = queue
        self._conn: psycopg.Connection[Any] | None = None

    def _connect(self) -> psycopg.Connection[Any] | None:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            with self._engine.connect() as probe:
                channel = self._queue.channel(probe)
            args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
            conn: psycopg.Connection[Any] = psycopg.connect(*args, **kwargs, autocommit=True)
            conn.execute(f'LISTEN "{channel}"')
        except Exception:
            log.warning("cannot LISTEN for new deliveries; polling meanwhile", exc_info=True)
            return None
        self._conn = conn
        return conn

    def mark(self) -> int:
        conn = self._connect()
        if conn is not None:
            self._consume(conn)
        return 0

    def wait(self, mark: int, timeout: float) -> None:
        conn = self._conn
        if conn is None or conn.closed:
            self._select(self._wake_read, timeout)
            return
        if self._select(conn.fileno(), timeout):
            self._consume(conn)

    def _consume(self, conn: psycopg.Connection[Any]) -> None:
        try:
            for _ in conn.notifies(timeout=0):
                pass
        except psycopg.Error:
            log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        super().close()
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
