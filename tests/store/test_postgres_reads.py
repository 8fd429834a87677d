"""On PostgreSQL, a read (`sql.reading`) runs in autocommit: no transaction is left open.

Under READ COMMITTED, each statement sees its own snapshot whether or not a transaction
surrounds it, so a read transaction bought nothing but a BEGIN and a ROLLBACK round trip per
read (a slash command's evaluation makes about ten reads before its first write), and an
open one held its snapshot, which keeps VACUUM from removing rows, for as long as it lasted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from service.store import Store
from service.store.schema import deliveries
from service.store.sql import reading

pytestmark = pytest.mark.postgres


def test_a_read_leaves_no_transaction_open(postgres_url: str) -> None:
    store = Store.open(postgres_url)
    try:
        with reading(store.engine) as conn:
            conn.execute(select(deliveries.c.id)).all()
            backend = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with store.engine.connect() as other:
                state = other.execute(
                    text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}
                ).scalar_one()
        # "idle in transaction" before: the read's BEGIN stayed open until the block ended.
        assert state == "idle"
    finally:
        store.close()
