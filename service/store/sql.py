"""Plumbing every store module shares: an engine or a connection, upserts, UTC times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, Table
from sqlalchemy.dialects import postgresql, sqlite

# Store functions take an engine (one transaction of their own) or a connection (the
# caller's transaction).
Bind = Engine | Connection


def insert(bind: Bind, table: Table) -> Any:
    """The dialect's INSERT for `table`, which has `on_conflict_do_*` (an upsert)."""
    return (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(table)


def execute(bind: Bind, statement: Executable) -> Any:
    """Run a write; on an engine, in its own transaction."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return conn.execute(statement)
    return bind.execute(statement)


def fetch(bind: Bind, query: Executable) -> Sequence[Row[Any]]:
    """All rows of a read."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return conn.execute(query).all()
    return bind.execute(query).all()


def utc(value: datetime) -> datetime:
    """SQLite keeps no time zone; everything the store writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
