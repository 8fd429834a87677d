"""Typed models of what boardwatch reads from GitHub: issues, comments, boards, board items."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

# A board field value as boardwatch sees it: single-select option name, text -> str,
# number -> float, date -> date; no value -> absent from the dict (never None inside).
FieldValue = str | float | date

# A person's permission on a repository, as GitHub names it, and the bot's reactions.
Permission = Literal["admin", "maintain", "write", "triage", "read", "none"]
Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Issue(_Frozen):
    repo: str  # OWNER/NAME
    number: int
    node_id: str | None = None
    title: str = ""
    body: str = ""
    state: Literal["open", "closed"] = "open"
    state_reason: str | None = None
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    author: str | None = None
    author_association: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    url: str | None = None  # html_url
    # How many comments the issue has, when known: with 0 there is no bot comment to read.
    comments: int | None = None
    # GitHub's native structure, when the organization uses it (REST `type`,
    # `sub_issues_summary`, `issue_dependencies_summary`).
    issue_type: str | None = None
    sub_issues: SubIssues | None = None
    blocked_by_open: int = 0  # open issues this one is blocked by


class SubIssues(_Frozen):
    """Progress of an issue's sub-issues (`sub_issues_summary`)."""

    total: int
    completed: int


class Comment(_Frozen):
    id: int
    node_id: str | None = None
    author: str | None = None
    body: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None


class CommentResult(_Frozen):
    """What an upsert by marker did; `action == "none"` means no write was made."""

    action: Literal["created", "updated", "deleted", "none"]
    comment_id: int | None = None


FieldType = Literal["SINGLE_SELECT", "NUMBER", "DATE", "TEXT", "ITERATION", "OTHER"]


class FieldOption(_Frozen):
    id: str
    name: str


class BoardField(_Frozen):
    id: str
    name: str
    data_type: FieldType
    options: tuple[FieldOption, ...] = ()

    def option(self, name: str) -> FieldOption | None:
        """The option named `name`, matched case-insensitively."""
        wanted = name.strip().casefold()
        return next((o for o in self.options if o.name.casefold() == wanted), None)


class Board(_Frozen):
    id: str  # node id of the ProjectV2
    owner: str
    number: int
    title: str = ""
    url: str | None = None
    fields: tuple[BoardField, ...] = ()

    def field(self, name: str) -> BoardField | None:
        wanted = name.strip().casefold()
        return next((f for f in self.fields if f.name.casefold() == wanted), None)


class BoardItem(_Frozen):
    id: str  # node id of the ProjectV2Item
    issue: Issue | None = None  # None for draft issues and pull requests
    fields: dict[str, FieldValue] = {}  # by field name; fields without a value are absent
    archived: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    board_id: str | None = None  # node id of the board (ProjectV2) the item is on

    def value(self, name: str) -> FieldValue | None:
        """A field's value by name (case-insensitive); None when it has none."""
        wanted = name.strip().casefold()
        return next((v for k, v in self.fields.items() if k.casefold() == wanted), None)


class HookDelivery(_Frozen):
    """One webhook delivery as the App API lists it (for recovery of missed deliveries)."""

    id: int
    guid: str
    delivered_at: datetime
    redelivery: bool
    status: str
    status_code: int
    event: str
    action: str | None = None
