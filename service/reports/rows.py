"""`Row`: one issue as the lists of a report show it, shared by every section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field

from service.domain.models import BoardItem, Issue
from service.engine.native import work_type

UNASSIGNED = "(unassigned)"
UNTYPED = "(no type)"


class Row(BaseModel):
    """One issue in a list of the report."""

    repo: str
    number: int
    title: str
    url: str | None = None
    assignees: list[str] = Field(default_factory=list)
    author: str | None = None  # who asked (opened the issue)
    type: str | None = None  # GitHub's issue type, else the `type: ` label
    status: str | None = None
    # age, time in status, days without activity (stale), or days to the deadline (negative:
    # late)
    days: float | None = None
    when: date | None = None  # done date or target date
    note: str | None = None  # the blocked reason
    estimate_hours: float | None = None
    target_date: date | None = None
    # Needs attention: the failing rules, by name and in their own words (description).
    rules: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)


def issue_row(issue: Issue, status: str | None, **extra: object) -> Row:
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


@dataclass(frozen=True)
class Entry:
    """One live board item as the report sections read it: its issue, Status and when it was
    finished (None: not done, or closed as not planned or duplicate)."""

    item: BoardItem
    issue: Issue
    status: str | None
    finished: datetime | None

    @property
    def key(self) -> tuple[str, int]:
        return (self.issue.repo, self.issue.number)

    @property
    def open(self) -> bool:
        """Still to do: open and not finished."""
        return self.issue.state == "open" and self.finished is None

    def row(self, **extra: object) -> Row:
        return issue_row(self.issue, self.status, **extra)
