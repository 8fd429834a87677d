"""How an idle worker learns of a new delivery at once, instead of at its next poll.

Intake rings after each commit that stored a delivery; an idle worker waits for a ring, or
for `BOARDWATCH_POLL_SECONDS` at most (the fallback: a delivery that comes due later, a
retry, or a ring lost with a broken connection, is still found by the next poll).

- `LocalBell`: web and worker threads in one process (tests, `create_app(start_worker=True)`).
- `Doorbell` + `PipeWaiter`: `boardwatch serve` and its worker processes, where the database
  cannot ring them (`wakes_through_store`: SQLite where no named pipe can be made). The web
  process writes one byte into a pipe per child; writing never blocks intake (a full pipe
  already says "look again"), and a dead child is a write that fails and is ignored.
- `PgListener`: PostgreSQL, `LISTEN` on the queue's channel; intake's transaction sends the
  `NOTIFY` (`DeliveryQueue.add_many`), so separate `boardwatch worker` processes and other
  replicas hear of it too.
- `FifoBell` + `PipeWaiter`: SQLite, a named pipe beside the database file that every `serve`
  on it rings, so separate `boardwatch worker` processes on the same machine hear of it too
  (SQLite's processes share a machine: the database is a local file). `serve`'s own worker
  processes wait on it too, so `serve` rings once per commit, whatever the number of workers.

A waiter never misses a ring: `mark()` comes before the claim and `wait()` after it, and a
ring in between makes `wait()` return at once (the byte, the notification or the counter is
still there).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import stat
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection as PipeEnd
from pathlib import Path
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

    def _select(self, fds: Sequence[int], timeout: float) -> bool:
        """True when one of `fds` became readable within `timeout`."""
        readable, _, _ = select.select([*fds, self._wake_read], [], [], timeout)
        return any(fd in readable for fd in fds)

    def close(self) -> None:
        for fd in (self._wake_read, self._wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)


def _drain(fd: int) -> None:
    with contextlib.suppress(BlockingIOError, OSError):
        while os.read(fd, 4096):
            pass


class PipeWaiter(_Interruptible):
    """A worker process's wait on the pipes rung for it: its own `serve`'s (`end`, from the
    `Doorbell`), and on SQLite the named pipe beside the database (`fifo`, rung by every
    `serve` on it through `FifoBell`). Raises OSError when the named pipe cannot be made."""

    def __init__(self, end: PipeEnd | None, fifo: Path | None = None) -> None:
        super().__init__()
        self._end = end
        self._opened: list[int] = []
        if fifo is not None:
            try:
                self._opened = _open_fifo(fifo)
            except OSError:
                super().close()
                raise
        self._fds = self._opened[:1]  # its read end
        if end is not None:
            os.set_blocking(end.fileno(), False)
            self._fds.append(end.fileno())

    def mark(self) -> int:
        for fd in self._fds:
            _drain(fd)  # what was rung so far, the coming claim sees
        return 0

    def wait(self, mark: int, timeout: float) -> None:
        self._select(self._fds, timeout)

    def close(self) -> None:
        super().close()
        for fd in self._opened:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._end is not None:
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


def wakeup_fifo(engine: Engine) -> Path | None:
    """SQLite on a database file: the named pipe beside it that intake rings (None for
    PostgreSQL and for an in-memory database)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}.wakeup")


class FifoBell:
    """`serve`'s side of the named pipe: one byte per commit that stored a delivery."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def ring(self) -> None:
        try:
            # Non-blocking: fails at once (ENXIO) when no worker has it open.
            fd = os.open(self._path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return  # no worker waits on this database, or none has made the pipe yet
        try:
            os.write(fd, b"\0")
        except OSError:
            pass  # full: a byte is already waiting
        finally:
            os.close(fd)


def wakes_through_store(engine: Engine) -> bool:
    """Whether every worker process on this database is woken through the database itself:
    PostgreSQL's `NOTIFY`, or the named pipe beside a SQLite file (made here when missing).
    When not, `serve` rings its own worker processes through a pipe to each (`Doorbell`)."""
    if engine.dialect.name == "postgresql":
        return True
    fifo = wakeup_fifo(engine)
    if fifo is None:
        return False
    try:
        _make_fifo(fifo)
    except OSError as exc:
        log.warning(
            "cannot make the named pipe %s (%s); workers hear their own serve only", fifo, exc
        )
        return False
    return True


def _make_fifo(path: Path) -> None:
    """The named pipe at `path`, made when missing; OSError when something else is there."""
    with contextlib.suppress(FileExistsError):
        os.mkfifo(path, 0o600)
    if not stat.S_ISFIFO(os.stat(path).st_mode):
        raise OSError(f"{path} exists and is not a named pipe")


def _open_fifo(path: Path) -> list[int]:
    """The named pipe at `path` (made when missing), opened to read and to write: with no
    writer a named pipe reads as closed, so it would always be readable and a wait would
    never wait."""
    _make_fifo(path)
    read = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return [read, os.open(path, os.O_WRONLY | os.O_NONBLOCK)]
    except OSError:
        os.close(read)
        raise


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
            self._select([], timeout)
            return
        if self._select([conn.fileno()], timeout):
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
