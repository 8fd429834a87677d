"""Worker processes and their supervisor: evaluation never shares a process with intake.

`boardwatch serve` runs the web server in its own process and starts `BOARDWATCH_WORKERS`
worker processes through a `Supervisor`; `boardwatch worker` does the same without the web
server. Processes rather than threads, because a CPU-bound evaluation holds the GIL: in the
web server's process it stalled every webhook for as long as it ran. One evaluation at a time
per process, in its main thread, because only a main thread can be stopped by the time
budget's timer (`budget.time_budget`).

The supervisor, a thread of the starting process,
- starts each worker process again when it dies (backing off when it dies at once);
- kills a worker whose evaluation runs `GRACE_SECONDS` past its budget without stopping by
  itself (code that never returns to the interpreter), records that delivery `failed` and
  releases its issue, and starts a fresh process;
- keeps the leases of the deliveries its workers run, so a worker stuck in C code (the GIL
  held, its own lease keeper starved) does not lose its delivery to another worker mid-run;
- stops them all on SIGTERM/SIGINT: each finishes the delivery in hand, then exits.

The scheduler (sweep, digests) runs in a process of its own beside the workers, never in the
web process. Worker processes run no thread that writes to the database: one stalled by an
evaluation holding the GIL mid-transaction would lock a SQLite database for everyone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from ctypes import Array, c_char, c_double
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as PipeEnd
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import TYPE_CHECKING, Literal

from service.heap import freeze_start_up
from service.metrics import child_ended, share_with_children
from service.store.deliveries import Delivery
from service.store.wakeup import (
    Doorbell,
    PgListener,
    PipeWaiter,
    Waiter,
    wakeup_fifo,
)
from service.worker.budget import over_budget_error

if TYPE_CHECKING:
    from service.settings import Settings
    from service.store import Store

log = logging.getLogger(__name__)

GRACE_SECONDS = 10.0  # past the budget, before a worker that does not stop itself is killed
ID_BYTES = 256  # room for a delivery id in the shared slot
CHECK_SECONDS = 0.25  # how often the supervisor looks at its workers
STOP_SECONDS = 10.0  # how long a stopping worker may take to finish its delivery
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WORKER_NICENESS = 10  # worker and scheduler processes yield the CPU to the web server


@dataclass(frozen=True)
class Slot:
    """Shared memory in which a worker process says which delivery it runs since when.

    Written only by the worker, read only by the supervisor, without a lock (a worker killed
    while holding one would block its supervisor): the id is written before the start time,
    and the supervisor checks the store before acting on what it read.
    """

    delivery: Array[c_char]
    started: c_double  # wall-clock seconds; 0 while idle

    @classmethod
    def create(cls, ctx: SpawnContext) -> Slot:
        return cls(delivery=ctx.RawArray(c_char, ID_BYTES), started=ctx.RawValue(c_double, 0.0))

    # -- the worker's side (a `runner.Beacon`) ---------------------------------------------
    def started_delivery(self, delivery: Delivery) -> None:
        self.delivery.value = delivery.id.encode()[: ID_BYTES - 1]
        self.started.value = time.time()

    def ended(self) -> None:
        self.started.value = 0.0

    # -- the supervisor's side -------------------------------------------------------------
    def running(self) -> tuple[str, float] | None:
        """(delivery id, started at) of the delivery in hand, None while idle."""
        started = self.started.value
        if not started:
            return None
        return self.delivery.value.decode(errors="replace"), started


class _SlotBeacon:
    """Adapts a `Slot` to the worker's `Beacon` protocol."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot

    def started(self, delivery: Delivery) -> None:
        self.slot.started_delivery(delivery)

    def ended(self) -> None:
        self.slot.ended()


Role = Literal["worker", "scheduler"]


def worker_process(
    settings: Settings, name: str, slot: Slot, role: Role, bell: PipeEnd | None = None
) -> None:
    """The body of one worker process: claim and evaluate in the main thread until told to stop.

    `bell` is the read end of its pipe from the web process of the same `serve`, where the
    database cannot wake it (see `wakes_through_store`); on PostgreSQL the worker listens to
    the queue's channel, and on SQLite it waits on the named pipe beside the database, which
    also hear the web processes of other replicas and separate commands.
    """
    _exit_with_parent()
    # Its own process group: Ctrl-C in a terminal reaches `serve` only, which then stops
    # its workers itself (rather than restarting the ones that stopped on their own).
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    # Intake first: when CPUs are short, the kernel gives the web server the CPU before any
    # evaluation (the 202 is what GitHub waits for; the evaluation can wait a moment).
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    from service import logs
    from service.compose import scheduler_for, worker_for
    from service.services import Services

    logs.configure(settings.log_level)
    stop = threading.Event()
    waiters: list[Waiter] = []  # a stop also ends the wait for new work

    def stopping(*_: object) -> None:
        stop.set()
        for waiting in waiters:
            waiting.interrupt()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stopping)
    services = Services.from_settings(settings)
    waiter = _waiter(services.store, bell) if role == "worker" else None
    if waiter is not None:
        waiters.append(waiter)
    # A later edit of the rule files is picked up; an invalid one keeps the last good rules.
    threading.Thread(
        target=services.rules.watch, args=(stop,), name="rules-watch", daemon=True
    ).start()
    try:
        if role == "scheduler":
            # Its own process: no evaluation in a main thread here can hold the GIL while the
            # scheduler's thread is in the middle of a database write.
            scheduler = scheduler_for(services)
            if scheduler is not None:
                scheduler.start()
            stop.wait()
            if scheduler is not None:
                scheduler.stop()
        else:
            worker = worker_for(services, name=name, beacon=_SlotBeacon(slot), waiter=waiter)
            freeze_start_up()
            worker.run_forever(stop, keep_leases=False)  # the supervisor keeps them
    finally:
        if waiter is not None:
            waiter.close()
        services.store.close()


def _waiter(store: Store, bell: PipeEnd | None) -> Waiter | None:
    """How this worker process hears of new deliveries (None: it only polls)."""
    if store.engine.dialect.name == "postgresql":
        if bell is not None:
            bell.close()  # the channel hears every web process, this one's included
        return PgListener(store.engine, store.deliveries)
    fifo = wakeup_fifo(store.engine)
    if fifo is not None:
        try:
            return PipeWaiter(bell, fifo)
        except OSError:
            log.warning("cannot wait on %s; this worker hears its own serve only", fifo)
    return PipeWaiter(bell) if bell is not None else None


def _exit_with_parent() -> None:
    """End this process when the one that started it dies, even by SIGKILL (no orphans).

    On Linux the kernel sends SIGKILL (PR_SET_PDEATHSIG), which works even while this
    process is stuck in C code holding the GIL; elsewhere a thread watches the parent.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent.pid:  # it died before the request took effect
        os._exit(1)

    def watch() -> None:
        parent.join()
        os._exit(1)  # a crash, as far as the store is concerned: leases run out

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass
class _Child:
    index: int
    role: Role = "worker"
    generation: int = 0
    process: SpawnProcess | None = None
    slot: Slot | None = None
    name: str = ""
    started_at: float = 0.0
    quick_deaths: int = 0  # deaths within a few seconds of starting, in a row
    not_before: float = 0.0  # when it may be started again (back-off)


@dataclass
class Supervisor:
    """Starts, watches and stops the worker processes of one `serve` or `worker` command."""

    settings: Settings
    store: Store
    processes: int
    ctx: SpawnContext = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    # A pipe to each worker process, rung by the web process of `serve` after each stored
    # delivery (`GroupCommit.on_stored`); None where the database wakes them itself.
    doorbell: Doorbell | None = None
    _children: list[_Child] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._children = [_Child(index=i) for i in range(self.processes)]
        self._children.append(_Child(index=self.processes, role="scheduler"))
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask every worker to finish its delivery and exit; kill those that take too long."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_SECONDS + 10)

    def _run(self) -> None:
        try:
            self._supervise()
        finally:
            if self.doorbell is not None:
                self.doorbell.close()

    def _supervise(self) -> None:
        # Every worker is started and stopped from this one thread: the kernel's parent-death
        # signal fires when the *thread* that started a process ends.
        share_with_children()  # their counters reach this process's /metrics
        for child in self._children:
            self._spawn(child)
        try:
            self._watch()
        finally:
            self._stop_children()

    def _stop_children(self) -> None:
        alive = [c.process for c in self._children if c.process and c.process.is_alive()]
        for process in alive:
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in alive:
            process.join(max(deadline - time.monotonic(), 0))
            if process.is_alive():
                log.warning("worker process %s did not stop in time; killed", process.pid)
                process.kill()
                process.join(5)

    # -- the watch loop --------------------------------------------------------------------
    def _spawn(self, child: _Child) -> None:
        child.generation += 1
        child.slot = Slot.create(self.ctx)
        where = f"{socket.gethostname()}:{os.getpid()}"
        child.name = f"{where}:{child.role}-{child.index}.{child.generation}"
        piped = child.role == "worker" and self.doorbell is not None
        bell, ring = self.ctx.Pipe(duplex=False) if piped else (None, None)
        child.process = self.ctx.Process(
            target=worker_process,
            args=(self.settings, child.name, child.slot, child.role, bell),
            name=f"boardwatch-{child.role}-{child.index}",
            daemon=True,  # never outlives a parent that exits normally
        )
        child.process.start()
        if bell is not None and ring is not None and self.doorbell is not None:
            bell.close()  # the child has its own copy
            self.doorbell.attach(child.index, ring)
        child.started_at = time.monotonic()

    def _watch(self) -> None:
        next_extension = 0.0
        while not self._stop.wait(CHECK_SECONDS):
            now = time.monotonic()
            for child in self._children:
                try:
                    self._check(child, now)
                except Exception:
                    log.exception("supervisor: checking worker %d failed", child.index)
            if now >= next_extension:
                next_extension = now + self.settings.lease_seconds / 3
                self._keep_leases()

    def _check(self, child: _Child, now: float) -> None:
        process = child.process
        if process is None or not process.is_alive():
            self._restart(child, now)
            return
        assert child.slot is not None
        running = child.slot.running()
        if running is None:
            return
        delivery_id, started = running
        if time.time() - started > self.settings.evaluation_seconds + GRACE_SECONDS:
            log.error(
                "worker %s ran delivery %s past its budget and did not stop; killing it",
                child.name,
                delivery_id,
            )
            process.kill()
            process.join(5)
            self._fail_overrun(delivery_id, child.name)
            self._restart(child, now)

    def _restart(self, child: _Child, now: float) -> None:
        if child.process is not None and child.not_before == 0.0:
            code = child.process.exitcode
            if child.process.pid is not None:
                child_ended(child.process.pid)
            lived = now - child.started_at
            child.quick_deaths = child.quick_deaths + 1 if lived < 5 else 0
            delay = min(2.0**child.quick_deaths, 30.0) if child.quick_deaths else 0.0
            log.warning(
                "worker process %s ended (exit code %s); starting another in %.0f s",
                child.name,
                code,
                delay,
            )
            child.not_before = now + delay
        if now < child.not_before:
            return
        child.not_before = 0.0
        self._spawn(child)

    def _fail_overrun(self, delivery_id: str, owner: str) -> None:
        delivery = self.store.deliveries.get(delivery_id)
        if delivery is None or delivery.status != "running" or delivery.lease_owner != owner:
            return  # it ended after all, or another worker took it over
        error = over_budget_error(
            delivery.subject,
            delivery.id,
            self.settings.evaluation_seconds,
            stopped_by="its supervisor, which killed the worker process",
        )
        self.store.deliveries.finish(delivery, owner, "failed", error=error)

    def _keep_leases(self) -> None:
        for child in self._children:
            running = child.slot.running() if child.slot else None
            if running is None:
                continue
            try:
                self.store.deliveries.extend([running[0]], child.name, self.settings.lease_seconds)
            except Exception:
                log.exception("supervisor: could not extend the lease of %s", running[0])
