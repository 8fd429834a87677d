"""`build_summary`: the numbers of a report, from the board and the history (pure).

GitHub keeps no Status history: time in status, cycle time and time to triage come from
what boardwatch recorded. Where that history is missing (before installation) the summary
says so (`None`, and `history_since`) rather than invent numbers.

One truth with the rules: an item's compliance, its staleness and its activity are what
`evaluate` says on the snapshot the pipeline would build (people's activity from the notes,
never GitHub's `updated_at` once a person's event was recorded); done is completed work,
never cancelled or duplicate. A weekly digest shows the board as it is; a monthly review
shows it as it stood at the end of the month, rebuilt from the recorded history.

Items are read in one pass over an iterable (a board can be streamed page by page), keeping
only the rows the sections list.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from service.domain.models import BoardField, BoardItem, Issue
from service.engine.body import line_value
from service.engine.conditions import close_reason
from service.engine.evaluate import evaluate
from service.engine.model import NOT_DONE_REASONS, TYPE_PREFIX, Ruleset
from service.engine.native import blocked_reason, has_type_label
from service.engine.snapshot import Snapshot
from service.reports.forecast import PACE_WEEKS
from service.reports.kpis import MetricsInput, MetricsReport, metrics_report, target_window
from service.reports.meeting import Meeting, build_meeting
from service.reports.periods import Period, containing
from service.reports.rows import UNASSIGNED, UNTYPED, Entry, Row, issue_row
from service.reports.targets import Target
from service.store.history import HistoryEntry
from service.store.notes import ACTIVITY, BLOCKED_REASON, Note, human_activity

DEADLINE_DAYS = 14
CHART_WEEKS = 8


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
    triaged_measured: int
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
    period_text: str  # the period in words, as the report's header says it
    # The report's title, once the digest names it (e.g. `Weekly digest · 2026-W47`).
    title: str | None = None
    generated_at: datetime
    # The moment the board lists (in progress, blocked, attention, ...) describe: now for a
    # weekly digest, the end of the month for a monthly review.
    as_of: datetime
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
    attention: list[Row]
    # People whose items need attention, and how many (the ones `--mention` notifies).
    attention_owners: dict[str, int]
    triage: list[Row]
    deadlines: list[Row]
    kpis: Kpis
    targets: list[TargetResult]
    status_counts: dict[str, int]
    done_per_week: dict[str, int]
    adherence: Adherence | None = None
    done_previous_period: int | None = None
    # Highlights, launches, the weeks ahead and forecasts (service/reports/meeting.py).
    meeting: Meeting = Field(default_factory=Meeting)
    metrics: MetricsReport | None = None  # the team's metrics (service/reports/kpis.py)


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by the nearest-rank method (q in 0..100); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
    return ordered[int(rank) - 1]


class _Timeline:
    """The recorded Status and state changes of one issue, oldest first."""

    def __init__(self, entries: Iterable[HistoryEntry]) -> None:
        ordered = sorted(entries, key=lambda e: e.changed_at)
        self.entries = ordered
        self.status = [e for e in ordered if e.kind == "status"]
        self.state = [e for e in ordered if e.kind == "state"]

    def until(self, moment: datetime) -> _Timeline:
        """The timeline as it was known at `moment`."""
        return _Timeline(e for e in self.entries if e.changed_at < moment)

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

    def status_at(self, moment: datetime, current: str | None) -> str | None:
        """The Status at `moment`: the last change before it, else what the first change
        after it replaced, else (never changed) the current one."""
        before = [e for e in self.status if e.changed_at < moment]
        if before:
            return before[-1].new_value
        return self.status[0].old_value if self.status else current

    def state_at(self, moment: datetime, issue: Issue) -> str:
        before = [e for e in self.state if e.changed_at < moment]
        if before and before[-1].new_value:
            return before[-1].new_value
        if self.state:
            return self.state[0].old_value or "open"
        if issue.closed_at is not None and issue.closed_at >= moment:
            return "open"
        return issue.state

    def people_last_active(self) -> datetime | None:
        """The last change a person made through GitHub (a webhook event names them)."""
        moments = [e.changed_at for e in self.entries if e.source == "webhook" and e.actor]
        return moments[-1] if moments else None


def _as_of(
    item: BoardItem, issue: Issue, timeline: _Timeline, moment: datetime, status_field: str
) -> tuple[BoardItem, Issue] | None:
    """The item and its issue as they stood at `moment` (None: the issue did not exist yet).

    Status and open/closed come from the history; other fields and labels keep their
    current values, which GitHub does not date.
    """
    if issue.created_at is not None and issue.created_at >= moment:
        return None
    raw = item.value(status_field)
    status = timeline.status_at(moment, str(raw) if raw is not None else None)
    fields = {k: v for k, v in item.fields.items() if not _same(k, status_field)}
    if status is not None:
        fields[status_field] = status
    state = timeline.state_at(moment, issue)
    closed_at = None
    if state == "closed":
        closes = [e.changed_at for e in timeline.state if e.changed_at < moment]
        closed_at = closes[-1] if closes else issue.closed_at
    closed = {
        "state": state,
        "closed_at": closed_at,
        "state_reason": issue.state_reason if state == "closed" else None,
    }
    return item.model_copy(update={"fields": fields}), issue.model_copy(update=closed)


def _activity(
    recorded: Mapping[str, str], issue: Issue, timeline: _Timeline, moment: datetime
) -> datetime | None:
    """People's last activity as the rules see it, at `moment`."""
    seen = human_activity(recorded, issue)
    if seen is None or seen <= moment:
        return seen
    # Someone acted after the moment reviewed, which hides what happened before it; the
    # Status changes people made are all that is dated.
    return timeline.until(moment).people_last_active()


def _row(snapshot: Snapshot, status: str | None, ruleset: Ruleset, **extra: object) -> Row:
    """The summary's lists also say who asked, the estimate and the target date."""
    due = snapshot.field(ruleset.board.target_field)
    return issue_row(
        snapshot.issue,
        status,
        author=snapshot.issue.author,
        estimate_hours=snapshot.estimate_hours(ruleset.board.estimate_field),
        target_date=due if isinstance(due, date) else None,
        **extra,
    )


# How far ahead the meeting's sections look (planned this week, the four-week gantt).
MEETING_WEEKS = 5


def _for_meeting(
    snapshot: Snapshot,
    finished: datetime | None,
    ruleset: Ruleset,
    recent: datetime,
    horizon: date,
    highlights: Mapping[tuple[str, int], Note],
) -> bool:
    """Whether a section of the meeting can show the item: recent finished work (the pace,
    highlights), launches, open work due before `horizon`, and highlighted items; the rest
    of a large board is not kept."""
    issue = snapshot.issue
    if finished is not None:
        return finished >= recent
    if (issue.repo, issue.number) in highlights or has_type_label(
        issue, ruleset.reports.highlight_label
    ):
        return True
    if issue.state != "open":
        return False
    if has_type_label(issue, TYPE_PREFIX + ruleset.reports.launch_type):
        return True
    due = snapshot.field(ruleset.board.target_field)
    return isinstance(due, date) and due <= horizon


def _target_windows(period: Period, targets: Sequence[Target]) -> list[tuple[Target, Period, int]]:
    """Each target with the window its done items are counted in and the number required
    (where a metric target would be checked, `kpis.target_window`, rounded up to whole items)."""
    found = []
    for target in targets:
        window, scale = target_window(target.per, period)
        found.append((target, window, math.ceil(target.at_least * scale)))
    return found


def build_summary(
    items: Iterable[BoardItem],
    history: Iterable[HistoryEntry],
    *,
    period: Period,
    now: datetime,
    ruleset: Ruleset,
    targets: Sequence[Target] = (),
    notes: Mapping[tuple[str, int], Mapping[str, str]] | None = None,
    board_url: str | None = None,
    history_missing: str | None = None,
    board_fields: tuple[BoardField, ...] = (),
    highlights: Mapping[tuple[str, int], Note] | None = None,
    metrics: MetricsInput | None = None,
) -> Summary:
    """`items` are read once, in one pass; `notes`: every issue's recorded notes (the
    pipeline's activity note and the notes rules read)."""
    notes = notes or {}
    names = ruleset.board
    grouped: dict[tuple[str, int], list[HistoryEntry]] = defaultdict(list)
    history_since: datetime | None = None
    for entry in history:
        grouped[(entry.repo, entry.number)].append(entry)
        if history_since is None or entry.changed_at < history_since:
            history_since = entry.changed_at
    as_of = min(now, period.end) if period.kind == "month" else now
    rebuilt = as_of < now
    stale_rules = {
        rule.name
        for rule in ruleset.rules
        if any(_same(label, ruleset.reports.stale_label) for label in rule.while_failing.add_labels)
    }
    descriptions = {rule.name: rule.description for rule in ruleset.rules}

    # The chart ends with the reviewed period, not with the (barely begun) current week.
    last_day = min(period.end, now) - timedelta(microseconds=1)
    weeks = [
        containing("week", last_day - timedelta(weeks=n)) for n in range(CHART_WEEKS - 1, -1, -1)
    ]
    windows = _target_windows(period, targets)
    target_done = [0] * len(windows)
    before = period.previous()
    previous = 0
    on_time: list[Row] = []
    late: list[Row] = []
    still_open: list[Row] = []
    done: list[Row] = []
    in_progress: list[Row] = []
    blocked: list[Row] = []
    stale: list[Row] = []
    attention: list[Row] = []
    triage: list[Row] = []
    deadlines: list[Row] = []
    status_counts: Counter[str] = Counter()
    done_per_week: Counter[str] = Counter()
    attention_owners: Counter[str] = Counter()
    cycle_times: list[float] = []
    triage_times: list[float] = []
    opened = closed = tracked = tracked_ok = 0
    wip: Counter[str] = Counter()
    # What the meeting's sections read: open items and recent finished ones (the pace of
    # the forecasts reaches PACE_WEEKS back), not the whole board.
    entries: list[Entry] = []
    first_finished: datetime | None = None
    recent = now - timedelta(weeks=PACE_WEEKS + 6)
    horizon = now.date() + timedelta(weeks=MEETING_WEEKS)
    # Items done since the earliest window a metric's field target can count them in.
    summed: list[tuple[BoardItem, datetime]] = []
    summed_since = min(period.start, containing("month", period.start).start)

    for item in items:
        issue = item.issue
        if issue is None or item.archived:
            continue
        key = (issue.repo, issue.number)
        # An issue on two boards has a Status history on each: this board's item's only.
        timeline = _Timeline(
            e for e in grouped.get(key, ()) if e.item_id is None or e.item_id == item.id
        )
        opened += period.contains(issue.created_at)
        closed += period.contains(issue.closed_at)
        if rebuilt:
            found = _as_of(item, issue, timeline, as_of, names.status_field)
            if found is None:
                continue
            item, issue = found
            timeline = timeline.until(as_of)
        raw = item.value(names.status_field)
        status = str(raw) if raw is not None else None
        status_counts[status or "No Status"] += 1
        recorded = notes.get(key, {})
        snapshot = Snapshot(
            issue=issue,
            item=item,
            now=as_of,
            last_human_activity=_activity(recorded, issue, timeline, as_of),
            status_since=timeline.since(),
            notes={k: v for k, v in recorded.items() if k != ACTIVITY},
            board_fields=board_fields,
        )

        # Cancelled or duplicate work is not done, whatever its Status says.
        finished_at = None
        if _same(status, names.done_status) and close_reason(issue) not in NOT_DONE_REASONS:
            entered = timeline.entered(names.done_status)
            finished_at = entered[-1] if entered else issue.closed_at
        if finished_at is not None and (first_finished is None or finished_at < first_finished):
            first_finished = finished_at
        if _for_meeting(snapshot, finished_at, ruleset, recent, horizon, highlights or {}):
            entries.append(Entry(item, issue, status, finished_at))
        if finished_at is not None and finished_at >= summed_since:
            summed.append((item, finished_at))
        if finished_at is not None:
            for week in weeks:
                done_per_week[week.label] += week.contains(finished_at)
            previous += before.contains(finished_at)
            for n, (target, window, _) in enumerate(windows):
                labelled = has_type_label(issue, target.label)
                if labelled and window.contains(finished_at) and finished_at < period.end:
                    target_done[n] += 1
        if finished_at is not None and period.contains(finished_at):
            done.append(_row(snapshot, status, ruleset, when=finished_at.date()))
            started = [t for t in timeline.entered(names.in_progress_status) if t <= finished_at]
            if started:
                cycle_times.append(_days(finished_at - started[0]))
        first_status = timeline.triaged_at()
        if first_status and issue.created_at and period.contains(first_status):
            triage_times.append(_days(first_status - issue.created_at))
        due = snapshot.field(names.target_field)
        if period.kind == "month" and isinstance(due, date) and period.contains(due):
            calendar_row = _row(snapshot, status, ruleset, when=due)
            if finished_at is None:
                still_open.append(calendar_row)
            elif finished_at.date() <= due:
                on_time.append(calendar_row)
            else:
                late.append(
                    calendar_row.model_copy(update={"days": (finished_at.date() - due).days})
                )
        if issue.state != "open":
            continue

        since = timeline.since()
        in_status = _days(as_of - since) if since else None
        if _same(status, names.in_progress_status):
            in_progress.append(_row(snapshot, status, ruleset, days=in_status))
            for person in issue.assignees or [UNASSIGNED]:
                wip[person] += 1
        elif _same(status, names.blocked_status):
            reason = blocked_reason(
                issue, recorded.get(BLOCKED_REASON), line_value(issue.body, "Blocked by")
            )
            blocked.append(_row(snapshot, status, ruleset, days=in_status, note=reason))
        elif status is None and issue.created_at is not None:
            triage.append(_row(snapshot, None, ruleset, days=_days(as_of - issue.created_at)))
        results = evaluate(ruleset, snapshot).results
        failing = [r.name for r in results if r.failing]
        if failing:
            attention.append(
                _row(
                    snapshot,
                    status,
                    ruleset,
                    rules=failing,
                    needs=[descriptions.get(name, name) for name in failing],
                )
            )
            for person in issue.assignees:
                attention_owners[person] += 1
        if stale_rules.intersection(failing):
            quiet = snapshot.last_activity()
            stale.append(
                _row(snapshot, status, ruleset, days=_days(as_of - quiet) if quiet else None)
            )
        tracked_rule = next((r for r in results if r.name == ruleset.reports.tracked_rule), None)
        if tracked_rule is not None and tracked_rule.status in ("holds", "failing"):
            tracked += 1
            tracked_ok += not failing
        if isinstance(due, date) and not _same(status, names.done_status):
            left = (due - as_of.date()).days
            if left <= DEADLINE_DAYS:
                deadlines.append(_row(snapshot, status, ruleset, days=left, when=due))

    done_by_person: Counter[str] = Counter()
    done_by_type: Counter[str] = Counter()
    for row in done:
        for person in row.assignees or [UNASSIGNED]:
            done_by_person[person] += 1
        done_by_type[row.type or UNTYPED] += 1
    target_results = [
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
        for (target, window, required), count in zip(windows, target_done, strict=True)
    ]
    adherence = None
    if period.kind == "month":
        adherence = Adherence(
            on_time=_by_due(on_time), late=_by_due(late), open=_by_due(still_open)
        )
    median = statistics.median(cycle_times) if cycle_times else None
    return Summary(
        kind=period.kind,
        period=period.label,
        period_start=period.start.date(),
        period_end=(period.end - timedelta(days=1)).date(),
        period_text=period.describe(),
        generated_at=now,
        as_of=as_of,
        board_url=board_url,
        history_since=history_since,
        history_missing=history_missing,
        done=sorted(done, key=lambda r: (r.when or date.min, r.number)),
        done_by_person=dict(done_by_person.most_common()),
        done_by_type=dict(done_by_type.most_common()),
        in_progress=sorted(in_progress, key=lambda r: (-(r.days or 0), r.number)),
        blocked=sorted(blocked, key=lambda r: (-(r.days or 0), r.number)),
        stale=sorted(stale, key=lambda r: (-(r.days or 0), r.number)),
        attention=sorted(attention, key=lambda r: r.number),
        attention_owners=dict(sorted(attention_owners.items())),
        triage=sorted(triage, key=lambda r: (-(r.days or 0), r.number)),
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
            triaged_measured=len(triage_times),
            tracked_tasks=tracked,
            tracked_in_order=tracked_ok,
            tracked_in_order_share=round(tracked_ok / tracked, 2) if tracked else None,
            wip_by_person=dict(sorted(wip.items())),
        ),
        targets=target_results,
        status_counts=dict(status_counts.most_common()),
        done_per_week={week.label: done_per_week.get(week.label, 0) for week in weeks},
        adherence=adherence,
        done_previous_period=previous if period.kind == "month" else None,
        meeting=build_meeting(
            entries,
            first_finished=first_finished,
            period=period,
            now=now,
            names=names,
            reports=ruleset.reports,
            targets=targets,
            highlights=highlights,
        ),
        metrics=(
            metrics_report(metrics, period=period, done=summed)
            if metrics is not None and (metrics.metrics or metrics.targets or metrics.problems)
            else None
        ),
    )


def _by_due(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.when or date.min, r.number))


def _same(name: str | None, wanted: str) -> bool:
    """Status options and labels match case-insensitively, as GitHub matches them."""
    return name is not None and name.casefold() == wanted.casefold()
