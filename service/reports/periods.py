"""Report periods: the ISO week or the month a report covers, in the team's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["week", "month"]


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware

    @property
    def label(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.date().isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m")

    def contains(self, moment: datetime | date | None) -> bool:
        if moment is None:
            return False
        if isinstance(moment, datetime):
            return self.start <= moment < self.end
        return self.start.date() <= moment < self.end.date()

    def previous(self) -> Period:
        return containing(self.kind, self.start - timedelta(days=1))

    def describe(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        if self.kind == "week":
            return f"{self.label} ({self.start:%b} {self.start.day} – {last:%b} {last.day})"
        return f"{self.start:%B %Y}"


def containing(kind: Kind, moment: datetime) -> Period:
    """The week (Monday to Sunday) or month that contains `moment`, in its time zone."""
    tz = moment.tzinfo
    day = moment.date()
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    return Period(
        kind,
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(after, time(), tzinfo=tz),
    )


def reported(kind: Kind, at: datetime, timezone: str) -> Period:
    """The period a report made at `at` reviews: the last complete week or month."""
    local = at.astimezone(ZoneInfo(timezone))
    return containing(kind, local).previous()


def title(kind: Kind, at: datetime, timezone: str) -> str:
    """The digest issue's title: it names the period reviewed, the week or the month."""
    return title_of(reported(kind, at, timezone))


TITLE_PREFIX: dict[Kind, str] = {"week": "Weekly digest · ", "month": "Monthly review · "}


def title_of(period: Period) -> str:
    return TITLE_PREFIX[period.kind] + period.label


def period_of(text: str, timezone: str) -> Period | None:
    """The period a digest title names (the inverse of `title_of`); None for another title."""
    tz = ZoneInfo(timezone)
    for kind, prefix in TITLE_PREFIX.items():
        if not text.startswith(prefix):
            continue
        label = text.removeprefix(prefix)
        try:
            if kind == "week":
                start = datetime.strptime(label + "-1", "%G-W%V-%u")
            else:
                start = datetime.strptime(label, "%Y-%m")
        except ValueError:
            return None
        period = containing(kind, start.replace(tzinfo=tz))
        return period if period.label == label else None
    return None
