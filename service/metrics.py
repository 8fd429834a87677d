"""Prometheus metrics of the process, served at `GET /metrics`.

`serve` evaluates in worker processes, so their counters (deliveries done and failed,
processing time, GitHub calls) live in other processes. The supervisor gives its workers a
folder (`PROMETHEUS_MULTIPROC_DIR`, prometheus_client's multiprocess mode) before it starts
them; `exposition()` merges what they wrote there with this process's own metrics.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol, cast

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


class _Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


# prometheus_client's multiprocess module has no type annotations: its two entry points, typed.
_mark_dead = cast(Callable[[int, str], None], multiprocess.mark_process_dead)
_files_of = cast(Callable[[CollectorRegistry, str], _Collector], multiprocess.MultiProcessCollector)

DELIVERIES = Counter(
    "boardwatch_deliveries_total",
    "Webhook deliveries by event and final status (queued, duplicate, ignored, done, failed).",
    ["event", "status"],
)
QUEUE_DEPTH = Gauge(
    "boardwatch_queue_depth",
    "Deliveries waiting to be processed (queued or running).",
    multiprocess_mode="mostrecent",
)
SCHEDULED_REVIEWS = Gauge(
    "boardwatch_scheduled_reviews",
    "Re-evaluations scheduled for a moment to come (a grace period's end, an item turning "
    "stale); not counted in the queue depth until due.",
    multiprocess_mode="mostrecent",
)
PROCESSING_SECONDS = Histogram(
    "boardwatch_processing_seconds",
    "Time from claim to outcome of one delivery.",
    ["event"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
GITHUB_CALLS = Counter(
    "boardwatch_github_api_calls_total",
    "GitHub API requests by kind (rest, graphql), operation and status (HTTP code or error).",
    ["kind", "operation", "status"],
)


def share_with_children() -> Path:
    """The folder child processes write their metrics to (made once, inherited by them)."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if not folder:
        folder = tempfile.mkdtemp(prefix="boardwatch-metrics-")
        os.environ[MULTIPROCESS_DIR] = folder
    return Path(folder)


def child_ended(pid: int) -> None:
    """Forget a dead child's live gauges (its counters stay: they are totals)."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder:
        _mark_dead(pid, folder)


def _in_multiprocess_mode() -> bool:
    # Decided by prometheus_client when it was imported in this process.
    return values.ValueClass is not values.MutexValue


class _Merged:
    """This process's metrics and its children's, one family per name, samples summed."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def collect(self) -> Iterator[Metric]:
        sources: list[Iterable[Metric]] = [_files_of(CollectorRegistry(), self.folder).collect()]
        if not _in_multiprocess_mode():
            sources.insert(0, REGISTRY.collect())  # this process's own values, in memory
        families: dict[str, Metric] = {}
        totals: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], Sample]] = {}
        for source in sources:
            for family in source:
                if family.name not in families:
                    families[family.name] = Metric(family.name, family.documentation, family.type)
                    totals[family.name] = {}
                kept = totals[family.name]
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    if key in kept and family.type != "gauge":
                        sample = sample._replace(value=kept[key].value + sample.value)
                    kept[key] = sample
        for name, family in families.items():
            family.samples = list(totals[name].values())
            yield family


def exposition() -> bytes:
    """The text exposition of every metric: this process's and its workers'."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if not folder or not Path(folder).is_dir():
        return generate_latest(REGISTRY)
    merged = CollectorRegistry(auto_describe=False)
    merged.register(_Merged(folder))
    return generate_latest(merged)
