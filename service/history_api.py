"""`GET /history`: the recorded status history, read-only, for reports made elsewhere (the Action).

GitHub keeps no Status history; this service records it. The digest Action has no database of
its own, so it reads the history here, with BOARDWATCH_REPORT_TOKEN (which can read nothing
else) or the admin token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from service.admin import ErrorDetail
from service.admin_token import matches
from service.store import history
from service.store.history import HistoryEntry

# The report token (or the admin token) reads the history; /docs shows the route as needing it.
reader_token = HTTPBearer(
    auto_error=False,
    scheme_name="reportToken",
    description="BOARDWATCH_REPORT_TOKEN (or the admin token), as `Authorization: Bearer <token>`",
)
router = APIRouter(
    tags=["reports"],
    responses={
        400: {"model": ErrorDetail, "description": "A `since` without a time zone"},
        401: {"model": ErrorDetail, "description": "No or a wrong report token"},
        404: {"model": ErrorDetail, "description": "No report or admin token is configured"},
    },
)

MAX_PAGE = 5000
MAX_ID = 2**31 - 1  # status_history.id is a 32-bit integer on PostgreSQL


class HistoryPage(BaseModel):
    """One page of status history, in the order it was recorded."""

    entries: list[HistoryEntry]
    # Pass as `after` for the next page; None on the last page.
    next_after: int | None = None


def require_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(reader_token)],
) -> None:
    """404 when no report or admin token is configured (no endpoint), 401 without one of them."""
    settings = request.app.state.settings
    tokens = (settings.report_token, settings.admin_token)
    if all(token is None for token in tokens):
        raise HTTPException(404, "Not Found")
    given = credentials.credentials if credentials is not None else None
    # Both compared, so the answer takes as long whichever token is wrong.
    if not any([matches(given, token) for token in tokens]):
        raise HTTPException(
            401,
            "history: send Authorization: Bearer $BOARDWATCH_REPORT_TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )


Reader = Annotated[None, Depends(require_reader)]


@router.get("/history", response_model=HistoryPage)
async def read_history(
    request: Request,
    _: Reader,
    since: Annotated[
        datetime | None, Query(description="only changes at or after this moment (ISO 8601)")
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="`next_after` of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> HistoryPage:
    if since is not None and since.tzinfo is None:
        raise HTTPException(400, "since: give a time zone, e.g. 2026-11-16T00:00:00Z")
    engine = request.app.state.store.engine
    entries, next_after = await run_in_threadpool(
        history.page, engine, after=after, limit=limit, since=since
    )
    return HistoryPage(entries=entries, next_after=next_after)
