"""Report periods, titles and percentiles, by table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.reports.periods import period_of, reported, title
from service.reports.summary import percentile


@pytest.mark.parametrize(
    ("kind", "at", "tz", "label", "expected_title"),
    [
        ("week", "2026-11-23T08:00:00+00:00", "UTC", "2026-W47", "Weekly digest · 2026-W47"),
        # Sunday 23:30 UTC is already Monday in Berlin
        (
            "week",
            "2026-11-22T23:30:00+00:00",
            "Europe/Berlin",
            "2026-W47",
            "Weekly digest · 2026-W47",
        ),
        ("week", "2026-11-22T23:30:00+00:00", "UTC", "2026-W46", "Weekly digest · 2026-W46"),
        ("week", "2027-01-04T08:00:00+00:00", "UTC", "2026-W53", "Weekly digest · 2026-W53"),
        ("month", "2026-12-03T08:00:00+00:00", "UTC", "2026-11", "Monthly review · 2026-11"),
        ("month", "2027-01-07T08:00:00+00:00", "UTC", "2026-12", "Monthly review · 2026-12"),
    ],
)
def test_periods_and_titles(kind, at, tz, label, expected_title) -> None:
    moment = datetime.fromisoformat(at)
    assert reported(kind, moment, tz).label == label
    assert title(kind, moment, tz) == expected_title
    # `/digest` in the issue rebuilds the report of the period its title names
    assert period_of(expected_title, tz) == reported(kind, moment, tz)


@pytest.mark.parametrize(
    "text",
    [
        "Weekly digest · 2026-W54",
        "Weekly digest · 2026-W1",
        "Monthly review · 2026-13",
        "Monthly review · 2026-1",
        "Weekly digest · ",
        "Monthly digest · 2026-11",
        "Something else",
    ],
)
def test_other_titles_name_no_period(text: str) -> None:
    assert period_of(text, "UTC") is None


def test_a_reported_week_runs_monday_to_monday() -> None:
    week = reported("week", datetime(2026, 11, 23, 8, tzinfo=UTC), "UTC")
    assert (week.start.isoformat(), week.end.isoformat()) == (
        "2026-11-16T00:00:00+00:00",
        "2026-11-23T00:00:00+00:00",
    )
    assert week.describe() == "2026-W47 (Nov 16 – Nov 22)"


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([4.0], 90, 4.0),
        ([6.0, 1.0, 10.0], 50, 6.0),
        ([6.0, 1.0, 10.0], 90, 10.0),
        ([float(n) for n in range(1, 11)], 90, 9.0),
        ([float(n) for n in range(1, 21)], 90, 18.0),
    ],
)
def test_percentile_nearest_rank(values, q, expected) -> None:
    assert percentile(values, q) == expected
