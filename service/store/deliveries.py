"""The delivery queue: store once, claim with a lease, finish, retry, replay."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, Protocol, TypeVar

import psycopg
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    RowMapping,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)

from service.redact import current as current_redactor
from service.store.limits import check_fits
from service.store.schema import deliveries, subject_leases
from service.store.sql import insert, reading, utc

# `scheduled`: a re-evaluation the service planned for a moment (a rule's grace ends, an item
# turns stale); claimed like `queued` once due, and not counted as waiting work before.
Status = Literal["queued", "running", "done", "failed", "ignored", "scheduled"]
STATUSES: tuple[Status, ...] = ("queued", "running", "done", "failed", "ignored", "scheduled")
# Statuses a worker claims once `available_at` has come.
_CLAIMABLE = ("queued", "scheduled")


def utcnow() -> datetime:
    return datetime.now(UTC)


def issue_subject(repo: str | None, number: int, node_id: str | None) -> str:
    """The subject of an issue's deliveries: webhooks and scheduled re-evaluations alike."""
    return f"issue:{node_id}" if node_id else f"issue:{repo}#{number}"


class DeliveryBusy(RuntimeError):
    """The delivery is running right now."""


class NewDelivery(BaseModel):
    """A verified webhook about to be stored."""

    id: str
    event: str
    action: str | None = None
    subject: str
    installation_id: int | None = None
    payload: str
    status: Literal["queued", "ignored"] = "queued"

    def check(self) -> None:
        """Raise `Unstorable` when a value does not fit its column (checked before the insert)."""
        check_fits(deliveries, dict(self))


class Delivery(BaseModel):
    """A stored delivery as the worker, the admin API and the CLI see it."""

    model_config = ConfigDict(frozen=True)

    id: str
    event: str
    action: str | None
    subject: str
    installation_id: int | None
    received_at: datetime
    status: Status
    attempts: int
    available_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = None
    outcome: dict[str, Any] | None = None
    payload: str | None = None  # left out of listings

    @field_validator(
        "received_at", "available_at", "lease_until", "started_at", "finished_at", mode="after"
    )
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None

    def summary(self) -> dict[str, Any]:
        """JSON-ready view without the payload."""
        return self.model_dump(mode="json", exclude={"payload"})


_LISTED = [c for c in deliveries.c if c.name != "payload"]
# The columns a new delivery sets, in the order of `_new_values`.
_NEW_COLUMNS = (
    "id",
    "event",
    "action",
    "subject",
    "installation_id",
    "payload",
    "status",
    "received_at",
    "available_at",
    "attempts",
    "finished_at",
)
# Rows per INSERT statement on PostgreSQL: 11 values each stays under the 65,535 parameters of a
# statement. On SQLite the connection's own limit decides (`_SqliteIntake`).
_POSTGRES_ROWS_PER_INSERT = 5000


class _Closable(Protocol):
    def close(self) -> None: ...


DriverT = TypeVar("DriverT", bound=_Closable)


class _OwnConnection(Generic[DriverT]):
    """A driver connection taken out of the engine's pool for good, for intake alone: used
    under `lock` by one thread at a time, opened again after an error."""

    def __init__(
        self, engine: Engine, kind: type[DriverT], prepare: Callable[[DriverT], object]
    ) -> None:
        self._engine = engine
        self._kind = kind
        self._prepare = prepare
        self.lock = threading.Lock()
        self._driver: DriverT | None = None

    def get(self) -> DriverT:
        """The connection; one is opened (and `prepare`d) when there is none."""
        if self._driver is None:
            # The engine's own settings (for SQLite: WAL, busy timeout, the driver's
            # transaction handling turned off) are applied when it connects.
            pooled = self._engine.raw_connection()
            driver = pooled.driver_connection
            assert isinstance(driver, self._kind)
            pooled.detach()
            self._prepare(driver)
            self._driver = driver
        return self._driver

    def discard(self) -> None:
        """Close it (which rolls back what is not committed); `get` opens another."""
        if self._driver is not None:
            with contextlib.suppress(Exception):  # a lost connection may fail to close
                self._driver.close()
            self._driver = None


class _SqliteIntake:
    """SQLite: intake's own connection, synchronous=FULL (each commit reaches the disk before
    it returns, so a delivery answered 202 survives a power cut, not only a crash), used by
    one thread at a time.

    A batch is one plain driver call: a multi-row `INSERT ... ON CONFLICT (id) DO NOTHING`
    in autocommit, which is its own transaction (the write lock, the insert, the commit and
    its fsync all happen inside the one `sqlite3_step`). Each call into the driver releases
    the GIL, and the committer thread then waits for the event loop answering webhooks to
    let go of it again: with a look-up, an insert, BEGIN and COMMIT as separate calls, those
    waits, not the fsync, made a batch take 2 to 6 ms. The connection is not one of the pool
    (which would have to be switched to FULL and back around each batch), and the statement
    is not SQLAlchemy's (whose Python work per statement holds the GIL).
    """

    def __init__(self, engine: Engine) -> None:
        self._own = _OwnConnection(
            engine, sqlite3.Connection, lambda driver: driver.execute("PRAGMA synchronous=FULL")
        )
        # How SQLAlchemy writes a time on SQLite, so that the store reads these rows back.
        stamp = deliveries.c.received_at.type.dialect_impl(engine.dialect)
        self._time_text = stamp.bind_processor(engine.dialect)

    def insert_new(self, news: list[NewDelivery], now: datetime) -> set[str]:
        """Insert the deliveries whose id is not stored yet (`news` holds each id once); the ids
        inserted. Each statement is one durable transaction, and holds as many rows as the
        build's variable limit allows (999 variables in builds before SQLite 3.32, 32,766
        since: 90 or 2,978 rows, more than a group commit's batch)."""
        stamp = self._time_text(now) if self._time_text is not None else now
        stored: set[str] = set()
        with self._own.lock:
            driver = self._own.get()
            rows = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(_NEW_COLUMNS)
            try:
                for start in range(0, len(news), rows):
                    stored |= self._insert(driver, news[start : start + rows], stamp)
            except BaseException:
                self._own.discard()
                raise
        return stored

    @staticmethod
    def _insert(driver: sqlite3.Connection, chunk: list[NewDelivery], stamp: object) -> set[str]:
        cursor = driver.execute(_sqlite_insert(len(chunk)), _new_values(chunk, stamp))
        inserted = cursor.rowcount  # rows the statement inserted, conflicts left out
        if inserted == len(chunk):
            return {new.id for new in chunk}
        if inserted <= 0 or cursor.lastrowid is None:
            return set()
        # Some ids were stored already (a redelivery). Under the write lock the statement gave
        # its rows consecutive rowids, each one past the largest in the table (SQLite's rowid
        # rule), ending at `lastrowid`: those rows are the ones it inserted.
        last = cursor.lastrowid
        return {
            found
            for (found,) in driver.execute(
                "SELECT id FROM deliveries WHERE rowid BETWEEN ? AND ?", (last - inserted + 1, last)
            )
        }

    def close(self) -> None:
        with self._own.lock:
            self._own.discard()


@functools.cache
def _sqlite_insert(rows: int) -> str:
    one = f"({', '.join('?' for _ in _NEW_COLUMNS)})"
    return (
        f"INSERT INTO deliveries ({', '.join(_NEW_COLUMNS)}) VALUES {', '.join([one] * rows)} "
        "ON CONFLICT (id) DO NOTHING"
    )


class _PostgresIntake:
    """PostgreSQL: intake's own connection, in autocommit. A batch is one statement (one round
    trip): the INSERT of what is not stored yet, whose RETURNING gives the ids inserted (exact
    even when another replica inserts the same id at the same moment), and the NOTIFY that
    wakes the listening workers, sent when the statement commits.

    Through the pool and SQLAlchemy, a batch was five round trips (the pool's ping, BEGIN,
    INSERT, NOTIFY, COMMIT), each waiting for the event loop to let go of the GIL.
    """

    def __init__(self, engine: Engine, channel: Callable[[Connection], str]) -> None:
        self._engine = engine
        self._channel_of = channel
        self._own: _OwnConnection[psycopg.Connection[Any]] = _OwnConnection(
            engine, psycopg.Connection, _autocommit
        )
        self._channel = ""

    def insert_new(self, news: list[NewDelivery], now: datetime) -> set[str]:
        """Insert the deliveries whose id is not stored yet (`news` holds each id once); the
        ids inserted. More than `_POSTGRES_ROWS_PER_INSERT` are stored in several statements,
        each atomic (intake's batches are smaller)."""
        stored: set[str] = set()
        for start in range(0, len(news), _POSTGRES_ROWS_PER_INSERT):
            chunk = news[start : start + _POSTGRES_ROWS_PER_INSERT]
            statement = _postgres_insert(len(chunk))
            values = [*_new_values(chunk, now), self._channel_name()]
            with self._own.lock:
                try:
                    stored |= self._run(statement, values)
                except psycopg.OperationalError:
                    # The connection was lost (a database restart): once more on a new one.
                    # Had the first attempt committed, its deliveries now read as stored.
                    stored |= self._run(statement, values)
        return stored

    def _run(self, statement: str, values: list[object]) -> set[str]:
        driver = self._own.get()
        try:
            return {found for (found, _) in driver.execute(statement, values)}
        except BaseException:
            self._own.discard()
            raise

    def _channel_name(self) -> str:
        if not self._channel:
            with self._engine.connect() as conn:
                self._channel = self._channel_of(conn)
        return self._channel

    def close(self) -> None:
        with self._own.lock:
            self._own.discard()


def _autocommit(driver: psycopg.Connection[Any]) -> None:
    driver.autocommit = True


@functools.cache
def _postgres_insert(rows: int) -> str:
    one = f"({', '.join('%s' for _ in _NEW_COLUMNS)})"
    return (
        f"WITH stored AS (INSERT INTO deliveries ({', '.join(_NEW_COLUMNS)}) "
        f"VALUES {', '.join([one] * rows)} ON CONFLICT (id) DO NOTHING RETURNING id) "
        "SELECT id, pg_notify(%s, '') FROM stored"
    )


def _new_values(news: list[NewDelivery], stamp: object) -> list[object]:
    """The values of the intake INSERT's rows, in `_NEW_COLUMNS` order."""
    values: list[object] = []
    for new in news:
        finished = stamp if new.status == "ignored" else None
        values += (new.id, new.event, new.action, new.subject, new.installation_id, new.payload)
        values += (new.status, stamp, stamp, 0, finished)
    return values


@dataclass(frozen=True)
class _Claiming:
    """`DeliveryQueue.claim`'s statements, with bound parameters for what changes per claim."""

    due: Select[Any]
    take: Any  # the dialect's INSERT ... ON CONFLICT DO UPDATE ... RETURNING
    start: Update


class DeliveryQueue:
    """All queue operations; safe to call from many threads and processes at once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._dialect = engine.dialect.name
        self._channel: str | None = None
        self._claim_statements: _Claiming | None = None
        self._intake = (
            _SqliteIntake(engine)
            if self._dialect == "sqlite"
            else _PostgresIntake(engine, self.channel)
        )

    def close(self) -> None:
        """Close intake's connection (it is not the pool's)."""
        self._intake.close()

    # -- intake ----------------------------------------------------------------------------
    def add(self, new: NewDelivery, *, now: datetime | None = None) -> bool:
        """Store a delivery; False when this delivery id is already stored (a redelivery).

        Raises `Unstorable` (before touching the database) for a value its column cannot hold.
        """
        return self.add_many([new], now=now)[0]

    def add_many(
        self, news: Sequence[NewDelivery], *, now: datetime | None = None, checked: bool = False
    ) -> list[bool]:
        """Store deliveries in one transaction (one commit, one fsync), each True when stored
        and False when its id is already stored, or came earlier in `news` (a redelivery).

        On SQLite this commit is synchronous=FULL: the write-ahead log reaches the disk before
        it returns, so a delivery answered 202 survives a power cut, not only a crash of the
        process (the other writes keep synchronous=NORMAL). Raises `Unstorable` (before
        touching the database) for a value its column cannot hold.
        """
        if not checked:  # `checked`: the caller has run `NewDelivery.check` on each
            for new in news:
                new.check()
        now = now or utcnow()
        first: dict[str, NewDelivery] = {}
        for new in news:
            first.setdefault(new.id, new)
        stored = self._intake.insert_new(list(first.values()), now) if first else set()
        return [new.id in stored and first[new.id] is new for new in news]

    def channel(self, conn: Connection) -> str:
        """The LISTEN/NOTIFY channel of this queue (PostgreSQL): one per database and schema,
        since channels are shared by every schema of a database."""
        if self._channel is None:
            database, schema = conn.execute(
                select(func.current_database(), func.current_schema())
            ).one()
            key = hashlib.sha256(f"{database}/{schema}".encode()).hexdigest()[:16]
            self._channel = f"boardwatch_new_{key}"
        return self._channel

    def schedule(self, new: NewDelivery, at: datetime, *, now: datetime | None = None) -> None:
        """Make `new` the one scheduled delivery of its subject and event, claimable at `at`.

        The caller has just evaluated the subject, so its moment replaces any other scheduled
        one (earlier ones are moot, later ones come too late). The same id again (the same
        subject and moment) is stored once, however many workers schedule it.
        """
        new.check()
        now = now or utcnow()
        statement = (
            insert(self.engine, deliveries)
            .values(
                **new.model_dump(exclude={"status"}),
                status="scheduled",
                received_at=now,
                available_at=at,
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        if self._scheduled(new.subject, new.event) == [new.id]:
            return  # already so: most evaluations find nothing new and write nothing
        with self.engine.begin() as conn:
            conn.execute(self._unscheduled(new.subject, new.event).where(deliveries.c.id != new.id))
            conn.execute(statement)

    def unschedule(self, subject: str, event: str) -> None:
        """Drop the subject's scheduled deliveries of `event`: nothing is due any more."""
        if not self._scheduled(subject, event):
            return
        with self.engine.begin() as conn:
            conn.execute(self._unscheduled(subject, event))

    def _scheduled(self, subject: str, event: str) -> list[str]:
        """The ids of the subject's scheduled deliveries of `event` (a read, no lock)."""
        query = select(deliveries.c.id).where(
            deliveries.c.subject == subject,
            deliveries.c.event == event,
            deliveries.c.status == "scheduled",
        )
        with reading(self.engine) as conn:
            return list(conn.execute(query).scalars())

    def _unscheduled(self, subject: str, event: str) -> Delete:
        return delete(deliveries).where(
            deliveries.c.subject == subject,
            deliveries.c.event == event,
            deliveries.c.status == "scheduled",
        )

    # -- worker ----------------------------------------------------------------------------
    def claim(
        self,
        owner: str,
        lease_seconds: float,
        *,
        foldable: frozenset[tuple[str, str | None]] = frozenset(),
    ) -> Delivery | None:
        """Take the oldest delivery that is due and whose subject no other worker holds.

        Each event only says which subject to look at again, so when the claimed delivery's
        (event, action) is `foldable` (it carries no commands), the due deliveries of the same
        subject and kind are folded into one: the newest runs (its payload is the freshest
        state), the others end `done` with `{"coalesced_into": ID}`.
        """
        claiming = self._claiming()
        for _ in range(8):
            now = utcnow()
            lease_until = now + timedelta(seconds=lease_seconds)
            with self.engine.begin() as conn:
                row = conn.execute(claiming.due, {"now": now}).mappings().first()
                if row is None:
                    return None
                # The subject lease is the lock that keeps two deliveries of one issue apart;
                # on PostgreSQL a concurrent claimer waits on this row and then sees it held.
                lease = {
                    "lease_subject": row["subject"],
                    "lease_delivery": row["id"],
                    "lease_holder": owner,
                    "lease_end": lease_until,
                    "now": now,
                }
                if conn.execute(claiming.take, lease).first() is None:
                    continue  # another worker took this subject a moment ago
                if (row["event"], row["action"]) in foldable:
                    row = self._fold(conn, row, owner, now)
                started = {
                    "claimed_id": row["id"],
                    "claimed_by": owner,
                    "claimed_until": lease_until,
                    "claimed_at": now,
                }
                conn.execute(claiming.start, started)
                return Delivery.model_validate(
                    {
                        **row,
                        "status": "running",
                        "attempts": row["attempts"] + 1,
                        "lease_owner": owner,
                        "lease_until": lease_until,
                        "started_at": now,
                    }
                )
        return None

    def _claiming(self) -> _Claiming:
        """The claim's three statements, built once: building them took as long as running
        them, on every claim (an idle worker's poll included)."""
        if self._claim_statements is not None:
            return self._claim_statements
        now = bindparam("now", type_=deliveries.c.available_at.type)
        held = exists(
            select(subject_leases.c.subject).where(
                subject_leases.c.subject == deliveries.c.subject,
                subject_leases.c.lease_until > now,
                subject_leases.c.delivery_id != deliveries.c.id,
            )
        )
        due = (
            select(deliveries)
            .where(
                or_(
                    and_(deliveries.c.status.in_(_CLAIMABLE), deliveries.c.available_at <= now),
                    # A worker died holding it: the lease ran out.
                    and_(deliveries.c.status == "running", deliveries.c.lease_until < now),
                ),
                ~held,
            )
            .order_by(deliveries.c.available_at, deliveries.c.received_at)
            .limit(1)
        )
        if self._dialect == "postgresql":
            due = due.with_for_update(skip_locked=True, of=deliveries)
        # Bound parameters are named apart from the columns: SQLAlchemy reserves a column's
        # own name for the VALUES and SET clauses.
        take = insert(self.engine, subject_leases).values(
            subject=bindparam("lease_subject"),
            delivery_id=bindparam("lease_delivery"),
            owner=bindparam("lease_holder"),
            lease_until=bindparam("lease_end", type_=subject_leases.c.lease_until.type),
        )
        take = take.on_conflict_do_update(
            index_elements=["subject"],
            set_={
                "delivery_id": take.excluded.delivery_id,
                "owner": take.excluded.owner,
                "lease_until": take.excluded.lease_until,
            },
            where=or_(
                subject_leases.c.lease_until <= now,
                subject_leases.c.delivery_id == bindparam("lease_delivery"),
            ),
        ).returning(subject_leases.c.subject)
        start = (
            update(deliveries)
            .where(deliveries.c.id == bindparam("claimed_id"))
            .values(
                status="running",
                attempts=deliveries.c.attempts + 1,
                lease_owner=bindparam("claimed_by"),
                lease_until=bindparam("claimed_until", type_=deliveries.c.lease_until.type),
                started_at=bindparam("claimed_at", type_=deliveries.c.started_at.type),
            )
        )
        self._claim_statements = _Claiming(due=due, take=take, start=start)
        return self._claim_statements

    def _fold(self, conn: Connection, row: RowMapping, owner: str, now: datetime) -> RowMapping:
        """Fold the due deliveries of `row`'s subject and kind into the newest of them."""
        query = (
            select(deliveries)
            .where(
                deliveries.c.subject == row["subject"],
                deliveries.c.event == row["event"],
                deliveries.c.action == row["action"],
                deliveries.c.status.in_(_CLAIMABLE),
                deliveries.c.available_at <= now,
                deliveries.c.id != row["id"],
            )
            .order_by(deliveries.c.received_at, deliveries.c.id)
        )
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=deliveries)
        later = list(conn.execute(query).mappings())
        if not later:
            return row
        newest = later[-1]
        folded = [row["id"], *(r["id"] for r in later[:-1])]
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(folded))
            .values(
                status="done",
                lease_owner=None,
                lease_until=None,
                finished_at=now,
                outcome={"coalesced_into": newest["id"]},
            )
        )
        conn.execute(
            update(subject_leases)
            .where(subject_leases.c.subject == row["subject"], subject_leases.c.owner == owner)
            .values(delivery_id=newest["id"])
        )
        return newest

    def extend(self, delivery_ids: Sequence[str], owner: str, lease_seconds: float) -> None:
        """Keep the leases of deliveries still being worked on."""
        if not delivery_ids:
            return
        until = utcnow() + timedelta(seconds=lease_seconds)
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(delivery_ids), deliveries.c.lease_owner == owner)
                .values(lease_until=until)
            )
            conn.execute(
                update(subject_leases)
                .where(
                    subject_leases.c.delivery_id.in_(delivery_ids), subject_leases.c.owner == owner
                )
                .values(lease_until=until)
            )

    def finish(
        self,
        delivery: Delivery,
        owner: str,
        status: Literal["done", "failed"],
        *,
        outcome: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Record the end of a job; False when the lease was lost to another worker.

        The outcome and the error are stored redacted: they may quote what GitHub answered.
        """
        redactor = current_redactor()
        return self._release(
            delivery,
            owner,
            status=status,
            finished_at=utcnow(),
            outcome=redactor.value(outcome),
            last_error=redactor.text(error) if error is not None else None,
        )

    def retry(self, delivery: Delivery, owner: str, error: str, at: datetime) -> bool:
        """Put a failed attempt back in the queue, due at `at` (the error stored redacted)."""
        error = current_redactor().text(error)
        return self._release(delivery, owner, status="queued", available_at=at, last_error=error)

    def _release(self, delivery: Delivery, owner: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery.id, deliveries.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None, **values)
            ).rowcount
            conn.execute(
                delete(subject_leases).where(
                    subject_leases.c.subject == delivery.subject,
                    subject_leases.c.delivery_id == delivery.id,
                    subject_leases.c.owner == owner,
                )
            )
        return done == 1

    # -- operators -------------------------------------------------------------------------
    def get(self, delivery_id: str, *, with_payload: bool = False) -> Delivery | None:
        columns = list(deliveries.c) if with_payload else _LISTED
        with reading(self.engine) as conn:
            row = (
                conn.execute(select(*columns).where(deliveries.c.id == delivery_id))
                .mappings()
                .first()
            )
        return Delivery.model_validate(dict(row)) if row else None

    def known(self, delivery_ids: Sequence[str]) -> set[str]:
        """Which of `delivery_ids` are stored."""
        found: set[str] = set()
        ids = list(delivery_ids)
        with reading(self.engine) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = select(deliveries.c.id).where(deliveries.c.id.in_(chunk))
                found.update(conn.execute(query).scalars())
        return found

    def list(self, *, status: Status | None = None, limit: int = 50) -> list[Delivery]:
        query = select(*_LISTED).order_by(deliveries.c.received_at.desc()).limit(limit)
        if status is not None:
            query = query.where(deliveries.c.status == status)
        with reading(self.engine) as conn:
            return [Delivery.model_validate(dict(r)) for r in conn.execute(query).mappings()]

    def replay(self, delivery_id: str) -> Delivery | None:
        """Queue a finished delivery again; None when there is no such delivery.

        Raises `DeliveryBusy` while a worker holds it: replaying then would run it twice.
        """
        now = utcnow()
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id, deliveries.c.status != "running")
                .values(
                    status="queued",
                    attempts=0,
                    available_at=now,
                    lease_owner=None,
                    lease_until=None,
                    finished_at=None,
                    last_error=None,
                    outcome=None,
                )
            ).rowcount
        found = self.get(delivery_id)
        if found is not None and not changed:
            raise DeliveryBusy(f"delivery {delivery_id} is being processed; replay it when it ends")
        return found

    def counts(self) -> dict[str, int]:
        """How many deliveries are in each status."""
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            ).all()
        found = {status: count for status, count in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    def pending(self) -> int:
        counts = self.counts()
        return counts["queued"] + counts["running"]
