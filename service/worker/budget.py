"""The time budget of one evaluation: a CPU-bound job is stopped, not waited for.

A thread cannot be interrupted from outside, so the budget is a real-time interval timer
(`signal.setitimer`) whose SIGALRM handler raises in the thread that evaluates: the worker
process's main thread. Python runs signal handlers between bytecodes, and the regex engine
checks for signals while it backtracks, so this stops pure-Python loops, regexes and
blocking socket reads alike. Code that never returns to the interpreter is caught by the
supervisor instead (`service.worker.processes`), which kills the process past a grace period.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class OverBudget(BaseException):
    """The evaluation ran past its budget.

    A `BaseException`, like `KeyboardInterrupt`, so that a handler's `except Exception`
    (a retry loop, a "log and go on") cannot swallow it and keep running.
    """


def over_budget_error(subject: str, delivery_id: str, seconds: float, *, stopped_by: str) -> str:
    """What the operator reads on the failed delivery: what happened and what to do."""
    return (
        f"evaluation of {subject} exceeded its {seconds:g} s budget "
        f"(BOARDWATCH_EVALUATION_SECONDS) and was stopped by {stopped_by}; it is not retried, "
        "because a retry would take as long again. Look at what makes this subject slow to "
        "evaluate (a huge issue body or comment, a rule template with a large loop), fix it or "
        f"raise the budget, then run `boardwatch replay {delivery_id}`."
    )


def can_enforce() -> bool:
    """Whether `time_budget` can stop the current thread (only a process's main thread can)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise `OverBudget` in the block once `seconds` of wall time have passed.

    Outside the main thread (tests' in-process worker threads) no timer can be set, and the
    block runs unbounded; the process model of `boardwatch serve` and `boardwatch worker`
    runs every evaluation in a main thread.
    """
    if not seconds or not can_enforce():
        yield
        return
    armed = True

    def expire(signum: int, frame: FrameType | None) -> None:
        if armed:  # a late alarm after the block ended must not raise elsewhere
            raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    began = time.monotonic()
    # Another user of the timer (pytest-timeout, for one) gets its remaining time back after
    # the block; its alarm is held back while the block runs.
    other, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if other > 0:
            left = max(other - (time.monotonic() - began), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)
