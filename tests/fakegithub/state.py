"""The fake GitHub's state: repositories, issues, comments, boards, the App. Plain data.

One lock on `FakeGitHub` guards all of it; ids come from one counter so node ids are unique.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

_ids = itertools.count(1000)


def next_id() -> int:
    return next(_ids)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class Label:
    name: str
    color: str = "ededed"
    description: str = ""
    id: int = field(default_factory=next_id)


@dataclass
class Comment:
    id: int
    node_id: str
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    reactions: list[tuple[str, str]] = field(default_factory=list)  # (login, content)
    author_association: str = "MEMBER"


@dataclass
class Issue:
    repo: str
    number: int
    node_id: str
    title: str
    body: str
    author: str
    author_association: str = "MEMBER"
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    closed_at: datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    is_pull: bool = False
    id: int = field(default_factory=next_id)
    # GitHub's native structure; tests set these directly (`issue.issue_type = "Bug"`).
    issue_type: str | None = None
    sub_issues_total: int = 0
    sub_issues_completed: int = 0
    blocked_by_open: int = 0
    blocked_by_total: int = 0  # open and closed blockers (at least blocked_by_open)

    def sub_issues_percent(self) -> int:
        total = self.sub_issues_total
        return self.sub_issues_completed * 100 // total if total else 0


@dataclass
class Repo:
    full_name: str
    node_id: str
    default_branch: str = "main"
    labels: dict[str, Label] = field(default_factory=dict)  # by casefolded name
    issues: dict[int, Issue] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> role_name
    # branch -> path -> text
    files: dict[str, dict[str, str]] = field(default_factory=lambda: {"main": {}})
    branch_shas: dict[str, str] = field(default_factory=lambda: {"main": "sha-main-0"})
    pulls: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 1
    id: int = field(default_factory=next_id)
    created_at: datetime = field(default_factory=now)


@dataclass
class Option:
    id: str
    name: str
    color: str = "GRAY"
    description: str = ""


@dataclass
class BoardField:
    id: str
    name: str
    data_type: str  # SINGLE_SELECT, NUMBER, DATE, TEXT, ITERATION, TITLE, ASSIGNEES, LABELS...
    options: list[Option] = field(default_factory=list)


@dataclass
class Item:
    id: str
    issue: Issue
    archived: bool = False
    values: dict[str, Any] = field(default_factory=dict)  # field id -> option id/number/date/text
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)


@dataclass
class Board:
    id: str
    owner: str
    owner_is_org: bool
    number: int
    title: str
    fields: list[BoardField] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    def field_named(self, name: str) -> BoardField | None:
        return next((f for f in self.fields if f.name.casefold() == name.casefold()), None)

    def field_by_id(self, field_id: str) -> BoardField | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def item_of(self, issue: Issue) -> Item | None:
        return next((i for i in self.items if i.issue is issue), None)

    def value(self, item: Item, name: str) -> Any:
        """A field's value by name as people see it: option name, number, date, text."""
        board_field = self.field_named(name)
        if board_field is None or board_field.id not in item.values:
            return None
        raw = item.values[board_field.id]
        if board_field.data_type == "SINGLE_SELECT":
            return next((o.name for o in board_field.options if o.id == raw), None)
        return raw

    def values_of(self, item: Item) -> dict[str, Any]:
        """The item's field values by field name, as people see them."""
        return {f.name: self.value(item, f.name) for f in self.fields if f.id in item.values}


@dataclass(frozen=True)
class ItemView:
    """A board item as a test reads it: field values by name (`values["Status"] == "Todo"`)."""

    id: str
    archived: bool
    values: dict[str, Any]


@dataclass
class HookAttempt:
    id: int
    guid: str
    delivered_at: datetime
    redelivery: bool
    status_code: int
    event: str
    action: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "guid": self.guid,
            "delivered_at": iso(self.delivered_at),
            "redelivery": self.redelivery,
            "duration": 0.1,
            "status": "OK" if 200 <= self.status_code < 300 else "Service Unavailable",
            "status_code": self.status_code,
            "event": self.event,
            "action": self.action,
            "installation_id": None,
            "repository_id": None,
        }


@dataclass
class App:
    id: int
    slug: str
    private_key_pem: str
    public_key_pem: str
    installations: dict[int, str] = field(default_factory=dict)  # id -> account login
    hook_attempts: list[HookAttempt] = field(default_factory=list)
    redelivered: list[int] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)  # token -> installation id


DEFAULT_FIELDS: dict[str, Any] = {
    "Status": ["Todo", "In Progress", "Blocked", "Done"],
    "Estimate": "NUMBER",
    "Target date": "DATE",
}
BUILT_IN_FIELDS = [("Title", "TITLE"), ("Assignees", "ASSIGNEES"), ("Labels", "LABELS")]


def date_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
