"""The evaluation budget: a CPU-bound evaluation is stopped, ends failed at once, and its
issue's later deliveries go ahead. (pytest runs tests in the main thread, as a worker
process runs its evaluations.)"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import threading
import time

import pytest

from service.store import NewDelivery, Store
from service.worker import HandlerRegistry, Job, Worker
from service.worker.budget import OverBudget, can_enforce, time_budget

# Exponential backtracking, GIL held in C: the shape of the heading regex of issue 12.
BACKTRACKS = re.compile(r"(a+)+$")
FOREVER = "a" * 60 + "b"


def add(store: Store, delivery: str, title: str, subject: str = "issue:I_1") -> None:
    payload = {"action": "opened", "issue": {"number": 1, "title": title}}
    new = NewDelivery(
        id=delivery,
        event="issues",
        action="opened",
        subject=subject,
        payload=json.dumps(payload),
    )
    assert store.deliveries.add(new)


def evaluate(job: Job) -> dict:
    if job.payload["issue"]["title"] == "pathological":
        BACKTRACKS.match(FOREVER)
    return {"evaluated": job.payload["issue"]["title"]}


def test_the_budget_stops_a_regex_that_holds_the_gil() -> None:
    started = time.monotonic()
    with pytest.raises(OverBudget), time_budget(0.3):
        BACKTRACKS.match(FOREVER)
    assert time.monotonic() - started < 5


def test_the_budget_cannot_be_swallowed_by_except_exception() -> None:
    def careless() -> None:
        with contextlib.suppress(Exception):  # a handler's "log and go on"
            BACKTRACKS.match(FOREVER)

    with pytest.raises(OverBudget), time_budget(0.3):
        careless()


def test_a_block_within_its_budget_is_left_alone_and_no_alarm_follows() -> None:
    with time_budget(0.2):
        pass
    time.sleep(0.4)  # a late alarm would raise here


def test_another_timer_of_the_process_gets_its_time_back() -> None:
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_budget(5):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_outside_the_main_thread_nothing_is_armed() -> None:
    seen = []
    thread = threading.Thread(target=lambda: seen.append(can_enforce()))
    thread.start()
    thread.join()
    assert seen == [False] and can_enforce()


def test_an_evaluation_over_budget_fails_at_once_and_the_next_delivery_of_its_issue_runs(
    store: Store,
) -> None:
    add(store, "slow-1", "pathological")
    add(store, "next-1", "fine")
    registry = HandlerRegistry()
    registry.add("issues", evaluate)
    worker = Worker(store.deliveries, registry, budget_seconds=0.5, max_attempts=5)

    assert worker.run_until_idle() == 2
    slow = store.deliveries.get("slow-1")
    assert (slow.status, slow.attempts) == ("failed", 1)  # not retried
    assert slow.last_error == (
        "evaluation of issue:I_1 exceeded its 0.5 s budget (BOARDWATCH_EVALUATION_SECONDS) "
        "and was stopped by the worker; it is not retried, because a retry would take as long "
        "again. Look at what makes this subject slow to evaluate (a huge issue body or comment, "
        "a rule template with a large loop), fix it or raise the budget, then run "
        "`boardwatch replay slow-1`."
    )
    following = store.deliveries.get("next-1")
    assert following.status == "done"
    assert following.outcome["evaluated"] == "fine"
