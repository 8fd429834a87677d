"""The composition root: the worker, the handler registry and the scheduler, built from
`Services`. The web app, the CLI and the worker processes build them here and only here."""

from __future__ import annotations

from service.handlers import build_registry
from service.schedule import Scheduler, build_scheduler
from service.services import Services
from service.store.wakeup import Waiter
from service.worker import HandlerRegistry, Worker
from service.worker.runner import Beacon


def registry_for(services: Services) -> HandlerRegistry:
    """Which handler runs for which event."""
    return build_registry(services)


def worker_for(
    services: Services,
    registry: HandlerRegistry | None = None,
    *,
    name: str | None = None,
    beacon: Beacon | None = None,
    waiter: Waiter | None = None,
) -> Worker:
    """A worker over the store's queue with the settings' leases, retries and budget."""
    s = services.settings
    return Worker(
        services.store.deliveries,
        registry if registry is not None else build_registry(services),
        lease_seconds=s.lease_seconds,
        max_attempts=s.max_attempts,
        retry_base_seconds=s.retry_base_seconds,
        poll_seconds=s.poll_seconds,
        bot_login=services.gateways.bot_login,
        name=name,
        budget_seconds=s.evaluation_seconds,
        beacon=beacon,
        waiter=waiter,
    )


def scheduler_for(services: Services) -> Scheduler | None:
    """The scheduled jobs: each board's sweep and digests, and webhook recovery."""
    return build_scheduler(services)
