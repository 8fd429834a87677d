"""Plumbing every store module shares: an engine or a connection, upserts, UTC times."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, Table
from sqlalchemy.dialects import postgresql, sqlite

# Store functions take an engine (one transaction of their own) or a connection (the
# caller's transaction).
Bind = Engine | Connection

# Execution option of a connection that only reads: on SQLite its transaction begins deferred
# (see `database._tune_sqlite`).
READ_ONLY = "boardwatch_read_only"


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only.

    On SQLite every other transaction begins IMMEDIATE, holding the database's one write lock
    until it ends, so a read made intake's commit wait (and the other way round). This one
    begins deferred: in WAL mode a reader sees a snapshot and neither waits for a writer nor
    holds one up. A write on it could fail at once with "database is locked".

    On PostgreSQL it runs in autocommit: no BEGIN and ROLLBACK round trips, and no snapshot
    held open between the reads.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # Each statement of a READ COMMITTED transaction sees its own snapshot anyway: a
            # transaction around the reads would give them no more consistency.
            conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            conn.execution_options(**{READ_ONLY: True})
        yield conn


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
        with reading(bind) as conn:
            return conn.execute(query).all()
    return bind.execute(query).all()


def utc(value: datetime) -> datetime:
    """SQLite keeps no time zone; everything the store writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
