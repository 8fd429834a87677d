"""Keeping what a process built at start-up out of the garbage collector's way."""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Keep what start-up built (modules, the app, rules, services) out of every later
    collection.

    Those objects live as long as the process, yet each full collection walked them all: one
    took tens of milliseconds, inside whichever webhook or evaluation it fell in (intake's
    99th percentile was 80–100 ms instead of 15; a new worker's first collection took 85 ms
    of the slowest slash command's answer; BENCHMARKS.md). Frozen, a collection walks only
    what requests and jobs create.
    """
    gc.collect()
    gc.freeze()
