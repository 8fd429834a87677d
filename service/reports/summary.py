"""`build_summary`: the numbers of a report, from the board and the history (pure).

GitHub keeps no Status history: time in status, cycle time and time to triage come from
what boardwatch recorded. Where that history is missing (before installation) the summary
says so (`None`, and `history_since`) rather than invent numbers.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from service.domain.models import BoardItem, Issue
from service.engine.body import line_value
from service.engine.conditions import close_reason
from service.engine.evaluate import evaluate
from service.engine.model import NOT_DONE_REASONS, Ruleset
from service.engine.native import blocked_reason, has_type_label, work_type
from service.engine.snapshot import Snapshot
from service.reports.periods import Period, containing
from service.reports.targets import Target
from service.store.history import HistoryEntry
from service.store.notes import BLOCKED_REASON

UNASSIGNED = "(unassigned)"
UNTYPED = "(no type)"
DEADLINE_DAYS = 14
CHART_WEEKS = 8


class Row(BaseModel):
    """One issue in a list of the report."""

    repo: str
    number: int
    title: str
    url: str | None = None
    assignees: list[str] = Field(default_factory=list)
    type: str | None = None
    status: str | None = None
    days: float | None = None  # age, time in status, or days to the deadline (negative: late)
    when: date | None = None  # done date or target date
    note: str | None = None  # blocked reason, failing rules, ...


class TargetResult(BaseModel):
    name: str
    label: str
    per: str
    at_least: int
    required: int  # at_least, scaled to the period when it is longer than `per`
    done: int
    met: bool
    window: str


class Kpis(BaseModel):
    opened: int
    closed: int
    cycle_time_median_days: float | None
    cycle_time_p90_days: float | None
    cycle_times_measured: int
    time_to_triage_median_days: float | None
    tracked_tasks: int
    tracked_in_order: int
    tracked_in_order_share: float | None
    wip_by_person: dict[str, int]


class Adherence(BaseModel):
    """Content calendar: items whose Target date falls in the month."""

    on_time: list[Row]
    late: list[Row]
    open: list[Row]


class Summary(BaseModel):
    kind: str
    period: str
    period_start: date
    period_end: date  # inclusive
    generated_at: datetime
    board_url: str | None = None
    history_since: datetime | None = None
    # Why the report has no status history at all (time in status, cycle times are missing).
    history_missing: str | None = None
    done: list[Row]
    done_by_person: dict[str, int]
    done_by_type: dict[str, int]
    in_progress: list[Row]
    blocked: list[Row]
    stale: list[Row]
    violations: list[Row]
    triage: list[Row]
    deadlines: list[Row]
    kpis: Kpis
    targets: list[TargetResult]
    status_counts: dict[str, int]
    done_per_week: dict[str, int]
    adherence: Adherence | None = None
    done_previous_period: int | None = None


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by the nearest-rank method (q in 0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
    return ordered[int(rank) - 1]


def _row(item: BoardItem, issue: Issue, status: str | None, **extra: object) -> Row:
    return Row(
        repo=issue.repo,
        number=issue.number,
        title=issue.title,
        url=issue.url,
        assignees=list(issue.assignees),
        type=work_type(issue),
        status=status,
        **extra,  # type: ignore[arg-type]
    )


class _Timeline:
    """The recorded Status changes of one issue, oldest first."""

    def __init__(self, entries: Iterable[HistoryEntry]) -> None:
        self.status = [e for e in entries if e.kind == "status"]
        self.state = [e for e in entries if e.kind == "state"]

    def entered(self, status: str) -> list[datetime]:
        return [e.changed_at for e in self.status if _same(e.new_value, status)]

    def since(self) -> datetime | None:
        return self.status[-1].changed_at if self.status else None

    def triaged_at(self) -> datetime | None:
        """When the issue first got a Status; None unless history saw it leave "no Status"."""
        first = self.status[0] if self.status else None
        if first is None or first.old_value is not None or not first.new_value:
            return None
        return first.changed_at


def build_summary(
    items: Sequence[BoardItem],
    history: Sequence[HistoryEntry],
    *,
    period: Period,
    now: datetime,
    ruleset: Ruleset,
    targets: Sequence[Target] = (),
    notes: dict[tuple[str, int], dict[str, str]] | None = None,
    board_url: str | None = None,
    history_missing: str | None = None,
) -> Summary:
    notes = notes or {}
    names = ruleset.board
    status_field, target_field = names.status_field, names.target_field
    timelines: dict[tuple[str, int], _Timeline] = defaultdict(lambda: _Timeline(()))
    grouped: dict[tuple[str, int], list[HistoryEntry]] = defaultdict(list)
    for entry in history:
        grouped[(entry.repo, entry.number)].append(entry)
    for key, entries in grouped.items():
        timelines[key] = _Timeline(entries)
    history_since = min((e.changed_at for e in history), default=None)

    def status_of(item: BoardItem) -> str | None:
        value = item.value(status_field)
        return str(value) if value is not None else None

    def done_at(item: BoardItem, issue: Issue) -> datetime | None:
        # Cancelled or duplicate work is not done, whatever its Status says.
        if not _same(status_of(item), names.done_status) or close_reason(issue) in NOT_DONE_REASONS:
            return None
        entered = timelines[(issue.repo, issue.number)].entered(names.done_status)
        return entered[-1] if entered else issue.closed_at

    live = [(i, i.issue) for i in items if i.issue is not None and not i.archived]
    done, in_progress, blocked, stale, violations, triage, deadlines = [], [], [], [], [], [], []
    status_counts: Counter[str] = Counter()
    done_per_week: Counter[str] = Counter()
    # The chart ends with the reviewed period, not with the (barely begun) current week.
    last_day = min(period.end, now) - timedelta(microseconds=1)
    weeks = [
        containing("week", last_day - timedelta(weeks=n)) for n in range(CHART_WEEKS - 1, -1, -1)
    ]
    cycle_times: list[float] = []
    triage_times: list[float] = []
    tracked = tracked_ok = 0
    wip: Counter[str] = Counter()
    finished: list[tuple[BoardItem, Issue, datetime]] = []

    for item, issue in live:
        assert issue is not None
        key = (issue.repo, issue.number)
        timeline = timelines[key]
        status = status_of(item)
        status_counts[status or "No Status"] += 1
        finished_at = done_at(item, issue)
        if finished_at is not None:
            finished.append((item, issue, finished_at))
            for week in weeks:
                if week.contains(finished_at):
                    done_per_week[week.label] += 1
        if finished_at is not None and period.contains(finished_at):
            done.append(_row(item, issue, status, when=finished_at.date()))
            started = [t for t in timeline.entered(names.in_progress_status) if t <= finished_at]
            if started:
                cycle_times.append(_days(finished_at - started[0]))
        if issue.state == "open":
            since = timeline.since()
            in_status = _days(now - since) if since else None
            if _same(status, names.in_progress_status):
                in_progress.append(_row(item, issue, status, days=in_status))
                for person in issue.assignees or [UNASSIGNED]:
                    wip[person] += 1
            elif _same(status, names.blocked_status):
                reason = blocked_reason(
                    issue,
                    notes.get(key, {}).get(BLOCKED_REASON),
                    line_value(issue.body, "Blocked by"),
                )
                blocked.append(_row(item, issue, status, days=in_status, note=reason))
            elif status is None and issue.created_at is not None:
                triage.append(_row(item, issue, None, days=_days(now - issue.created_at)))
            if any(_same(label, ruleset.reports.stale_label) for label in issue.labels):
                stale.append(_row(item, issue, status, days=in_status))
            results = evaluate(
                ruleset,
                Snapshot(
                    issue=issue,
                    item=item,
                    now=now,
                    status_since=since,
                    notes=notes.get(key, {}),
                    last_human_activity=issue.updated_at,
                ),
            ).results
            failing = [r.name for r in results if r.failing]
            if failing:
                violations.append(_row(item, issue, status, note=", ".join(failing)))
            tracked_rule = next(
                (r for r in results if r.name == ruleset.reports.tracked_rule), None
            )
            if tracked_rule is not None and tracked_rule.status in ("holds", "failing"):
                tracked += 1
                tracked_ok += not failing
            due = item.value(target_field)
            if isinstance(due, date) and not _same(status, names.done_status):
                left = (due - now.date()).days
                if left <= DEADLINE_DAYS:
                    deadlines.append(_row(item, issue, status, days=left, when=due))
        first_status = timeline.triaged_at()
        if first_status and issue.created_at and period.contains(first_status):
            triage_times.append(_days(first_status - issue.created_at))

    opened = sum(1 for _, i in live if i is not None and period.contains(i.created_at))
    closed = sum(1 for _, i in live if i is not None and period.contains(i.closed_at))
    done_by_person: Counter[str] = Counter()
    done_by_type: Counter[str] = Counter()
    for row in done:
        for person in row.assignees or [UNASSIGNED]:
            done_by_person[person] += 1
        done_by_type[row.type or UNTYPED] += 1

    target_results = []
    last_moment = period.end - timedelta(microseconds=1)
    for target in targets:
        required = target.at_least
        if target.per == period.kind or (target.per == "week" and period.kind == "month"):
            # a weekly target in a monthly review: the same pace over the month's days
            window = period
            days = (period.end - period.start).days
            if target.per != period.kind:
                required = -(-target.at_least * days // 7)
        else:
            # a monthly target in a weekly digest: the month so far
            window = containing(target.per, last_moment)
        count = sum(
            1
            for _, issue, at in finished
            if window.contains(at) and at < period.end and has_type_label(issue, target.label)
        )
        target_results.append(
            TargetResult(
                name=target.name,
                label=target.label,
                per=target.per,
                at_least=target.at_least,
                required=required,
                done=count,
                met=count >= required,
                window=window.label,
            )
        )

    adherence = previous = None
    if period.kind == "month":
        on_time, late, still_open = [], [], []
        for item, issue in live:
            assert issue is not None
            due = item.value(target_field)
            if not isinstance(due, date) or not period.contains(due):
                continue
            finished_at = done_at(item, issue)
            row = _row(item, issue, status_of(item), when=due)
            if finished_at is None:
                still_open.append(row)
            elif finished_at.date() <= due:
                on_time.append(row)
            else:
                late.append(row.model_copy(update={"days": (finished_at.date() - due).days}))
        adherence = Adherence(
            on_time=_by_due(on_time), late=_by_due(late), open=_by_due(still_open)
        )
        before = period.previous()
        previous = sum(1 for _, _, at in finished if before.contains(at))

    median = statistics.median(cycle_times) if cycle_times else None
    return Summary(
        kind=period.kind,
        period=period.label,
        period_start=period.start.date(),
        period_end=(period.end - timedelta(days=1)).date(),
        generated_at=now,
        board_url=board_url,
        history_since=history_since,
        history_missing=history_missing,
        done=sorted(done, key=lambda r: (r.when or date.min, r.number)),
        done_by_person=dict(done_by_person.most_common()),
        done_by_type=dict(done_by_type.most_common()),
        in_progress=sorted(in_progress, key=lambda r: -(r.days or 0)),
        blocked=sorted(blocked, key=lambda r: -(r.days or 0)),
        stale=stale,
        violations=violations,
        triage=sorted(triage, key=lambda r: -(r.days or 0)),
        deadlines=sorted(deadlines, key=lambda r: (r.days, r.number)),
        kpis=Kpis(
            opened=opened,
            closed=closed,
            cycle_time_median_days=round(median, 1) if median is not None else None,
            cycle_time_p90_days=percentile(cycle_times, 90),
            cycle_times_measured=len(cycle_times),
            time_to_triage_median_days=(
                round(statistics.median(triage_times), 1) if triage_times else None
            ),
            tracked_tasks=tracked,
            tracked_in_order=tracked_ok,
            tracked_in_order_share=round(tracked_ok / tracked, 2) if tracked else None,
            wip_by_person=dict(sorted(wip.items())),
        ),
        targets=target_results,
        status_counts=dict(status_counts.most_common()),
        done_per_week={week.label: done_per_week.get(week.label, 0) for week in weeks},
        adherence=adherence,
        done_previous_period=previous,
    )


def _by_due(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.when or date.min, r.number))


def _same(name: str | None, wanted: str) -> bool:
    """Status options and labels match case-insensitively, as GitHub matches them."""
    return name is not None and name.casefold() == wanted.casefold()
