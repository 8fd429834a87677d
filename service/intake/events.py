"""Minimal models of the webhook payload fields boardwatch reads, and the subject of an event.

Payloads vary by age and event (see the corpora's SOURCES.md): every field is optional
except what identifies the thing, and unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.domain.models import Issue


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Account(_Part):
    login: str
    type: str | None = None


class InstallationRef(_Part):
    id: int


class RepositoryRef(_Part):
    full_name: str


class LabelRef(_Part):
    name: str


class IssuePayload(_Part):
    number: int
    node_id: str | None = None
    title: str = ""
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    labels: list[LabelRef] = []
    assignees: list[Account] = []
    user: Account | None = None
    author_association: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    html_url: str | None = None
    comments: int | None = None
    pull_request: dict[str, Any] | None = None

    def to_issue(self, repo: str) -> Issue:
        return Issue(
            repo=repo,
            number=self.number,
            node_id=self.node_id,
            title=self.title,
            body=self.body or "",
            state="closed" if self.state == "closed" else "open",
            state_reason=self.state_reason,
            labels=tuple(label.name for label in self.labels),
            assignees=tuple(a.login for a in self.assignees),
            author=self.user.login if self.user else None,
            author_association=self.author_association,
            created_at=self.created_at,
            updated_at=self.updated_at,
            closed_at=self.closed_at,
            url=self.html_url,
            comments=self.comments,
        )


class CommentPayload(_Part):
    id: int
    node_id: str | None = None
    body: str | None = None
    user: Account | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    html_url: str | None = None


class ItemPayload(_Part):
    """`projects_v2_item`: node ids only, never field values."""

    id: int | None = None
    node_id: str
    project_node_id: str | None = None
    content_node_id: str | None = None
    content_type: str | None = None


class BoardPayload(_Part):
    """`projects_v2`: the board itself (created, edited, closed, reopened, deleted)."""

    node_id: str
    number: int
    owner: Account


class Envelope(_Part):
    """The parts of any webhook payload that intake and the worker look at."""

    action: str | None = None
    sender: Account | None = None
    installation: InstallationRef | None = None
    repository: RepositoryRef | None = None
    organization: Account | None = None
    issue: IssuePayload | None = None
    comment: CommentPayload | None = None
    projects_v2_item: ItemPayload | None = None
    projects_v2: BoardPayload | None = None
    changes: dict[str, Any] | None = None
    ref: str | None = None  # push
    commits: list[dict[str, Any]] | None = None  # push

    @property
    def repo(self) -> str | None:
        return self.repository.full_name if self.repository else None


def subject_of(event: str, envelope: Envelope) -> str:
    """What a delivery is about; deliveries of one subject never run at the same time.

    An issue and its board item share one subject (the issue's node id), so an `issues`
    event and a `projects_v2_item` event of the same task are processed one after the other.
    """
    if envelope.issue is not None:
        if envelope.issue.node_id:
            return f"issue:{envelope.issue.node_id}"
        return f"issue:{envelope.repo}#{envelope.issue.number}"
    item = envelope.projects_v2_item
    if item is not None:
        if item.content_node_id and item.content_type in (None, "Issue"):
            return f"issue:{item.content_node_id}"
        return f"item:{item.node_id}"
    if envelope.repo:
        return f"repo:{envelope.repo}"
    if envelope.installation is not None:
        return f"installation:{envelope.installation.id}"
    return f"event:{event}"
