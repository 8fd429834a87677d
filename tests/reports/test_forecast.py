"""Monte Carlo forecasts from the team's weekly pace, with fixed seeds (pure)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from service.reports.forecast import (
    chance_to_reach,
    finish_by,
    pace_weeks,
    weekly_counts,
)

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "required", "weekly", "days_left", "chance", "why_not"),
    [
        # already reached: no simulation needed, whatever the history
        (4, 4, [], 3, 1.0, None),
        # too little history: no forecast, and the reason says how much there is
        (0, 4, [2, 2, 2], 14, None, "3 weeks of history; a forecast needs at least 4"),
        # a steady pace decides it: 2 weeks x 2 reach 4, not 5
        (0, 4, [2, 2, 2, 2], 14, 1.0, None),
        (0, 5, [2, 2, 2, 2], 14, 0.0, None),
        # no time left: what is done is all there is
        (1, 4, [9, 9, 9, 9], 0, 0.0, None),
        # two weeks of 0,1,2,3,1 need 2 more: P(sum < 2) = 1/25 + 4/25, so about 0.8
        (2, 4, [0, 1, 2, 3, 1], 14, 0.8095, None),
        # a full week of 0 or 4: one half of the futures reach 4
        (0, 4, [0, 4, 0, 4], 7, 0.4905, None),
        # half a week of 7: each item lands with p=1/2, at least 4 of 7 in half the futures
        (0, 4, [7, 7, 7, 7], 3.5, 0.494, None),
    ],
)
def test_chance_to_reach_a_target(current, required, weekly, days_left, chance, why_not) -> None:
    result = chance_to_reach(current, required, weekly, days_left, random.Random(1))
    assert (result.chance, result.why_not, result.weeks) == (chance, why_not, len(weekly))


@pytest.mark.parametrize(
    ("open_steps", "weekly", "by", "why_not"),
    [
        (6, [2, 2, 2, 2], date(2026, 12, 14), None),  # 3 weeks exactly
        (0, [0, 0, 0, 0], MONDAY, None),  # nothing left: done now
        (5, [1, 1, 1], None, "3 weeks of history; a forecast needs at least 4"),
        (5, [0, 0, 0, 0, 0], None, "nothing was finished in the last 5 weeks"),
        (60, [1, 0, 0, 0], None, "not within a year at this pace"),
        # mean 1.5 a week: about 7 weeks on average, 9 weeks in 85% of the futures
        (10, [0, 1, 2, 3, 1, 2], date(2027, 1, 25), None),
    ],
)
def test_finish_date_with_85_percent_confidence(open_steps, weekly, by, why_not) -> None:
    result = finish_by(open_steps, weekly, MONDAY, random.Random(1))
    assert (result.by, result.why_not, result.weeks) == (by, why_not, len(weekly))


def test_the_same_seed_gives_the_same_forecast() -> None:
    weekly = [0, 3, 1, 0, 5, 2]
    runs = {finish_by(17, weekly, MONDAY, random.Random("week:2026-W47")).by for _ in range(3)}
    assert len(runs) == 1


@pytest.mark.parametrize(
    ("first_finish", "weeks"),
    [
        (None, []),  # nothing ever finished: no pace at all
        (datetime(2026, 11, 22, 23, tzinfo=UTC), ["2026-W47"]),
        (datetime(2026, 11, 23, 7, tzinfo=UTC), []),  # this week is not whole yet
        (datetime(2026, 11, 4, tzinfo=UTC), ["2026-W45", "2026-W46", "2026-W47"]),
        # at most the last 8 weeks
        (datetime(2025, 1, 1, tzinfo=UTC), [f"2026-W{w}" for w in range(40, 48)]),
    ],
)
def test_pace_weeks_start_when_the_team_first_finished_something(first_finish, weeks) -> None:
    assert [w.label for w in pace_weeks(first_finish, NOW)] == weeks


def test_weekly_counts() -> None:
    weeks = pace_weeks(datetime(2026, 11, 2, tzinfo=UTC), NOW)
    finished = [
        datetime(2026, 11, 2, 0, tzinfo=UTC),  # first moment of W45
        datetime(2026, 11, 15, 23, 59, tzinfo=UTC),  # last minute of W46
        datetime(2026, 11, 16, tzinfo=UTC),
        datetime(2026, 11, 23, 7, tzinfo=UTC),  # this week: not in the pace
    ]
    assert weekly_counts(finished, weeks) == (1, 1, 1)
