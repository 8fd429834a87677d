"""Scheduled jobs in `serve`: the sweep and the digests, cron-timed, once per period.

Every replica runs the same schedule; the store's `report_posts` table lets exactly one
replica claim each firing, so a weekly digest is posted once however many replicas run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import croniter

from service.boards import BoardConfig, configured_boards
from service.reconcile import sweep
from service.recover import recover
from service.reports.digest import scheduled_digest
from service.services import Services
from service.store import report_posts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    cron: str
    run: Callable[[datetime], object]  # given the scheduled time of this firing
    timezone: str | None = None  # the cron's time zone (a board's); None: BOARDWATCH_TIMEZONE


def next_firing(job: ScheduledJob, after: datetime, tz: ZoneInfo) -> datetime:
    """The next time `job` fires after `after`, in UTC (cron read in `tz`).

    Day-of-month and day-of-week must both match (`day_or=False`), so `0 8 1-7 * 4` is the
    first Thursday of the month, not "days 1-7 or any Thursday" as classic cron reads it.
    """
    start = after.astimezone(tz)
    return croniter(job.cron, start, day_or=False).get_next(datetime).astimezone(UTC)


Fired = Literal["ran", "skipped", "failed"]
MAX_TRIES = 3  # a failing firing is tried this often, RETRY_AFTER apart
RETRY_AFTER = timedelta(minutes=10)


# How often `serve` looks for boards learned since it started (a push naming a new board).
REFRESH_JOBS = timedelta(minutes=5)


class Scheduler:
    def __init__(
        self,
        services: Services,
        jobs: list[ScheduledJob],
        owner: str,
        *,
        refresh: Callable[[], list[ScheduledJob]] | None = None,
    ) -> None:
        self.services = services
        self.jobs = jobs
        self.owner = owner
        self.tz = ZoneInfo(services.settings.timezone)
        # Builds the jobs again from the boards as the store now knows them.
        self.refresh = refresh
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def zone(self, job: ScheduledJob) -> ZoneInfo:
        return ZoneInfo(job.timezone) if job.timezone else self.tz

    def fire(self, job: ScheduledJob, at: datetime) -> Fired:
        """Run `job` for its firing at `at` unless another replica claimed it."""
        period = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        with self.services.store.engine.begin() as conn:
            if not report_posts.claim(conn, job.name, period, self.owner):
                return "skipped"
        try:
            job.run(at)
        except Exception:
            log.exception("scheduled job %s failed; it is tried again later", job.name)
            # Give the claim back, so this firing can be tried again (here or elsewhere).
            with self.services.store.engine.begin() as conn:
                report_posts.release(conn, job.name, period)
            return "failed"
        with self.services.store.engine.begin() as conn:
            report_posts.finish(conn, job.name, period, None)
        return "ran"

    def _loop(self) -> None:
        now = datetime.now(UTC)
        # name -> (the firing being served, when to try it, failed tries so far)
        due = {job.name: (t := next_firing(job, now, self.zone(job)), t, 0) for job in self.jobs}
        refreshed = now
        while not self._stop.is_set():
            if self.refresh is not None and datetime.now(UTC) - refreshed >= REFRESH_JOBS:
                refreshed = datetime.now(UTC)
                self.jobs = self.refresh()
                for job in self.jobs:
                    if job.name not in due:
                        first = next_firing(job, refreshed, self.zone(job))
                        due[job.name] = (first, first, 0)
            if not self.jobs:
                if self._stop.wait(60):
                    return
                continue
            job = min(self.jobs, key=lambda j: due[j.name][1])
            at, when, failures = due[job.name]
            wait = (when - datetime.now(UTC)).total_seconds()
            if wait > 0 and self._stop.wait(min(wait, 60)):
                return
            if datetime.now(UTC) < when:
                continue
            if self.fire(job, at) == "failed" and failures + 1 < MAX_TRIES:
                due[job.name] = (at, datetime.now(UTC) + RETRY_AFTER, failures + 1)
            else:
                following = next_firing(job, at, self.zone(job))
                due[job.name] = (following, following, 0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


def board_jobs(services: Services, board: BoardConfig) -> list[ScheduledJob]:
    """A board's sweep, and its digests when it has a tracker, in the board's time zone.

    The settings' board keeps the plain names (`weekly`, ...); another board's names carry a
    short hash of ORG/NUMBER, so each board's firings are claimed apart and fit the store.
    """
    default = services.settings.project
    is_default = default is not None and default.casefold() == board.project.casefold()
    suffix = "" if is_default else ":" + hashlib.sha256(board.job_suffix.encode()).hexdigest()[:10]
    tz = board.timezone
    jobs = [
        ScheduledJob(
            "reconcile" + suffix,
            board.reconcile_schedule,
            lambda at: sweep(services, board=board),
            tz,
        )
    ]
    if board.tracker is not None:
        jobs.append(
            ScheduledJob(
                "weekly" + suffix,
                board.digest_schedule,
                lambda at: scheduled_digest(services, "week", at, board),
                tz,
            )
        )
        jobs.append(
            ScheduledJob(
                "monthly" + suffix,
                board.monthly_schedule,
                lambda at: scheduled_digest(services, "month", at, board),
                tz,
            )
        )
    return jobs


def all_jobs(services: Services) -> list[ScheduledJob]:
    """Every configured board's jobs, and webhook recovery with a GitHub App."""
    settings = services.settings
    jobs = [job for board in configured_boards(services) for job in board_jobs(services, board)]
    if settings.uses_app:
        jobs.append(ScheduledJob("recover", settings.recover_schedule, partial(_recover, services)))
    return jobs


def build_scheduler(services: Services) -> Scheduler:
    """Every board's sweep and digests (boards learned later join within REFRESH_JOBS)."""
    return Scheduler(
        services,
        all_jobs(services),
        owner=f"{socket.gethostname()}:{os.getpid()}",
        refresh=partial(all_jobs, services),
    )


RECOVER_WINDOW = timedelta(hours=2)


def _recover(services: Services, at: datetime) -> None:
    app = services.gateways.app()
    if app is not None:
        recover(app, services.store.deliveries, at - RECOVER_WINDOW)
