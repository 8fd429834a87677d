"""Forecasts from the team's own pace: a Monte Carlo simulation of recent weekly throughput.

The pace is how many items were finished in each of the last whole weeks (at most
`PACE_WEEKS`). A simulated week draws one of those weeks at random (with replacement), so
the spread of good and bad weeks carries into the forecast, and no average or estimate is
assumed. Each forecast runs `TRIALS` such futures:

- a target: the chance that the count so far plus the simulated weeks left in the target's
  period reaches what it requires (a part of a week takes each simulated item with the
  probability of that part);
- a launch: the number of weeks until its open steps are done, in 85% of the futures
  (`CONFIDENCE`), as a date.

With fewer than `MIN_WEEKS` weeks of pace there is no forecast: a month of weeks is the
least that shows a spread. Weeks before the team finished anything on the board are no
pace (the board was not in use yet) and are not counted. The random generator is passed in
(`random.Random(seed)`), so a report seeded with its period gives the same numbers each
time it is made.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from service.reports.periods import Period, containing

PACE_WEEKS = 8
MIN_WEEKS = 4
TRIALS = 2_000
CONFIDENCE = 85  # percent of the simulated futures
# A launch not done within a year of simulated weeks gets no date: "not within a year".
HORIZON_WEEKS = 52


class Chance(BaseModel):
    """The chance to reach a target by the end of its period, or why there is none."""

    weeks: int  # weeks of pace it rests on
    chance: float | None = None  # 0..1
    why_not: str | None = None


class Finish(BaseModel):
    """When open steps are done with CONFIDENCE, or why there is no date."""

    weeks: int  # weeks of pace it rests on
    by: date | None = None
    why_not: str | None = None


def pace_weeks(first_finish: datetime | None, before: datetime) -> list[Period]:
    """The whole weeks the pace is measured on, oldest first: up to PACE_WEEKS weeks ending
    with the last week before `before`'s week, none before the week of `first_finish`."""
    if first_finish is None:
        return []
    current = containing("week", before)
    weeks = [
        containing("week", current.start - timedelta(weeks=n)) for n in range(1, 1 + PACE_WEEKS)
    ]
    first = containing("week", first_finish).start
    return sorted((w for w in weeks if w.start >= first), key=lambda w: w.start)


def weekly_counts(finished: Iterable[datetime], weeks: Sequence[Period]) -> tuple[int, ...]:
    """How many of the `finished` moments fall in each week."""
    moments = list(finished)
    return tuple(sum(1 for at in moments if week.contains(at)) for week in weeks)


def _too_little(weekly: Sequence[int]) -> str | None:
    if len(weekly) < MIN_WEEKS:
        return f"{len(weekly)} weeks of history; a forecast needs at least {MIN_WEEKS}"
    return None


def chance_to_reach(
    current: int, required: int, weekly: Sequence[int], days_left: float, rng: random.Random
) -> Chance:
    """The chance that `current` plus `days_left` days at the pace `weekly` reaches `required`."""
    weeks = len(weekly)
    if current >= required:
        return Chance(weeks=weeks, chance=1.0)
    if (why := _too_little(weekly)) is not None:
        return Chance(weeks=weeks, why_not=why)
    whole, part = divmod(max(days_left, 0.0), 7)
    part /= 7
    reached = 0
    for _ in range(TRIALS):
        total = current + sum(rng.choice(weekly) for _ in range(int(whole)))
        if part:
            total += sum(1 for _ in range(rng.choice(weekly)) if rng.random() < part)
        reached += total >= required
    return Chance(weeks=weeks, chance=reached / TRIALS)


def finish_by(open_steps: int, weekly: Sequence[int], start: date, rng: random.Random) -> Finish:
    """The date by which `open_steps` are done at the pace `weekly`, with CONFIDENCE."""
    weeks = len(weekly)
    if (why := _too_little(weekly)) is not None:
        return Finish(weeks=weeks, why_not=why)
    if open_steps <= 0:
        return Finish(weeks=weeks, by=start)
    if not any(weekly):
        return Finish(weeks=weeks, why_not=f"nothing was finished in the last {weeks} weeks")
    needed: list[int] = []
    for _ in range(TRIALS):
        left, spent = open_steps, 0
        while left > 0 and spent < HORIZON_WEEKS:
            left -= rng.choice(weekly)
            spent += 1
        needed.append(spent if left <= 0 else HORIZON_WEEKS + 1)
    needed.sort()
    # nearest rank: the fewest weeks that are enough in CONFIDENCE percent of the futures
    at = needed[-(-TRIALS * CONFIDENCE // 100) - 1]
    if at > HORIZON_WEEKS:
        return Finish(weeks=weeks, why_not="not within a year at this pace")
    return Finish(weeks=weeks, by=start + timedelta(weeks=at))
