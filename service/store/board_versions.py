"""Versions of the boards' field definitions, shared by every process through the store."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from service.store.schema import board_versions
from service.store.sql import Bind, execute, fetch, insert


def _key(ref: str) -> str:
    return ref.casefold()  # GitHub logins are case-insensitive


def version(bind: Bind, ref: str) -> int:
    """The board's version (0 until a change was recorded); one primary-key read."""
    query = select(board_versions.c.version).where(board_versions.c.board == _key(ref))
    rows = fetch(bind, query)
    return int(rows[0].version) if rows else 0


def bump(bind: Bind, ref: str) -> None:
    """Record that the field definitions of board `ORG/NUMBER` changed."""
    now = datetime.now(UTC)
    statement = (
        insert(bind, board_versions)
        .values(board=_key(ref), version=1, changed_at=now)
        .on_conflict_do_update(
            index_elements=["board"],
            set_={"version": board_versions.c.version + 1, "changed_at": now},
        )
    )
    execute(bind, statement)
