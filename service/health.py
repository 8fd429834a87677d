"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.metrics import QUEUE_DEPTH

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        await run_in_threadpool(request.app.state.store.ping)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    # The metrics page must answer even while the database is away.
    with suppress(Exception):
        QUEUE_DEPTH.set(await run_in_threadpool(request.app.state.store.deliveries.pending))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
