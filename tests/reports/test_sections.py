"""The meeting's sections on hand-built entries: highlights, launches, planned this week and
the gantt (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.domain.models import BoardItem, Issue, SubIssues
from service.engine.model import BoardNames
from service.reports.calendar import GANTT_ROWS, build_gantt, build_planned, mermaid_text
from service.reports.highlights import build_highlights
from service.reports.launches import build_launches, risks, steps
from service.reports.periods import containing
from service.reports.rows import Entry
from service.store.notes import Note

REPO = "acme/tracker"
NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)  # Monday of 2026-W48
TODAY = NOW.date()
W47 = containing("week", datetime(2026, 11, 18, tzinfo=UTC))  # the week reviewed
W48 = containing("week", NOW)
NAMES = BoardNames()


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def entry(
    number: int,
    *,
    title: str = "",
    status: str | None = "Todo",
    finished: datetime | None = None,
    state: str = "open",
    labels: tuple[str, ...] = (),
    assignees: tuple[str, ...] = ("alice",),
    due: date | None = None,
    body: str = "",
    updated: datetime | None = None,
    issue_type: str | None = None,
    sub_issues: SubIssues | None = None,
) -> Entry:
    issue = Issue(
        repo=REPO,
        number=number,
        title=title or f"Item {number}",
        body=body,
        state=state,  # type: ignore[arg-type]
        labels=labels,
        assignees=assignees,
        updated_at=updated,
        issue_type=issue_type,
        sub_issues=sub_issues,
    )
    fields = {"Target date": due} if due else {}
    return Entry(
        BoardItem(id=f"PVTI_{number}", issue=issue, fields=fields), issue, status, finished
    )


# -- highlights ---------------------------------------------------------------------------


def note(text: str, when: datetime, by: str = "alice") -> Note:
    return Note(text, by, when)


@pytest.mark.parametrize(
    ("case", "the_entry", "the_note", "shown"),
    [
        ("a sentence given in the week", entry(1), note("We shipped it", at(18)), "We shipped it"),
        ("a sentence given before the week", entry(1), note("Old news", at(10)), None),
        ("a sentence given after the week", entry(1), note("Next week's", at(23)), None),
        (
            "the label, finished in the week",
            entry(
                2,
                title="Spring post",
                labels=("highlight",),
                finished=at(19),
                status="Done",
                state="closed",
            ),
            None,
            "Spring post",
        ),
        (
            "the label, finished before",
            entry(2, labels=("highlight",), finished=at(9), status="Done", state="closed"),
            None,
            None,
        ),
        (
            "the label, open, updated in the week",
            entry(3, title="Big deal", labels=("Highlight",), updated=at(20)),
            None,
            "Big deal",
        ),
        (
            "the label, open, untouched this week",
            entry(3, labels=("highlight",), updated=at(12)),
            None,
            None,
        ),
        (
            "the label on cancelled work",
            entry(4, labels=("highlight",), state="closed", updated=at(20)),
            None,
            None,
        ),
        (
            "the sentence wins over the label",
            entry(5, title="Title", labels=("highlight",), updated=at(20)),
            note("Said better", at(17)),
            "Said better",
        ),
        (
            "an old sentence leaves the label",
            entry(5, title="Title", labels=("highlight",), updated=at(20)),
            note("Old", at(2)),
            "Title",
        ),
    ],
)
def test_highlights_of_the_reviewed_week(case, the_entry, the_note, shown) -> None:
    notes = {the_entry.key: the_note} if the_note else {}
    found = build_highlights([the_entry], notes=notes, label="highlight", period=W47)
    assert [h.sentence for h in found] == ([shown] if shown else []), case
    if found and the_note is not None and shown == the_note.value:
        assert (found[0].by, found[0].at) == ("alice", the_note.at)


def test_highlights_are_in_the_order_they_were_given() -> None:
    entries = [entry(1), entry(2), entry(3)]
    notes = {e.key: note(f"H{e.issue.number}", at(22 - e.issue.number)) for e in entries}
    found = build_highlights(entries, notes=notes, label="highlight", period=W47)
    assert [h.sentence for h in found] == ["H3", "H2", "H1"]


# -- launches -----------------------------------------------------------------------------

TASKS = """\
Launch plan
- [x] brief
- [X] landing page
- [ ] press release
- [ ] newsletter
```
- [ ] not a task: code
```
> - [ ] not a task: quoted
"""


@pytest.mark.parametrize(
    ("case", "the_entry", "counted"),
    [
        ("sub-issues", entry(1, sub_issues=SubIssues(total=6, completed=3)), (3, 6, "sub-issues")),
        ("a task list", entry(1, body=TASKS), (2, 4, "task list")),
        (
            "sub-issues before the task list",
            entry(1, body=TASKS, sub_issues=SubIssues(total=2, completed=2)),
            (2, 2, "sub-issues"),
        ),
        (
            "no sub-issues yet: the task list",
            entry(1, body=TASKS, sub_issues=SubIssues(total=0, completed=0)),
            (2, 4, "task list"),
        ),
        ("no steps at all", entry(1, body="Just text"), None),
    ],
)
def test_launch_steps(case, the_entry, counted) -> None:
    assert steps(the_entry) == counted, case


@pytest.mark.parametrize(
    ("done", "total", "days_left", "by", "due", "expected"),
    [
        (1, 4, 20, date(2026, 12, 1), date(2026, 12, 13), []),
        (1, 4, -2, None, date(2026, 11, 21), ["2 d past its due date"]),
        (
            3,
            4,
            10,
            date(2026, 12, 7),
            date(2026, 12, 3),
            ["forecast 2026-12-07 is after its due date"],
        ),
        (1, 4, 5, None, date(2026, 11, 28), ["due in 5 d with 1 of 4 steps done"]),
        (2, 4, 5, None, date(2026, 11, 28), []),  # half done: not at risk for that
        (1, 4, 8, None, date(2026, 12, 1), []),  # more than a week left
        (None, None, 3, None, date(2026, 11, 26), []),  # no steps listed: no share to judge
        (None, None, None, None, None, []),
    ],
)
def test_launch_risks(done, total, days_left, by, due, expected) -> None:
    assert risks(done, total, days_left, by, due) == expected


PACE = [2, 2, 2, 2]  # 2 steps a week, every week


def launches(*entries: Entry, weekly=PACE):
    return build_launches(
        entries,
        launch_type="launch",
        target_field="Target date",
        weekly=weekly,
        today=TODAY,
        seed="t",
    )


def test_which_items_are_launches() -> None:
    found = launches(
        entry(1, labels=("type: launch",)),
        entry(2, issue_type="Launch"),
        entry(3, labels=("type: blog",)),
        entry(4, issue_type="Task"),
        entry(5, labels=("type: launch",), finished=at(20), status="Done"),  # done: in Done
        entry(6, labels=("type: launch",), state="closed"),  # cancelled
    )
    assert [x.row.number for x in found] == [1, 2]


def test_a_launch_with_sub_issues_shows_progress_due_date_and_forecast() -> None:
    [launch] = launches(
        entry(
            7,
            issue_type="launch",
            due=date(2026, 12, 1),
            sub_issues=SubIssues(total=6, completed=3),
        )
    )
    assert (launch.done, launch.total, launch.steps_from) == (3, 6, "sub-issues")
    assert (launch.due, launch.row.days) == (date(2026, 12, 1), 8)
    # 3 open steps at 2 a week: 2 weeks
    assert launch.forecast is not None and launch.forecast.by == TODAY + timedelta(weeks=2)
    assert launch.risks == ["forecast 2026-12-07 is after its due date"] and launch.at_risk


def test_a_launch_with_a_task_list_on_track() -> None:
    [launch] = launches(entry(8, labels=("type: launch",), due=date(2026, 12, 31), body=TASKS))
    assert (launch.done, launch.total, launch.steps_from) == (2, 4, "task list")
    assert launch.forecast is not None and launch.forecast.by == TODAY + timedelta(weeks=1)
    assert not launch.at_risk


def test_a_launch_with_every_step_done_needs_no_forecast() -> None:
    [launch] = launches(entry(12, labels=("type: launch",), body="- [x] one\n- [x] two"))
    assert (launch.done, launch.total, launch.forecast, launch.at_risk) == (2, 2, None, False)


def test_no_forecast_from_too_little_history() -> None:
    [launch] = launches(entry(9, labels=("type: launch",), body=TASKS), weekly=[5, 5])
    assert launch.forecast is not None and launch.forecast.by is None
    assert launch.forecast.why_not == "2 weeks of history; a forecast needs at least 4"
    assert launch.due is None and not launch.at_risk


def test_launches_at_risk_come_first() -> None:
    found = launches(
        entry(10, labels=("type: launch",), due=date(2026, 12, 30), body=TASKS),
        entry(11, labels=("type: launch",), due=date(2026, 11, 20), body=TASKS),
    )
    assert [(x.row.number, x.at_risk) for x in found] == [(11, True), (10, False)]


# -- planned this week and the gantt -------------------------------------------------------


def test_planned_this_week_by_person() -> None:
    planned = build_planned(
        [
            entry(1, due=date(2026, 11, 27), assignees=("bob",)),
            entry(2, due=date(2026, 11, 23), assignees=("alice", "bob")),
            entry(3, due=date(2026, 11, 29), assignees=()),
            entry(4, due=date(2026, 11, 30)),  # next week
            entry(5, due=date(2026, 11, 22)),  # last week
            entry(6, due=date(2026, 11, 24), finished=at(20), status="Done"),  # done already
            entry(7),  # no date
        ],
        target_field="Target date",
        week=W48,
    )
    assert (planned.start, planned.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert [(p.person, [r.number for r in p.rows]) for p in planned.people] == [
        ("alice", [2]),
        ("bob", [2, 1]),
        ("(unassigned)", [3]),
    ]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("Webinar deck", "Webinar deck"),
        ("Q1: launch; go #1", "Q1 launch go 1"),
        ("```\nend of block``` %%{init}%%", "end of block init"),
        ("<b>bold</b>", "b bold /b"),
        ("x" * 80, "x" * 59 + "…"),
    ],
)
def test_mermaid_text_cannot_break_the_chart(text, safe) -> None:
    assert mermaid_text(text) == safe


def test_gantt_of_the_next_four_weeks() -> None:
    gantt = build_gantt(
        [
            entry(
                1,
                title="Post: launch",
                labels=("type: social",),
                due=date(2026, 11, 25),
                status="In Progress",
            ),
            entry(
                2, title="Deck", labels=("type: event",), due=date(2026, 11, 23), status="Blocked"
            ),
            entry(3, title="Recap", labels=("type: social",), due=date(2026, 12, 20)),
            entry(7, title="GTM", issue_type="Launch", due=date(2026, 12, 1)),
            entry(4, due=date(2026, 12, 21)),  # the 29th day: past the chart
            entry(5, due=date(2026, 11, 22)),  # overdue: in the deadlines list, not the chart
            entry(6, due=date(2026, 11, 24), finished=at(20), status="Done"),
        ],
        names=NAMES,
        today=TODAY,
    )
    assert (gantt.start, gantt.end, gantt.more) == (TODAY, date(2026, 12, 20), 0)
    assert [(t.section, t.name, t.due, t.tag) for t in gantt.tasks] == [
        ("event", "2 · Deck", date(2026, 11, 23), "crit"),
        ("social", "1 · Post launch", date(2026, 11, 25), "active"),
        ("social", "3 · Recap", date(2026, 12, 20), ""),
        ("launch", "7 · GTM", date(2026, 12, 1), ""),
    ]


def test_gantt_is_capped() -> None:
    entries = [entry(n, due=TODAY + timedelta(days=n % 28)) for n in range(1, GANTT_ROWS + 11)]
    gantt = build_gantt(entries, names=NAMES, today=TODAY)
    assert (len(gantt.tasks), gantt.more) == (GANTT_ROWS, 10)
    # the soonest are shown
    dues = sorted(TODAY + timedelta(days=n % 28) for n in range(1, GANTT_ROWS + 11))
    assert sorted(t.due for t in gantt.tasks) == dues[:GANTT_ROWS]
