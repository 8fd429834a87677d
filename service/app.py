"""`create_app(settings)`: the web service (intake, admin, health) with its in-process worker."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from service import admin, health, history_api, landing
from service.compose import registry_for, scheduler_for, worker_for
from service.intake import router as intake
from service.services import Services
from service.settings import Settings
from service.setup import router as setup
from service.store.group_commit import GroupCommit
from service.store.wakeup import LocalBell
from service.worker import HandlerRegistry, Worker

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    services: Services | None = None,
    registry: HandlerRegistry | None = None,
    start_worker: bool = True,
) -> FastAPI:
    """The ASGI app. Tests pass `services`/`registry`; `serve` builds them from settings.

    Refuses to start (raises) without a webhook secret outside dry-run, and with invalid rules.
    """
    settings.check_can_serve()
    if not settings.github_webhook_secret:
        log.warning(
            "NO WEBHOOK SECRET: anyone can send webhooks to this service. This is allowed "
            "only because BOARDWATCH_DRY_RUN is on; set GITHUB_WEBHOOK_SECRET before going live."
        )
    services = services or Services.from_settings(settings)
    if registry is None:
        registry = registry_for(services)
    intake_commit = GroupCommit(services.store.deliveries)
    # The in-process worker threads hear of each stored delivery at once.
    bell = LocalBell()
    intake_commit.on_stored(bell.ring)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker: Worker | None = None
        if start_worker and settings.workers > 0:
            worker = worker_for(services, registry, waiter=bell)
            worker.start(settings.workers)
        scheduler = scheduler_for(services) if start_worker else None
        if scheduler is not None:
            scheduler.start()
        # A later edit of the rule files is picked up; an invalid one keeps the last good rules.
        stop_watching = threading.Event()
        threading.Thread(
            target=services.rules.watch, args=(stop_watching,), name="rules-watch", daemon=True
        ).start()
        try:
            yield
        finally:
            stop_watching.set()
            if scheduler is not None:
                scheduler.stop()
            if worker is not None:
                worker.stop()

    # /docs with Swagger UI's files served by the service itself: it works without internet.
    app = FastAPIOffline(
        title="boardwatch",
        summary="Keeps a GitHub tracker and its Projects board honest.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.store = services.store
    app.state.registry = registry
    # Intake stores through it (group commit); `serve` adds the ring of its worker processes.
    app.state.intake = intake_commit
    app.include_router(intake.router)
    app.include_router(admin.router)
    app.include_router(history_api.router)
    app.include_router(health.router)
    app.include_router(setup.router)
    app.include_router(landing.router)
    return app
