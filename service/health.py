"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from contextlib import suppress
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from pydantic import BaseModel

from service.metrics import QUEUE_DEPTH, SCHEDULED_REVIEWS, exposition

router = APIRouter(tags=["health"])
# The classic text format (names escaped to underscores), which every Prometheus scrapes.
METRICS_MEDIA_TYPE = "text/plain; version=0.0.4"


class Alive(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    database: str | None = None  # the kind of error, when the database cannot be reached


@router.get("/healthz")
async def healthz() -> Alive:
    return Alive(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    response_model_exclude_none=True,
    responses={503: {"model": Readiness, "description": "The database cannot be reached"}},
)
async def readyz(request: Request) -> JSONResponse:
    try:
        await run_in_threadpool(request.app.state.store.ping)
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ready"})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus metrics in the text exposition format 0.0.4",
            "content": {METRICS_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request) -> Response:
    # The metrics page must answer even while the database is away.
    with suppress(Exception):
        counts = await run_in_threadpool(request.app.state.store.deliveries.counts)
        QUEUE_DEPTH.set(counts["queued"] + counts["running"])
        SCHEDULED_REVIEWS.set(counts["scheduled"])
    return Response(exposition(), media_type=CONTENT_TYPE_PLAIN_0_0_4)
