"""The operator's HTTP API: list, inspect and replay deliveries (bearer token only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from service.admin_token import bearer, matches
from service.redact import current
from service.store.deliveries import STATUSES, Delivery, DeliveryBusy, Status


class ErrorDetail(BaseModel):
    """FastAPI's error answer: what went wrong and what to do."""

    detail: str


router = APIRouter(
    prefix="/deliveries",
    tags=["admin"],
    responses={
        401: {"model": ErrorDetail, "description": "No or a wrong admin token"},
        404: {
            "model": ErrorDetail,
            "description": "No such delivery, or no admin token configured (no admin API)",
        },
    },
)


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """404 when no admin token is configured (the API does not exist), 401 without the token."""
    token = request.app.state.settings.admin_token
    if token is None:
        raise HTTPException(404, "Not Found")
    if credentials is None or not matches(credentials.credentials, token):
        raise HTTPException(
            401,
            "admin API: send Authorization: Bearer $BOARDWATCH_ADMIN_TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )


Admin = Annotated[None, Depends(require_admin)]


def _shown(delivery: Delivery) -> dict[str, Any]:
    # Rows written before redaction existed (or by an older version) may still quote a secret.
    return current().value(delivery.summary())


@router.get("")
async def list_deliveries(
    request: Request,
    _: Admin,
    status: Annotated[Status | None, Query(description=f"one of {', '.join(STATUSES)}")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    queue = request.app.state.store.deliveries
    found = await run_in_threadpool(queue.list, status=status, limit=limit)
    return {
        "deliveries": [_shown(d) for d in found],
        "counts": await run_in_threadpool(queue.counts),
    }


@router.get("/{delivery_id}")
async def get_delivery(request: Request, _: Admin, delivery_id: str) -> dict[str, Any]:
    found = await run_in_threadpool(request.app.state.store.deliveries.get, delivery_id)
    if found is None:
        raise HTTPException(404, f"no delivery {delivery_id}")
    return _shown(found)


@router.post(
    "/{delivery_id}/replay",
    status_code=202,
    responses={409: {"model": ErrorDetail, "description": "The delivery is running now"}},
)
async def replay(request: Request, _: Admin, delivery_id: str) -> dict[str, Any]:
    try:
        found = await run_in_threadpool(request.app.state.store.deliveries.replay, delivery_id)
    except DeliveryBusy as exc:
        raise HTTPException(409, str(exc)) from None
    if found is None:
        raise HTTPException(404, f"no delivery {delivery_id}")
    return _shown(found)
