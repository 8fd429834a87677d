"""The worker: claims, subject exclusivity, leases after a crash, retries, outcomes."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict

import pytest

from service.gateway.accounting import record_call
from service.store import NewDelivery, Store
from service.worker import HandlerRegistry, Job, PermanentError, Worker
from service.worker.runner import retry_delay


def add(store: Store, delivery: str, subject: str = "issue:I_1", **payload) -> None:
    body = {"action": "opened", "repository": {"full_name": "acme/tracker"}, **payload}
    new = NewDelivery(
        id=delivery, event="issues", action="opened", subject=subject, payload=json.dumps(body)
    )
    assert store.deliveries.add(new)


def registry_with(handler) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.add("issues", handler)
    return registry


def test_a_delivery_is_processed_once_and_its_outcome_recorded(store: Store) -> None:
    def handler(job: Job) -> dict:
        record_call("rest", "get_issue", "200", write=False)
        record_call("rest", "add_labels", "200", write=True)
        return {"did": "labelled"}

    add(store, "w-1")
    worker = Worker(store.deliveries, registry_with(handler))
    assert worker.run_until_idle() == 1
    row = store.deliveries.get("w-1")
    assert row.status == "done" and row.attempts == 1 and row.last_error is None
    assert row.outcome == {
        "did": "labelled",
        "github": {"reads": 1, "writes": 1, "calls": {"add_labels": 1, "get_issue": 1}},
    }
    assert worker.run_until_idle() == 0


def test_failures_are_retried_with_backoff_then_succeed(store: Store) -> None:
    calls = []

    def flaky(job: Job) -> dict:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ConnectionError("GitHub answered 502")
        return {"ok": True}

    add(store, "w-2")
    worker = Worker(store.deliveries, registry_with(flaky), retry_base_seconds=0.05)
    deadline = time.monotonic() + 10
    while store.deliveries.get("w-2").status != "done" and time.monotonic() < deadline:
        worker.run_once()
        time.sleep(0.01)
    row = store.deliveries.get("w-2")
    assert row.status == "done" and row.attempts == 3
    # The second wait is longer than the first: 0.05·2^(n-1) with jitter in [0.5, 1.5).
    assert calls[1] - calls[0] >= 0.025 and calls[2] - calls[1] >= 0.05


def test_a_delivery_that_keeps_failing_ends_failed_with_its_error_and_can_be_replayed(
    store: Store,
) -> None:
    broken = {"yes": True}

    def handler(job: Job) -> dict:
        if broken["yes"]:
            raise RuntimeError("GitHub is down")
        return {}

    add(store, "w-3")
    worker = Worker(store.deliveries, registry_with(handler), max_attempts=3, retry_base_seconds=0)
    for _ in range(10):
        worker.run_once()
    row = store.deliveries.get("w-3")
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error == "RuntimeError: GitHub is down"

    broken["yes"] = False
    store.deliveries.replay("w-3")
    assert worker.run_until_idle() == 1
    row = store.deliveries.get("w-3")
    assert row.status == "done" and row.attempts == 1 and row.last_error is None


def test_a_permanent_error_is_not_retried(store: Store) -> None:
    def handler(job: Job) -> dict:
        raise PermanentError("the payload names no issue")

    add(store, "w-4")
    Worker(store.deliveries, registry_with(handler), retry_base_seconds=0).run_until_idle()
    row = store.deliveries.get("w-4")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "PermanentError: the payload names no issue"


def test_events_sent_by_the_bot_itself_are_recorded_but_not_acted_on(store: Store) -> None:
    acted = []
    add(store, "w-5", sender={"login": "boardwatch[bot]", "type": "Bot"})
    add(store, "w-6", subject="issue:I_2", sender={"login": "alice", "type": "User"})
    worker = Worker(
        store.deliveries,
        registry_with(lambda job: acted.append(job.delivery.id) or {}),
        bot_login=lambda installation: "boardwatch[bot]",
    )
    worker.run_until_idle()
    assert acted == ["w-6"]
    own = store.deliveries.get("w-5")
    assert own.status == "done"
    assert own.outcome["skipped"] == "sent by boardwatch itself (boardwatch[bot])"


def test_two_deliveries_of_one_subject_never_run_at_once(store: Store) -> None:
    add(store, "s-1", subject="issue:I_9")
    add(store, "s-2", subject="issue:I_9")
    add(store, "s-3", subject="issue:I_10")
    first = store.deliveries.claim("worker-a", 60)
    assert first.id == "s-1"
    # worker-b skips s-2 (same subject as the running s-1) and takes the other issue.
    second = store.deliveries.claim("worker-b", 60)
    assert second.id == "s-3"
    assert store.deliveries.claim("worker-b", 60) is None
    assert store.deliveries.finish(first, "worker-a", "done")
    assert store.deliveries.claim("worker-b", 60).id == "s-2"


def test_due_deliveries_of_one_subject_and_kind_are_folded_into_the_newest(store: Store) -> None:
    for n in range(1, 4):
        add(store, f"f-{n}", subject="issue:I_5")
    add(store, "f-other", subject="issue:I_6")
    foldable = frozenset({("issues", "opened")})
    claimed = store.deliveries.claim("worker-a", 60, foldable=foldable)
    assert claimed is not None and claimed.id == "f-3"  # the newest payload runs
    for folded in ("f-1", "f-2"):
        found = store.deliveries.get(folded)
        assert found is not None and found.status == "done"
        assert found.outcome == {"coalesced_into": "f-3"}
    assert store.deliveries.claim("worker-b", 60, foldable=foldable).id == "f-other"
    assert store.deliveries.claim("worker-b", 60, foldable=foldable) is None  # I_5 is held
    assert store.deliveries.finish(claimed, "worker-a", "done")
    assert store.deliveries.claim("worker-b", 60, foldable=foldable) is None


def test_deliveries_that_are_not_foldable_each_run(store: Store) -> None:
    add(store, "n-1", subject="issue:I_5")
    add(store, "n-2", subject="issue:I_5")
    assert store.deliveries.claim("worker-a", 60).id == "n-1"


def test_a_worker_killed_while_holding_a_delivery_loses_it_when_the_lease_expires(
    store: Store,
) -> None:
    processed = []
    add(store, "k-1", subject="issue:I_5")
    # The "killed" worker claimed it and never came back (no finish, no lease renewal).
    dead = store.deliveries.claim("dead-worker", lease_seconds=0.5)
    assert dead is not None
    survivor = Worker(
        store.deliveries, registry_with(lambda job: processed.append(job.delivery.id) or {})
    )
    assert survivor.run_once() is None  # still leased: nothing runs twice at once
    time.sleep(0.6)
    assert survivor.run_once().id == "k-1"
    row = store.deliveries.get("k-1")
    assert (row.status, row.attempts, processed) == ("done", 2, ["k-1"])
    # The dead worker waking up late cannot overwrite the result.
    assert not store.deliveries.finish(dead, "dead-worker", "failed", error="late")
    assert store.deliveries.get("k-1").status == "done"


def test_a_long_job_keeps_its_lease(store: Store) -> None:
    release = threading.Event()
    add(store, "long-1", subject="issue:L")
    add(store, "long-2", subject="issue:L")
    worker = Worker(
        store.deliveries,
        registry_with(lambda job: release.wait(5) and {}),
        lease_seconds=0.3,
        poll_seconds=0.01,
    )
    worker.start(threads=1)
    try:
        time.sleep(1.0)  # three lease periods: the keeper must have renewed it
        assert store.deliveries.claim("intruder", 0.3) is None
    finally:
        release.set()
        worker.stop()
    assert store.deliveries.get("long-1").attempts == 1


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 1.0, 3.0), (2, 2.0, 6.0), (4, 8.0, 24.0)])
def test_retry_delay_doubles_with_jitter(attempt: int, low: float, high: float) -> None:
    delays = [retry_delay(attempt, 2.0) for _ in range(200)]
    assert all(low <= d < high for d in delays)
    assert max(delays) - min(delays) > 0.1  # jitter spreads retries apart


def test_many_workers_share_a_queue_with_no_loss_and_no_overlap(store: Store) -> None:
    """500 deliveries about 50 issues, 2 workers × 2 threads: each runs once, never overlapping."""
    runs: dict[str, int] = defaultdict(int)
    active: dict[str, int] = defaultdict(int)
    overlaps = []
    lock = threading.Lock()

    def handler(job: Job) -> dict:
        subject = job.delivery.subject
        with lock:
            runs[job.delivery.id] += 1
            active[subject] += 1
            if active[subject] > 1:
                overlaps.append(subject)
        time.sleep(0.001)
        with lock:
            active[subject] -= 1
        return {}

    for i in range(500):
        add(store, f"q-{i}", subject=f"issue:I_{i % 50}")
    workers = [
        Worker(store.deliveries, registry_with(handler), poll_seconds=0.01, name=f"w{n}")
        for n in range(2)
    ]
    for worker in workers:
        worker.start(threads=2)
    deadline = time.monotonic() + 120
    while store.deliveries.counts()["done"] < 500 and time.monotonic() < deadline:
        time.sleep(0.1)
    for worker in workers:
        worker.stop()
    assert store.deliveries.counts()["done"] == 500
    assert len(runs) == 500 and set(runs.values()) == {1}
    assert overlaps == []
