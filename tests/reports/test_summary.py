"""`build_summary` on hand-built boards: every number checked against a hand-computed table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from service.domain.models import BoardItem, Issue
from service.engine.holder import RulesetHolder
from service.reports.periods import Period, containing
from service.reports.render import render_markdown
from service.reports.summary import Summary, build_summary
from service.reports.targets import Target
from service.store.history import HistoryEntry

RULESET = RulesetHolder.load("rules").ruleset
REPO = "acme/tracker"
NOV = containing("month", datetime(2026, 11, 10, tzinfo=UTC))  # 30 days
W47 = containing("week", datetime(2026, 11, 18, tzinfo=UTC))  # Nov 16 - Nov 22
NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)


def at(day: int, month: int = 11, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def item(number: int, status: str | None, *, labels=(), target: date | None = None) -> BoardItem:
    fields: dict = {"Status": status} if status else {}
    if target is not None:
        fields["Target date"] = target
    issue = Issue(
        repo=REPO,
        number=number,
        title=f"Item {number}",
        labels=tuple(labels),
        assignees=("alice",),
        created_at=at(1),
        url=f"https://github.example/{REPO}/issues/{number}",
    )
    return BoardItem(id=f"PVTI_{number}", issue=issue, fields=fields)


def move(number: int, old: str | None, new: str | None, when: datetime) -> HistoryEntry:
    return HistoryEntry(
        repo=REPO,
        number=number,
        kind="status",
        old_value=old,
        new_value=new,
        changed_at=when,
        source="webhook",
    )


def summarise(items, history, period: Period, targets=()) -> Summary:
    return build_summary(items, history, period=period, now=NOW, ruleset=RULESET, targets=targets)


def done_on(number: int, day: int, month: int = 11, started: int | None = None) -> list:
    moves = []
    if started is not None:
        moves.append(move(number, None, "In Progress", at(started, month)))
    moves.append(move(number, "In Progress", "Done", at(day, month)))
    return moves


# (in-progress day, done day) -> cycle times in days; median and nearest-rank p90 by hand
@pytest.mark.parametrize(
    ("spans", "median", "p90"),
    [
        ([], None, None),
        ([(2, 5)], 3.0, 3.0),
        ([(2, 5), (1, 9)], 5.5, 8.0),  # 3 and 8
        (
            [(1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 10), (1, 21)],
            5.5,
            9.0,
        ),  # 1..9 and 20: median (5+6)/2, p90 = 9th of 10
    ],
)
def test_cycle_time_from_in_progress_to_done(spans, median, p90) -> None:
    items = [item(n, "Done") for n in range(len(spans))]
    history = [e for n, (s, d) in enumerate(spans) for e in done_on(n, d, started=s)]
    kpis = summarise(items, history, NOV).kpis
    assert (kpis.cycle_time_median_days, kpis.cycle_time_p90_days) == (median, p90)
    assert kpis.cycle_times_measured == len(spans)


def test_done_without_a_recorded_start_has_no_cycle_time() -> None:
    s = summarise([item(1, "Done")], done_on(1, 5), NOV)
    assert len(s.done) == 1 and s.kpis.cycle_time_median_days is None


# targets: (per, at_least, period) -> required, counted done, met
@pytest.mark.parametrize(
    ("per", "at_least", "period", "required", "done", "met", "window"),
    [
        ("month", 4, NOV, 4, 5, True, "2026-11"),
        ("month", 6, NOV, 6, 5, False, "2026-11"),
        # a weekly target in a monthly review: 2 a week over 30 days -> ceil(60 / 7) = 9
        ("week", 2, NOV, 9, 5, False, "2026-11"),
        ("week", 1, NOV, 5, 5, True, "2026-11"),
        # exactly 29 over a leap February: 7 * (29 / 7) in floating point is 29.000000000000004
        ("week", 7, containing("month", datetime(2028, 2, 9, tzinfo=UTC)), 29, 0, False, "2028-02"),
        ("week", 2, W47, 2, 2, True, "2026-W47"),
        # a monthly target in a weekly digest: November up to the end of W47 (Nov 3, 10, 17, 18)
        ("month", 4, W47, 4, 4, True, "2026-11"),
    ],
)
def test_targets(per, at_least, period, required, done, met, window) -> None:
    days = [3, 10, 17, 18, 25]  # five blog posts done in November
    items = [item(n, "Done", labels=["type: blog"]) for n in range(len(days))]
    items.append(item(9, "Done", labels=["type: email"]))
    history = [e for n, d in enumerate(days) for e in done_on(n, d)] + done_on(9, 17)
    target = Target(name="Blog", label="type: blog", at_least=at_least, per=per)
    (result,) = summarise(items, history, period, [target]).targets
    assert (result.required, result.done, result.met, result.window) == (
        required,
        done,
        met,
        window,
    )


def test_content_calendar_on_time_late_and_open() -> None:
    items = [
        item(1, "Done", target=date(2026, 11, 10)),  # done Nov 10: on time (same day)
        item(2, "Done", target=date(2026, 11, 10)),  # done Nov 14: 4 days late
        item(3, "In Progress", target=date(2026, 11, 20)),  # still open
        item(4, "Done", target=date(2026, 12, 5)),  # due next month: not counted
        item(5, "Done"),  # no target date: not counted
    ]
    history = done_on(1, 10) + done_on(2, 14) + done_on(4, 28) + done_on(5, 2)
    history += done_on(6, 20, month=10)  # October, for month-over-month
    items.append(item(6, "Done"))
    s = summarise(items, history, NOV)
    assert s.adherence is not None
    assert [r.number for r in s.adherence.on_time] == [1]
    assert [(r.number, r.days) for r in s.adherence.late] == [(2, 4)]
    assert [r.number for r in s.adherence.open] == [3]
    assert (len(s.done), s.done_previous_period) == (4, 1)


def test_weekly_digests_have_no_content_calendar() -> None:
    assert summarise([item(1, "Done")], done_on(1, 17), W47).adherence is None


def test_time_to_triage_counts_only_triage_seen_by_history() -> None:
    items = [item(1, "Todo"), item(2, "Todo"), item(3, "Blocked")]
    history = [
        move(1, None, "Todo", at(4)),  # created Nov 1 12:00: 3 days
        move(2, None, "Todo", at(8)),  # 7 days
        move(3, "Todo", "Blocked", at(9)),  # it had a Status before history began
    ]
    assert summarise(items, history, NOV).kpis.time_to_triage_median_days == 5.0


def test_the_chart_ends_with_the_reviewed_week() -> None:
    s = summarise([item(1, "Done")], done_on(1, 18), W47)
    assert list(s.done_per_week)[-1] == "2026-W47" and len(s.done_per_week) == 8
    assert s.done_per_week["2026-W47"] == 1 and sum(s.done_per_week.values()) == 1


def closed_as(entry: BoardItem, reason: str | None) -> BoardItem:
    closed = {"state": "closed", "closed_at": at(18), "state_reason": reason}
    assert entry.issue is not None
    return entry.model_copy(update={"issue": entry.issue.model_copy(update=closed)})


def test_work_closed_as_not_planned_or_duplicate_is_never_done() -> None:
    blog = ("type: blog",)
    items = [
        closed_as(item(1, "Done", labels=blog), None),
        closed_as(item(2, "Done", labels=blog), "not_planned"),
        closed_as(item(3, "Done", labels=blog), "duplicate"),
        closed_as(item(4, "Done", labels=blog), "completed"),
    ]
    history = done_on(1, 18) + done_on(2, 18) + done_on(3, 18) + done_on(4, 18)
    target = Target(name="Blog", label="type: blog", at_least=1, per="week")
    summary = summarise(items, history, W47, targets=[target])
    assert [row.number for row in summary.done] == [1, 4]
    assert summary.targets[0].done == 2


class OnePass:
    """An iterable that may be read once, as a board streamed page by page."""

    def __init__(self, items: list[BoardItem]) -> None:
        self._items = items
        self.read = False

    def __iter__(self):
        assert not self.read, "the items were read twice"
        self.read = True
        return iter(self._items)


def test_the_items_are_read_in_one_pass() -> None:
    items = OnePass([item(1, "Done", target=date(2026, 11, 10)), item(2, None), item(3, "Todo")])
    s = build_summary(items, done_on(1, 10), period=NOV, now=NOW, ruleset=RULESET)
    assert items.read and [r.number for r in s.done] == [1]


def with_issue(entry: BoardItem, **changes) -> BoardItem:
    assert entry.issue is not None
    return entry.model_copy(update={"issue": entry.issue.model_copy(update=changes)})


# (recorded moves, the Status now) -> the Status a monthly review of November shows
@pytest.mark.parametrize(
    ("moves", "now_status", "at_month_end"),
    [
        ([], "Blocked", "Blocked"),  # never changed: as it is
        ([("In Progress", "Blocked", at(20))], "Blocked", "Blocked"),
        ([("In Progress", "Done", at(2, 12))], "Done", "In Progress"),  # done in December
        (
            [("Todo", "In Progress", at(5)), ("In Progress", "Done", at(2, 12))],
            "Done",
            "In Progress",
        ),
        ([(None, "Todo", at(3, 12))], "Todo", None),  # triaged in December: waiting in November
    ],
)
def test_a_monthly_review_shows_the_board_at_the_months_end(moves, now_status, at_month_end):
    history = [move(7, old, new, when) for old, new, when in moves]
    s = summarise([item(7, now_status)], history, NOV)
    listed = {
        "In Progress": s.in_progress,
        "Blocked": s.blocked,
        None: s.triage,
    }
    assert [r.number for r in listed[at_month_end]] == [7]
    assert s.status_counts == {at_month_end or "No Status": 1}


def test_an_issue_opened_after_the_month_is_not_in_its_review() -> None:
    late = with_issue(item(1, None), created_at=at(1, 12))
    s = summarise([late], [], NOV)
    assert (s.triage, s.status_counts, s.kpis.opened) == ([], {}, 0)


def test_an_issue_closed_after_the_month_was_open_at_its_end() -> None:
    closed = with_issue(item(1, "In Progress"), state="closed", closed_at=at(2, 12))
    s = summarise([closed], [], NOV)
    assert [r.number for r in s.in_progress] == [1] and s.kpis.closed == 0


# (time to triage measured, history at all) -> what the KPI line says
@pytest.mark.parametrize(
    ("history", "shown"),
    [
        ([], "| time to triage, median | — (no history yet) |"),
        # history exists, nothing was triaged in the week
        ([move(1, "Todo", "Done", at(18))], "| time to triage, median | — (none in this period) |"),
        ([move(1, None, "Todo", at(18))], "| time to triage, median | 17 d |"),
    ],
)
def test_time_to_triage_says_why_it_is_missing(history, shown) -> None:
    s = summarise([item(1, "Todo")], history, W47)
    assert shown in render_markdown(s, "Weekly digest · 2026-W47", W47.describe())


def natively(board_item: BoardItem, **native: object) -> BoardItem:
    assert board_item.issue is not None
    return board_item.model_copy(update={"issue": board_item.issue.model_copy(update=native)})


def test_githubs_native_type_and_dependencies_in_the_summary() -> None:
    items = [
        natively(item(1, "Done"), issue_type="Blog"),
        natively(item(2, "Blocked"), blocked_by_open=2),
        natively(item(3, "Blocked"), blocked_by_open=1, body="Blocked by: legal review"),
    ]
    target = Target(name="Blog", label="type: blog", at_least=1, per="week")
    summary = summarise(items, done_on(1, 18), W47, targets=[target])
    assert [(row.number, row.type) for row in summary.done] == [(1, "blog")]
    assert summary.done_by_type == {"blog": 1}
    assert summary.targets[0].done == 1  # a native Blog counts towards the blog target
    assert {row.number: row.note for row in summary.blocked} == {
        2: "blocked by 2 open issues",
        3: "legal review; blocked by 1 open issue",
    }
