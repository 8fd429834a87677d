"""The team's metric values: given by `/metric` or read from the tracker's metrics CSV.

A value from a command is keyed by where it was given (the comment), its metric and its day:
giving it again there (an edited comment, a retried delivery) replaces it. The CSV is the
truth for its rows: each read replaces every CSV value of the repository, and a read of an
unchanged file writes nothing (the values keep the commit they came from).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Engine, delete, insert, select

from service.store.schema import metric_values
from service.store.sql import Bind, fetch, utc

Source = Literal["command", "csv"]


class MetricValue(BaseModel):
    """One reported value, with who gave it and where."""

    model_config = ConfigDict(frozen=True)

    metric: str
    day: date
    value: float
    source: Source
    origin: str  # the comment's address, or `path@sha` of the CSV
    line: int | None = None  # the CSV line
    actor: str | None = None
    recorded_at: datetime | None = None

    @field_validator("recorded_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None


def _repo(repo: str) -> str:
    # GitHub names are case-insensitive; the tracker may be configured as `Acme/Tracker`.
    return repo.casefold()


def _row(repo: str, value: MetricValue, at: datetime) -> dict[str, object]:
    return {**value.model_dump(exclude={"recorded_at"}), "repo": _repo(repo), "recorded_at": at}


def record_command(bind: Bind, repo: str, value: MetricValue) -> None:
    """Store a value given by a command, replacing one given for the same metric and day in
    the same place."""
    same = delete(metric_values).where(
        metric_values.c.repo == _repo(repo),
        metric_values.c.source == "command",
        metric_values.c.origin == value.origin,
        metric_values.c.metric == value.metric,
        metric_values.c.day == value.day,
    )
    row = _row(repo, value, datetime.now(UTC))
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(same)
            conn.execute(insert(metric_values).values(**row))
    else:
        bind.execute(same)
        bind.execute(insert(metric_values).values(**row))


def _content(values: Sequence[MetricValue]) -> list[tuple[str, date, float, int | None]]:
    return sorted((v.metric, v.day, v.value, v.line) for v in values)


def replace_csv(engine: Engine, repo: str, values: Sequence[MetricValue]) -> bool:
    """Make the CSV values of `repo` these; False (nothing written) when they already are."""
    at = datetime.now(UTC)
    with engine.begin() as conn:
        ours = (metric_values.c.repo == _repo(repo)) & (metric_values.c.source == "csv")
        stored = [
            MetricValue.model_validate(dict(row))
            for row in conn.execute(select(metric_values).where(ours)).mappings()
        ]
        if _content(stored) == _content(values):
            return False
        conn.execute(delete(metric_values).where(ours))
        if values:
            conn.execute(insert(metric_values), [_row(repo, v, at) for v in values])
    return True


def load_values(bind: Bind, repo: str, since: date | None = None) -> list[MetricValue]:
    """The values given in `repo` (dated `since` or later), oldest first."""
    query = select(metric_values).where(metric_values.c.repo == _repo(repo))
    if since is not None:
        query = query.where(metric_values.c.day >= since)
    query = query.order_by(metric_values.c.day, metric_values.c.recorded_at, metric_values.c.id)
    return [MetricValue.model_validate(row._asdict()) for row in fetch(bind, query)]


__all__ = ["MetricValue", "load_values", "record_command", "replace_csv"]
