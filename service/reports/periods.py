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
    """The digest issue's title. A weekly digest is named for the week it is posted in (the
    week of the meeting); a monthly review for the month it reviews."""
    local = at.astimezone(ZoneInfo(timezone))
    if kind == "week":
        return f"Weekly digest · {containing('week', local).label}"
    return f"Monthly review · {reported('month', at, timezone).label}"
