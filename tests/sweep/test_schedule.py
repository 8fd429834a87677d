"""Schedules: cron read in a time zone, and each firing run by exactly one replica."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.schedule import ScheduledJob, Scheduler, next_firing
from service.store import Store
from tests.support.apps import make_services, make_settings


@pytest.mark.parametrize(
    ("cron", "tz", "after", "expected"),
    [
        # hourly sweep
        ("0 * * * *", "UTC", "2026-11-22T23:10:00+00:00", "2026-11-23T00:00:00+00:00"),
        # weekly digest, Monday 08:00 in Berlin (UTC+1 in November)
        ("0 8 * * 1", "Europe/Berlin", "2026-11-22T12:00:00+00:00", "2026-11-23T07:00:00+00:00"),
        # monthly review: the first Thursday, not "days 1-7 or any Thursday"
        ("0 8 1-7 * 4", "UTC", "2026-11-06T09:00:00+00:00", "2026-12-03T08:00:00+00:00"),
        ("0 8 1-7 * 4", "UTC", "2026-11-26T00:00:00+00:00", "2026-12-03T08:00:00+00:00"),
        ("0 8 1-7 * 4", "UTC", "2026-12-31T00:00:00+00:00", "2027-01-07T08:00:00+00:00"),
        # daylight saving: New York 08:00 is 13:00 UTC in winter, 12:00 UTC in summer
        ("0 8 * * 1", "America/New_York", "2026-11-22T00:00:00+00:00", "2026-11-23T13:00:00+00:00"),
        ("0 8 * * 1", "America/New_York", "2026-06-01T13:00:00+00:00", "2026-06-08T12:00:00+00:00"),
    ],
)
def test_next_firing(cron: str, tz: str, after: str, expected: str) -> None:
    job = ScheduledJob("job", cron, lambda at: None)
    found = next_firing(job, datetime.fromisoformat(after), ZoneInfo(tz))
    assert found == datetime.fromisoformat(expected)
    assert found.tzinfo == UTC


def test_each_firing_runs_on_one_replica_only(store: Store) -> None:
    settings = make_settings()
    services = make_services(settings, store)
    ran: list[str] = []
    job = ScheduledJob("weekly", "0 8 * * 1", lambda at: ran.append(at.isoformat()))
    replicas = [Scheduler(services, [job], owner=f"replica-{i}") for i in range(3)]
    at = datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert [r.fire(job, at) for r in replicas] == ["ran", "skipped", "skipped"]
    assert ran == ["2026-11-23T08:00:00+00:00"]
    later = datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert replicas[2].fire(job, later) == "ran"
    assert len(ran) == 2


def test_a_failing_job_is_logged_and_the_scheduler_goes_on(store: Store, caplog) -> None:
    services = make_services(make_settings(), store)

    def boom(at: datetime) -> None:
        raise RuntimeError("GitHub is down")

    job = ScheduledJob("reconcile", "0 * * * *", boom)
    at = datetime(2026, 11, 23, tzinfo=UTC)
    assert Scheduler(services, [job], owner="r").fire(job, at) == "failed"
    assert "scheduled job reconcile failed" in caplog.text
    # The claim was given back: the same firing can be tried again, by any replica.
    retried = ScheduledJob("reconcile", "0 * * * *", lambda moment: None)
    assert Scheduler(services, [retried], owner="other").fire(retried, at) == "ran"
