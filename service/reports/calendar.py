"""The weeks ahead: what is planned this week, by person, and a gantt of the next four weeks
(the content calendar at a glance) from the board's Target dates (pure).

Only open work counts: done, cancelled and duplicate items are not planned any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel

from service.engine.model import BoardNames
from service.engine.native import work_type
from service.reports.periods import Period
from service.reports.rows import UNASSIGNED, UNTYPED, Entry, Row

GANTT_DAYS = 28
# A chart with more bars than this is unreadable; the rest are counted under it.
GANTT_ROWS = 30
GANTT_NAME = 60  # characters of a title shown on a bar
# Characters that end or change a mermaid gantt statement (`:` starts the task's data, `#`
# an entity, `;` a new statement, `%%` a comment or directive), break out of the code block
# (backticks) or read as HTML: each becomes a space.
_MERMAID_UNSAFE = frozenset(':#;%`<>{}[]"\\\r\n\t')

Tag = Literal["", "active", "crit"]


class PlannedPerson(BaseModel):
    person: str
    rows: list[Row]  # `when` is the Target date


class Planned(BaseModel):
    start: date
    end: date  # inclusive
    people: list[PlannedPerson]


class GanttTask(BaseModel):
    section: str  # the work type (`type: ` label, else issue type), safe for mermaid
    name: str  # `N · title`, safe for mermaid
    due: date
    tag: Tag  # active: in progress; crit: blocked


class Gantt(BaseModel):
    start: date
    end: date  # inclusive
    tasks: list[GanttTask]  # by section, then by due date
    more: int  # items left out past GANTT_ROWS


def mermaid_text(text: str, limit: int = GANTT_NAME) -> str:
    """`text` as a mermaid gantt name: no character that ends the statement, one line, short."""
    cleaned = "".join(" " if c in _MERMAID_UNSAFE or not c.isprintable() else c for c in text)
    words = " ".join(cleaned.split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _due(entry: Entry, target_field: str) -> date | None:
    value = entry.item.value(target_field)
    return value if entry.open and isinstance(value, date) else None


def build_planned(entries: Sequence[Entry], *, target_field: str, week: Period) -> Planned:
    """Open items whose Target date falls in `week`, under each assignee, by date."""
    people: dict[str, list[Row]] = {}
    for entry in entries:
        due = _due(entry, target_field)
        if due is None or not week.contains(due):
            continue
        for person in entry.issue.assignees or (UNASSIGNED,):
            people.setdefault(person, []).append(entry.row(when=due))
    return Planned(
        start=week.start.date(),
        end=(week.end - timedelta(days=1)).date(),
        people=[
            PlannedPerson(person=p, rows=sorted(rows, key=lambda r: (r.when, r.number)))
            for p, rows in sorted(people.items(), key=lambda kv: (kv[0] == UNASSIGNED, kv[0]))
        ],
    )


def build_gantt(entries: Sequence[Entry], *, names: BoardNames, today: date) -> Gantt:
    """Open items due from `today` for GANTT_DAYS days, the soonest GANTT_ROWS of them."""
    end = today + timedelta(days=GANTT_DAYS - 1)
    due_soon = sorted(
        (
            (due, entry)
            for entry in entries
            if (due := _due(entry, names.target_field)) is not None and today <= due <= end
        ),
        key=lambda pair: (pair[0], pair[1].key),
    )
    shown = due_soon[:GANTT_ROWS]

    def tag(entry: Entry) -> Tag:
        status = (entry.status or "").casefold()
        if status == names.in_progress_status.casefold():
            return "active"
        return "crit" if status == names.blocked_status.casefold() else ""

    tasks = [
        GanttTask(
            section=mermaid_text(work_type(entry.issue) or UNTYPED),
            name=mermaid_text(f"{entry.issue.number} · {entry.issue.title}"),
            due=due,
            tag=tag(entry),
        )
        for due, entry in shown
    ]
    order = list(dict.fromkeys(t.section for t in tasks))
    return Gantt(
        start=today,
        end=end,
        tasks=sorted(tasks, key=lambda t: order.index(t.section)),
        more=len(due_soon) - len(shown),
    )
