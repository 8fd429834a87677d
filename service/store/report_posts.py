"""Which scheduled jobs and reports ran for which period: one replica claims each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from service.store.schema import report_posts
from service.store.sql import insert, utc

# A claim that never finished (its process died) may be taken over after this long.
STALE_CLAIM = timedelta(minutes=30)


def claim(conn: Connection, kind: str, period: str, owner: str) -> bool:
    """Claim `kind` for `period`; False when another process has it or it is done."""
    now = datetime.now(UTC)
    statement = (
        insert(conn, report_posts)
        .values(kind=kind, period=period, claimed_by=owner, claimed_at=now)
        .on_conflict_do_update(
            index_elements=["kind", "period"],
            set_={"claimed_by": owner, "claimed_at": now},
            where=(report_posts.c.finished_at.is_(None))
            & (report_posts.c.claimed_at < now - STALE_CLAIM),
        )
        .returning(report_posts.c.kind)
    )
    return conn.execute(statement).first() is not None


def finish(conn: Connection, kind: str, period: str, issue_number: int | None) -> None:
    conn.execute(
        update(report_posts)
        .where(report_posts.c.kind == kind, report_posts.c.period == period)
        .values(finished_at=datetime.now(UTC), issue_number=issue_number)
    )


def is_done(conn: Connection, kind: str, period: str) -> bool:
    row = conn.execute(
        select(report_posts.c.finished_at).where(
            report_posts.c.kind == kind,
            report_posts.c.period == period,
            report_posts.c.finished_at.is_not(None),
        )
    ).first()
    return row is not None


def release(conn: Connection, kind: str, period: str) -> None:
    """Give up an unfinished claim (the job failed), so it can be claimed again."""
    conn.execute(
        delete(report_posts).where(
            report_posts.c.kind == kind,
            report_posts.c.period == period,
            report_posts.c.finished_at.is_(None),
        )
    )


@dataclass(frozen=True)
class Finished:
    """A job or report that ran for its period (the landing page shows the last digest)."""

    kind: str
    period: str
    finished_at: datetime
    issue_number: int | None


def last_finished(conn: Connection, kinds: Sequence[str]) -> Finished | None:
    """The newest finished entry of one of `kinds`; None when none ran yet."""
    row = conn.execute(
        select(
            report_posts.c.kind,
            report_posts.c.period,
            report_posts.c.finished_at,
            report_posts.c.issue_number,
        )
        .where(report_posts.c.kind.in_(kinds), report_posts.c.finished_at.is_not(None))
        .order_by(report_posts.c.finished_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return Finished(row.kind, row.period, utc(row.finished_at), row.issue_number)
