"""`python -m tests.worker.slowserve serve ...`: the real `boardwatch serve`, whose workers
first burn CPU on issues with a special title, the way a pathological body did.

- `SLOW <seconds>`: one catastrophically backtracking regex match that takes about that long.
  The regex engine holds the GIL throughout, as the heading regex of issue 12 did (a
  pure-Python loop would let other threads of its process run every 5 ms); it does check
  for signals, so the worker's budget can stop it.
- `HANG`: a C loop that neither releases the GIL nor looks at signals: only killing the
  process stops it.

Then the real handler runs. Module-level code patches `service.handlers.build_registry`; a
spawned worker process imports this module again as its `__main__`, so workers get it too.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from functools import partial

import service.handlers as handlers
from service.cli.main import app
from service.handlers import ISSUE_ACTIONS
from service.services import Services
from service.worker import Handler, HandlerRegistry, Job

_BACKTRACKS = re.compile(r"(a+)+$")  # 2^n steps on "a" * n + "b"


def hold_gil_for(seconds: float) -> None:
    """One regex call of about `seconds` (calibrated on this machine, within a factor ~1.5;
    the fastest of three timings, since a busy machine only ever makes one slower)."""
    base = 18

    def timed() -> float:
        started = time.perf_counter()
        _BACKTRACKS.match("a" * base + "b")
        return time.perf_counter() - started

    unit = max(min(timed() for _ in range(3)), 1e-6)
    n = base + max(round(math.log2(seconds / unit)), 0)
    _BACKTRACKS.match("a" * n + "b")


def hang() -> None:
    sum(itertools.repeat(1, 10**12))


def _slow_then(real: Handler, job: Job) -> dict | None:
    title = str((job.payload.get("issue") or {}).get("title") or "")
    if title.startswith("SLOW "):
        hold_gil_for(float(title.split()[1]))
    elif title == "HANG":
        hang()
    return real(job)


_build_registry = handlers.build_registry


def build_registry(services: Services) -> HandlerRegistry:
    registry = _build_registry(services)
    real = registry.handler_for("issues", "opened")
    assert real is not None
    registry.add("issues", partial(_slow_then, real), ISSUE_ACTIONS)
    return registry


handlers.build_registry = build_registry

if __name__ == "__main__":
    app()
