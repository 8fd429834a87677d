"""Claim, run, record: the worker loop, its lease keeper and its retry policy."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from service.gateway.accounting import ledger
from service.intake.events import Envelope
from service.logs import delivery_context
from service.metrics import DELIVERIES, PROCESSING_SECONDS, QUEUE_DEPTH
from service.store.deliveries import Delivery, DeliveryQueue, utcnow
from service.store.wakeup import Waiter
from service.worker.budget import OverBudget, over_budget_error, time_budget
from service.worker.registry import HandlerRegistry, Job, PermanentError

log = logging.getLogger(__name__)

# Given an event's installation id, the bot's own login (None when unknown).
BotLogin = Callable[[int | None], str | None]


class Beacon(Protocol):
    """Tells whoever watches this worker (its supervisor) which delivery runs since when."""

    def started(self, delivery: Delivery) -> None: ...

    def ended(self) -> None: ...


def retry_delay(attempt: int, base: float, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter around it: base·2^(attempt-1) · [0.5, 1.5)."""
    factor = float((rng or random).uniform(0.5, 1.5))
    return float(base * (2 ** max(attempt - 1, 0)) * factor)


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip() or "(no message)"
    return f"{type(exc).__name__}: {text}"[:4000]


class Worker:
    """Processes deliveries from the queue; run several (threads or processes) at once."""

    def __init__(
        self,
        queue: DeliveryQueue,
        registry: HandlerRegistry,
        *,
        lease_seconds: float = 60.0,
        max_attempts: int = 5,
        retry_base_seconds: float = 2.0,
        poll_seconds: float = 0.5,
        bot_login: BotLogin | None = None,
        name: str | None = None,
        budget_seconds: float | None = None,
        beacon: Beacon | None = None,
        waiter: Waiter | None = None,
    ) -> None:
        self.queue = queue
        self.registry = registry
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.poll_seconds = poll_seconds
        self.bot_login = bot_login
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        # Enforced only where the evaluation runs in a main thread (see `budget.time_budget`).
        self.budget_seconds = budget_seconds
        self.beacon = beacon
        # Wakes an idle worker when a delivery is stored; without one it only polls.
        self.waiter = waiter
        self._held: set[str] = set()
        self._held_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- one job ---------------------------------------------------------------------------
    def run_once(self) -> Delivery | None:
        """Claim and process one delivery; None when nothing is due."""
        delivery = self.queue.claim(self.name, self.lease_seconds, foldable=self.registry.foldable)
        if delivery is None:
            return None
        with self._held_lock:
            self._held.add(delivery.id)
        if self.beacon is not None:
            self.beacon.started(delivery)
        started = time.perf_counter()
        try:
            with delivery_context(delivery.id):
                self._process(delivery)
        finally:
            if self.beacon is not None:
                self.beacon.ended()
            with self._held_lock:
                self._held.discard(delivery.id)
            PROCESSING_SECONDS.labels(event=delivery.event).observe(time.perf_counter() - started)
        return delivery

    def _process(self, delivery: Delivery) -> None:
        if delivery.attempts > self.max_attempts:
            # Only a worker that died mid-job gets here: its attempt was counted at claim.
            self._finish(
                delivery,
                "failed",
                error=f"gave up after {self.max_attempts} attempts: the process handling it "
                "stopped each time before it finished",
            )
            return
        with ledger() as book:
            try:
                with time_budget(self.budget_seconds):
                    outcome = self._run(delivery)
            except OverBudget:
                # Ended at once: a retry would spend the same budget again, and the subject's
                # lease is released by `_finish`, so its later deliveries go ahead.
                error = over_budget_error(
                    delivery.subject, delivery.id, self.budget_seconds or 0, stopped_by="the worker"
                )
                log.error("%s", error, exc_info=True)  # the trace shows where it was
                self._finish(delivery, "failed", error=error, cost=book.as_outcome())
                return
            except PermanentError as exc:
                self._finish(delivery, "failed", error=_error_text(exc), cost=book.as_outcome())
                return
            except Exception as exc:
                self._failed_attempt(delivery, exc, book.as_outcome())
                return
        self._finish(delivery, "done", outcome={**outcome, "github": book.as_outcome()})

    def _run(self, delivery: Delivery) -> dict[str, Any]:
        try:
            payload = json.loads(delivery.payload or "")
            envelope = Envelope.model_validate(payload)
        except (ValueError, ValidationError) as exc:
            raise PermanentError(f"the stored payload cannot be read: {exc}") from exc
        sender = envelope.sender.login if envelope.sender else None
        if sender and self.bot_login is not None:
            installation = envelope.installation.id if envelope.installation else None
            if sender == self.bot_login(installation):
                return {"skipped": f"sent by boardwatch itself ({sender})"}
        handler = self.registry.handler_for(delivery.event, delivery.action)
        if handler is None:
            return {"skipped": f"no handler for {delivery.event}.{delivery.action}"}
        return handler(Job(delivery=delivery, payload=payload, envelope=envelope)) or {}

    def _failed_attempt(self, delivery: Delivery, exc: Exception, cost: dict[str, Any]) -> None:
        error = _error_text(exc)
        if delivery.attempts >= self.max_attempts:
            log.error("delivery failed for good: %s", error)
            self._finish(delivery, "failed", error=error, cost=cost)
            return
        delay = retry_delay(delivery.attempts, self.retry_base_seconds)
        log.warning(
            "attempt %d of %d failed, retrying in %.1fs: %s",
            delivery.attempts,
            self.max_attempts,
            delay,
            error,
        )
        self.queue.retry(delivery, self.name, error, utcnow() + timedelta(seconds=delay))

    def _finish(
        self,
        delivery: Delivery,
        status: str,
        *,
        outcome: dict[str, Any] | None = None,
        error: str | None = None,
        cost: dict[str, Any] | None = None,
    ) -> None:
        if outcome is None and cost is not None:
            outcome = {"github": cost}
        kept = self.queue.finish(delivery, self.name, status, outcome=outcome, error=error)  # type: ignore[arg-type]
        if not kept:
            log.warning("lease lost before the job ended; another worker took the delivery over")
        DELIVERIES.labels(event=delivery.event, status=status).inc()
        log.info(
            "delivery %s",
            status,
            extra={"event": delivery.event, "action": delivery.action, "outcome": outcome},
        )

    # -- loops -----------------------------------------------------------------------------
    def run_until_idle(self, max_jobs: int | None = None) -> int:
        """Process due deliveries until none is left (tests, `boardwatch worker --once`)."""
        done = 0
        while max_jobs is None or done < max_jobs:
            if self.run_once() is None:
                break
            done += 1
        return done

    def run_forever(self, stop: threading.Event, *, keep_leases: bool = True) -> None:
        """Claim and process in the calling thread (a worker process's main thread, where the
        time budget can be enforced) until `stop` is set.

        Without `keep_leases` the caller's supervisor keeps them: a thread of this process
        would stall while an evaluation holds the GIL in C code, possibly in the middle of its
        SQLite write transaction, and so lock the database for the web server too.
        """
        self._stop = stop
        keeper = threading.Thread(target=self._keep_leases, name="lease-keeper", daemon=True)
        if keep_leases:
            keeper.start()
        self._loop()
        if keep_leases:
            keeper.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                mark = self.waiter.mark() if self.waiter is not None else 0
                if self.run_once() is None:
                    self._idle(mark)
            except Exception:
                # The database went away for a moment: wait and claim again, never die.
                log.exception("worker loop error")
                self._stop.wait(min(self.poll_seconds * 10, 5.0))

    def _idle(self, mark: int) -> None:
        """Wait for a new delivery (stored after `mark`), or `poll_seconds` at most: the poll
        still finds what comes due later (a retry, a delayed delivery) or a missed ring."""
        if self.waiter is None:
            self._stop.wait(self.poll_seconds)
        elif not self._stop.is_set():
            self.waiter.wait(mark, self.poll_seconds)

    def interrupt(self) -> None:
        """Wake the loops now (they are stopping: `stop` is set)."""
        if self.waiter is not None:
            self.waiter.interrupt()

    def _keep_leases(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            with self._held_lock:
                held = list(self._held)
            try:
                self.queue.extend(held, self.name, self.lease_seconds)
                QUEUE_DEPTH.set(self.queue.pending())
            except Exception:
                log.exception("could not extend leases")

    def start(self, threads: int = 1) -> None:
        """Run `threads` worker loops and one lease keeper in background threads."""
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._loop, name=f"worker-{i}", daemon=True)
            for i in range(threads)
        ]
        self._threads.append(threading.Thread(target=self._keep_leases, daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; wait for jobs in progress to end."""
        self._stop.set()
        self.interrupt()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
