"""Prometheus metrics of the process, served at `GET /metrics`."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "boardwatch_deliveries_total",
    "Webhook deliveries by event and final status (queued, duplicate, ignored, done, failed).",
    ["event", "status"],
)
QUEUE_DEPTH = Gauge(
    "boardwatch_queue_depth", "Deliveries waiting to be processed (queued or running)."
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
