"""The store's Status history and report claims, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, update

from service.store import history, report_posts, schema

T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path) -> Engine:
    made = create_engine(f"sqlite:///{tmp_path}/t.db")
    schema.metadata.create_all(made)
    return made


def status(engine: Engine, number: int, old, new, hours: int) -> None:
    history.record(
        engine,
        kind="status",
        repo="acme/tracker",
        number=number,
        item_id=f"PVTI_{number}",
        old=old,
        new=new,
        at=T0 + timedelta(hours=hours),
        actor="alice",
        source="webhook",
        delivery_id=f"d-{number}-{hours}",
    )


def test_an_empty_history_says_it_knows_nothing(engine: Engine) -> None:
    assert history.last(engine, "acme/tracker", 1, "status") is None
    assert history.load_history(engine) == []


def test_the_latest_status_and_since_when(engine: Engine) -> None:
    status(engine, 1, None, "Todo", 0)
    status(engine, 1, "Todo", "In Progress", 5)
    status(engine, 2, None, "Blocked", 7)
    history.record(
        engine,
        kind="state",
        repo="acme/tracker",
        number=1,
        old="open",
        new="closed",
        at=T0 + timedelta(hours=9),
        actor="bob",
        source="webhook",
    )
    assert history.last(engine, "acme/tracker", 1, "status") == (
        "In Progress",
        T0 + timedelta(hours=5),
    )
    assert history.last(engine, "acme/tracker", 1, "state") == ("closed", T0 + timedelta(hours=9))
    since = history.load_history(engine, since=T0 + timedelta(hours=5))
    assert [(e.number, e.kind, e.new_value) for e in since] == [
        (1, "status", "In Progress"),
        (2, "status", "Blocked"),
        (1, "state", "closed"),
    ]
    assert all(e.changed_at.tzinfo is not None for e in since)


def test_a_cleared_status_is_recorded_as_none(engine: Engine) -> None:
    status(engine, 3, None, "Todo", 0)
    status(engine, 3, "Todo", None, 1)
    assert history.last(engine, "acme/tracker", 3, "status") == (None, T0 + timedelta(hours=1))


def test_one_replica_claims_a_period_and_a_finished_one_stays_done(engine: Engine) -> None:
    with engine.begin() as conn:
        assert report_posts.claim(conn, "weekly", "2026-W48", "a:1") is True
        assert report_posts.claim(conn, "weekly", "2026-W48", "b:2") is False
        assert report_posts.claim(conn, "weekly", "2026-W49", "b:2") is True
        assert report_posts.is_done(conn, "weekly", "2026-W48") is False
        report_posts.finish(conn, "weekly", "2026-W48", 17)
        assert report_posts.is_done(conn, "weekly", "2026-W48") is True
        assert report_posts.claim(conn, "weekly", "2026-W48", "c:3") is False


@pytest.mark.parametrize(("age_minutes", "taken_over"), [(5, False), (31, True)])
def test_an_unfinished_claim_is_taken_over_only_when_stale(
    engine: Engine, age_minutes: int, taken_over: bool
) -> None:
    with engine.begin() as conn:
        assert report_posts.claim(conn, "monthly", "2026-11", "dead:1")
        conn.execute(
            update(schema.report_posts).values(
                claimed_at=datetime.now(UTC) - timedelta(minutes=age_minutes)
            )
        )
        assert report_posts.claim(conn, "monthly", "2026-11", "alive:2") is taken_over
