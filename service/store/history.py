"""Status and open/closed history of issues: GitHub keeps none, reports need it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import insert, or_, select

from service.store.schema import status_history
from service.store.sql import Bind, execute, fetch, utc


class HistoryEntry(BaseModel):
    repo: str
    number: int
    item_id: str | None = None
    kind: str  # "status" | "state"
    old_value: str | None = None
    new_value: str | None = None
    changed_at: datetime
    actor: str | None = None
    source: str

    @field_validator("changed_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return utc(value)


def _write(bind: Bind, **values: object) -> None:
    execute(bind, insert(status_history).values(**values))


def record(
    bind: Bind,
    *,
    kind: Literal["status", "state"],
    repo: str,
    number: int,
    old: str | None,
    new: str | None,
    at: datetime,
    actor: str | None,
    source: str,
    delivery_id: str | None = None,
    item_id: str | None = None,
) -> None:
    """A board Status change (`new` None: the Status was cleared), or an issue closed or
    reopened (`kind="state"`)."""
    _write(
        bind,
        repo=repo,
        number=number,
        item_id=item_id,
        kind=kind,
        old_value=old,
        new_value=new,
        changed_at=at,
        actor=actor,
        source=source,
        delivery_id=delivery_id,
    )


def page(
    bind: Bind, *, after: int = 0, limit: int = 1000, since: datetime | None = None
) -> tuple[list[HistoryEntry], int | None]:
    """Up to `limit` entries with an id above `after`, in id order, and the id to go on from.

    The history endpoint pages with this (the cursor is stable while rows are added);
    the reader sorts the whole by time. The second value is None on the last page.
    """
    query = (
        select(status_history)
        .where(status_history.c.id > after)
        .order_by(status_history.c.id)
        .limit(limit + 1)
    )
    if since is not None:
        query = query.where(status_history.c.changed_at >= since)
    rows = fetch(bind, query)
    more = len(rows) > limit
    rows = rows[:limit]
    entries = [HistoryEntry.model_validate(dict(row._mapping)) for row in rows]
    return entries, (rows[-1].id if more else None)


def last(
    bind: Bind, repo: str, number: int, kind: str, *, item_id: str | None = None
) -> tuple[str | None, datetime] | None:
    """The latest recorded (value, time) of `kind` ("status" or "state") for the issue;
    with `item_id`, of that board item (or recorded with no item): an issue on two boards has
    a Status on each."""
    query = select(status_history.c.new_value, status_history.c.changed_at).where(
        status_history.c.repo == repo,
        status_history.c.number == number,
        status_history.c.kind == kind,
    )
    if item_id is not None:
        query = query.where(
            or_(status_history.c.item_id == item_id, status_history.c.item_id.is_(None))
        )
    rows = fetch(
        bind,
        query.order_by(status_history.c.changed_at.desc(), status_history.c.id.desc()).limit(1),
    )
    if not rows:
        return None
    row = rows[0]
    return row.new_value, utc(row.changed_at)


def load_history(bind: Bind, since: datetime | None = None) -> list[HistoryEntry]:
    """Every recorded change (since `since`), oldest first."""
    query = select(status_history).order_by(status_history.c.changed_at, status_history.c.id)
    if since is not None:
        query = query.where(status_history.c.changed_at >= since)
    rows = fetch(bind, query)
    return [HistoryEntry.model_validate(dict(row._mapping)) for row in rows]
