"""On SQLite, reads and intake's commits do not wait for each other.

Every write transaction holds the database's one write lock (BEGIN IMMEDIATE). A read used
to begin the same way, so a worker reading an issue's notes made a webhook's commit wait,
and a commit under way held up the worker's reads. In WAL mode a reader needs a snapshot,
not the lock (`sql.reading`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from service.store import NewDelivery, Store
from service.store.schema import deliveries
from service.store.sql import reading


def _done_within(seconds: float, work: Callable[[], object]) -> bool:
    finished = threading.Event()

    def run() -> None:
        work()
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    return finished.wait(seconds)


def _delivery(delivery_id: str) -> NewDelivery:
    return NewDelivery(id=delivery_id, event="issues", action="opened", subject="s", payload="{}")


def test_a_webhook_is_stored_while_a_worker_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/boardwatch.db"
    worker, intake = Store.open(url), Store.open(url, migrate_schema=False)
    try:
        with reading(worker.engine) as conn:
            conn.execute(select(deliveries.c.id)).all()  # the read's transaction is open
            assert _done_within(5, lambda: intake.deliveries.add(_delivery("d1")))
        assert worker.deliveries.get("d1") is not None
    finally:
        worker.close()
        intake.close()


def test_a_worker_reads_while_a_commit_is_under_way(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/boardwatch.db"
    worker, intake = Store.open(url), Store.open(url, migrate_schema=False)
    try:
        worker.deliveries.add(_delivery("d1"))
        with intake.engine.begin() as conn:
            conn.execute(deliveries.delete().where(deliveries.c.id == "none"))  # holds the lock
            found: list[object] = []
            assert _done_within(5, lambda: found.append(worker.deliveries.get("d1")))
        assert found and found[0] is not None
    finally:
        worker.close()
        intake.close()
