"""Launches as checklists: progress, due date, forecast and risk of each open launch (pure).

A launch is an issue whose GitHub issue type, or `type: ` label, is `reports.launch_type`.
Its steps are its sub-issues when it has any, else the task list of its body (`- [x]`,
`- [ ]`, read by the Markdown parser). Its due date is the board's Target date.

A launch is at risk when any of these holds (each is listed as a reason):
- it is past its due date;
- the forecast says its open steps are done after its due date;
- it is due within RISK_DAYS days with less than RISK_SHARE of its steps done.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel

from service.engine.body import tasks
from service.engine.model import TYPE_PREFIX
from service.engine.native import has_type_label
from service.reports.forecast import Finish, finish_by
from service.reports.rows import Entry, Row

RISK_DAYS = 7
RISK_SHARE = 0.5

StepsFrom = Literal["sub-issues", "task list"]


class Launch(BaseModel):
    row: Row  # `when` is the due date, `days` the days until it (negative: overdue)
    done: int | None = None  # steps done; None when the launch lists no steps
    total: int | None = None
    steps_from: StepsFrom | None = None
    due: date | None = None
    forecast: Finish | None = None  # None when no step is listed, or none is left
    risks: list[str]
    at_risk: bool


def is_launch(entry: Entry, launch_type: str) -> bool:
    return has_type_label(entry.issue, f"{TYPE_PREFIX}{launch_type}")


def steps(entry: Entry) -> tuple[int, int, StepsFrom] | None:
    """(done, total, where from) of the launch's steps; None when it lists none."""
    sub = entry.issue.sub_issues
    if sub is not None and sub.total > 0:
        return sub.completed, sub.total, "sub-issues"
    done, still_open = tasks(entry.issue.body)
    if done + still_open > 0:
        return done, done + still_open, "task list"
    return None


def risks(
    done: int | None, total: int | None, days_left: int | None, by: date | None, due: date | None
) -> list[str]:
    found: list[str] = []
    if days_left is not None and days_left < 0:
        found.append(f"{-days_left} d past its due date")
    if by is not None and due is not None and by > due and (days_left is None or days_left >= 0):
        found.append(f"forecast {by.isoformat()} is after its due date")
    if (
        days_left is not None
        and 0 <= days_left <= RISK_DAYS
        and done is not None
        and total
        and done / total < RISK_SHARE
    ):
        found.append(f"due in {days_left} d with {done} of {total} steps done")
    return found


def build_launches(
    entries: Sequence[Entry],
    *,
    launch_type: str,
    target_field: str,
    weekly: Sequence[int],
    today: date,
    seed: str,
) -> list[Launch]:
    """The open launches, those at risk first, then by due date."""
    launches: list[Launch] = []
    for entry in entries:
        if not entry.open or not is_launch(entry, launch_type):
            continue
        value = entry.item.value(target_field)
        due = value if isinstance(value, date) else None
        days_left = (due - today).days if due is not None else None
        counted = steps(entry)
        done, total, steps_from = counted if counted is not None else (None, None, None)
        forecast = None
        if done is not None and total is not None and done < total:
            # One generator per launch, seeded with the report and the issue: adding a launch
            # does not change the others' forecasts.
            rng = random.Random(f"{seed}:{entry.issue.repo}#{entry.issue.number}")
            forecast = finish_by(total - done, weekly, today, rng)
        found = risks(done, total, days_left, forecast.by if forecast else None, due)
        launches.append(
            Launch(
                row=entry.row(when=due, days=days_left),
                done=done,
                total=total,
                steps_from=steps_from,
                due=due,
                forecast=forecast,
                risks=found,
                at_risk=bool(found),
            )
        )
    return sorted(
        launches, key=lambda x: (not x.at_risk, x.due or date.max, x.row.repo, x.row.number)
    )
