"""Group commit at intake (issue 17), on SQLite and PostgreSQL: concurrent deliveries share a
transaction, each is stored (durably) before its answer, a redelivery is stored once, and a
failed transaction fails every delivery in it with an error, never a 202."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from service.store import Store
from service.store.deliveries import NewDelivery, _PostgresIntake, _SqliteIntake
from service.store.group_commit import CommitFailed, GroupCommit
from service.store.schema import deliveries
from tests.support.apps import make_app, subject_recorder
from tests.support.webhooks import encode, headers

PAYLOAD = encode(
    {
        "action": "opened",
        "issue": {"number": 7, "node_id": "I_7", "title": "Launch post"},
        "repository": {"full_name": "acme/tracker"},
    }
)


def new(delivery: str | None = None) -> NewDelivery:
    return NewDelivery(
        id=delivery or str(uuid.uuid4()),
        event="issues",
        action="opened",
        subject="I_7",
        payload=PAYLOAD.decode(),
    )


def stored_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


class CountingBatches:
    """Records the size of each transaction the committer runs."""

    def __init__(self, store: Store) -> None:
        self.sizes: list[int] = []
        self._add_many = store.deliveries.add_many
        store.deliveries.add_many = self  # type: ignore[method-assign]

    def __call__(self, news: Sequence[NewDelivery], **options: bool) -> list[bool]:
        self.sizes.append(len(news))
        return self._add_many(news, **options)


async def add_all(committer: GroupCommit, news: list[NewDelivery]) -> list[bool | BaseException]:
    return await asyncio.gather(*(committer.add(n) for n in news), return_exceptions=True)


def test_concurrent_deliveries_are_committed_together_and_all_stored(store: Store) -> None:
    batches = CountingBatches(store)
    committer = GroupCommit(store.deliveries)
    news = [new() for _ in range(200)]

    answers = asyncio.run(add_all(committer, news))

    assert answers == [True] * 200
    # All 200 reached the committer in the same turn of the event loop: one transaction.
    assert batches.sizes == [200]
    # Stored for every other connection to see: a new store on the same database.
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    try:
        assert other.deliveries.known([n.id for n in news]) == {n.id for n in news}
    finally:
        other.close()


def test_a_redelivery_in_the_same_batch_or_already_stored_is_stored_once(store: Store) -> None:
    committer = GroupCommit(store.deliveries)
    earlier = new("earlier")
    assert asyncio.run(committer.add(earlier)) is True

    answers = asyncio.run(add_all(committer, [new("twice"), new("twice"), new("earlier")]))

    assert answers == [True, False, False]
    assert stored_rows(store) == 2


# Which ids of a batch are stored already, and where they sit in it. On SQLite, a batch with
# one or more stored ids finds its new rows by their rowids; the last rows span statements where
# the build allows only 999 variables (90 rows a statement).
STORED_IN_BATCH = [
    ([], 5),
    ([0], 5),
    ([2], 5),
    ([4], 5),
    ([0, 1, 2, 3, 4], 5),
    ([0, 95, 180, 199], 200),
]


@pytest.mark.parametrize(("stored", "size"), STORED_IN_BATCH)
def test_each_delivery_of_a_batch_is_told_whether_it_is_new(
    store: Store, stored: list[int], size: int
) -> None:
    ids = [f"d-{size}-{n}" for n in range(size)]
    intake = store.deliveries._intake
    if isinstance(intake, _SqliteIntake):  # as in SQLite builds before 3.32
        intake._own.get().setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    # An older row deleted since (its rowid is free again) must not confuse the look-up.
    store.deliveries.add_many([new("gone")])
    assert store.deliveries.add_many([new(ids[n]) for n in stored]) == [True] * len(stored)
    with store.engine.begin() as conn:
        conn.execute(deliveries.delete().where(deliveries.c.id == "gone"))

    answers = store.deliveries.add_many([new(i) for i in ids])

    assert answers == [n not in stored for n in range(size)]
    assert store.deliveries.known(ids) == set(ids)
    assert stored_rows(store) == size


def _refuse_inserts(store: Store) -> None:
    """A real database error on every insert into deliveries (a trigger that raises)."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON deliveries "
                    "BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'disk is full'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON deliveries "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


def test_a_failed_transaction_fails_every_delivery_in_it(store: Store) -> None:
    _refuse_inserts(store)
    committer = GroupCommit(store.deliveries)

    answers = asyncio.run(add_all(committer, [new() for _ in range(20)]))

    assert all(isinstance(a, CommitFailed) for a in answers)
    assert all("disk is full" in str(a) for a in answers)
    assert stored_rows(store) == 0


def test_after_a_failed_transaction_the_next_one_stores_again(store: Store) -> None:
    _refuse_inserts(store)
    committer = GroupCommit(store.deliveries)
    assert isinstance(asyncio.run(add_all(committer, [new()]))[0], CommitFailed)
    with store.engine.begin() as conn:
        on_table = " ON deliveries" if _on_postgres(store) else ""
        conn.execute(text(f"DROP TRIGGER refuse{on_table}"))

    answers = asyncio.run(add_all(committer, [new("after")]))

    assert answers == [True]
    assert store.deliveries.known(["after"]) == {"after"}


def test_on_sqlite_intake_commits_reach_the_disk_and_other_writes_do_not_wait_for_it(
    store: Store,
) -> None:
    if _on_postgres(store):
        return  # PostgreSQL's commit is durable by default (synchronous_commit=on)
    asyncio.run(GroupCommit(store.deliveries).add(new()))
    intake = store.deliveries._intake
    assert isinstance(intake, _SqliteIntake) and intake._own._driver is not None
    # 2 is FULL: the write-ahead log is fsynced at each commit, so a 202 survives a power cut.
    assert intake._own._driver.execute("PRAGMA synchronous").fetchone() == (2,)
    with store.engine.connect() as conn:
        # 1 is NORMAL: the worker's writes are fsynced at checkpoints only.
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1


def test_on_postgresql_intake_stores_again_after_its_connection_was_lost(store: Store) -> None:
    if not _on_postgres(store):
        return  # SQLite has no connection to lose
    committer = GroupCommit(store.deliveries)
    assert asyncio.run(committer.add(new())) is True
    intake = store.deliveries._intake
    assert isinstance(intake, _PostgresIntake) and intake._own._driver is not None
    with store.engine.begin() as conn:  # what a database restart does to it
        conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": intake._own._driver.info.backend_pid}
        )

    assert asyncio.run(committer.add(new("after-restart"))) is True
    assert store.deliveries.known(["after-restart"]) == {"after-restart"}


def _on_postgres(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def test_webhooks_sent_at_once_are_all_answered_after_storing(store: Store) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as client:
        sent = [str(uuid.uuid4()) for _ in range(40)]

        def post(delivery: str) -> int:
            answer = client.post(
                "/webhook", content=PAYLOAD, headers=headers(PAYLOAD, "issues", delivery=delivery)
            )
            return answer.status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(post, [*sent, sent[0], sent[1]]))

    assert codes == [202] * 42
    assert store.deliveries.known(sent) == set(sent)
    assert stored_rows(store) == 40


def test_a_webhook_the_database_cannot_store_is_answered_503_not_202(store: Store) -> None:
    _refuse_inserts(store)
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as client:
        answer = client.post("/webhook", content=PAYLOAD, headers=headers(PAYLOAD, "issues"))

    assert answer.status_code == 503
    assert answer.json() == {"error": "the delivery could not be stored; send it again"}
    assert stored_rows(store) == 0
