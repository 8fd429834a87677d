"""The sections of the Monday meeting the summary's lists do not cover: highlights, launches,
what is planned this week, the next four weeks as a gantt, and forecasts (pure).

Forecasts rest on the team's pace: the items finished in each of the last whole weeks before
the report is made (see `service.reports.forecast`). Each report seeds its simulations with
its period, so making the same report twice gives the same numbers (and no needless edit of
the digest issue).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from service.engine.model import BoardNames, ReportNames
from service.engine.native import has_type_label
from service.reports.calendar import Gantt, Planned, build_gantt, build_planned
from service.reports.forecast import Chance, chance_to_reach, pace_weeks, weekly_counts
from service.reports.highlights import Highlight, build_highlights
from service.reports.launches import Launch, build_launches
from service.reports.periods import Period, containing
from service.reports.rows import Entry
from service.reports.targets import Target
from service.store.notes import Note


class TargetForecast(BaseModel):
    """A target's running period (the one `now` is in): the count so far and the chance."""

    name: str
    label: str
    window: str  # e.g. 2026-W48, 2026-11
    ends: date  # the period's last day
    done: int
    required: int
    chance: Chance


class Meeting(BaseModel):
    highlights: list[Highlight] = Field(default_factory=list)
    launches: list[Launch] = Field(default_factory=list)
    planned: Planned | None = None  # weekly digests only
    gantt: Gantt | None = None
    target_forecasts: list[TargetForecast] = Field(default_factory=list)
    # Items finished per week the forecasts rest on, oldest first, by the week's Monday.
    pace: dict[date, int] = Field(default_factory=dict)


def forecast_target(
    target: Target,
    finished: Sequence[datetime],
    weeks: Sequence[Period],
    *,
    now: datetime,
    rng: random.Random,
) -> TargetForecast:
    """`finished`: when the items with the target's label were done."""
    window = containing(target.per, now)
    done = sum(1 for at in finished if window.start <= at < now)
    days_left = (window.end - now).total_seconds() / 86400
    return TargetForecast(
        name=target.name,
        label=target.label,
        window=window.label,
        ends=(window.end - timedelta(days=1)).date(),
        done=done,
        required=target.at_least,
        chance=chance_to_reach(
            done, target.at_least, weekly_counts(finished, weeks), days_left, rng
        ),
    )


def build_meeting(
    entries: Sequence[Entry],
    *,
    first_finished: datetime | None,
    period: Period,
    now: datetime,
    names: BoardNames,
    reports: ReportNames,
    targets: Sequence[Target] = (),
    highlights: Mapping[tuple[str, int], Note] | None = None,
) -> Meeting:
    today = now.date()
    done = [(e.issue, e.finished) for e in entries if e.finished is not None]
    weeks = pace_weeks(first_finished, now)
    pace = weekly_counts((at for _, at in done), weeks)
    seed = f"{period.kind}:{period.label}"
    forecasts = [
        forecast_target(
            target,
            [at for issue, at in done if has_type_label(issue, target.label)],
            weeks,
            now=now,
            rng=random.Random(f"{seed}:{target.name}"),
        )
        for target in targets
    ]
    return Meeting(
        highlights=build_highlights(
            entries, notes=highlights or {}, label=reports.highlight_label, period=period
        ),
        launches=build_launches(
            entries,
            launch_type=reports.launch_type,
            target_field=names.target_field,
            weekly=pace,
            today=today,
            seed=seed,
        ),
        planned=(
            build_planned(entries, target_field=names.target_field, week=containing("week", now))
            if period.kind == "week"
            else None
        ),
        gantt=build_gantt(entries, names=names, today=today),
        target_forecasts=forecasts,
        pace={week.start.date(): n for week, n in zip(weeks, pace, strict=True)},
    )
