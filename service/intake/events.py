"""Minimal models of the webhook payload fields boardwatch reads, and the subject of an event.

Payloads vary by age and event (see the corpora's SOURCES.md): every field is optional
except what identifies the thing, and unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from service.domain.models import Issue, SubIssues
from service.store.deliveries import issue_subject


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


class IssueTypeRef(_Part):
    name: str


class SubIssuesSummary(_Part):
    total: int = 0
    completed: int = 0


class DependenciesSummary(_Part):
    blocked_by: int = 0  # open issues this one is blocked by (`total_blocked_by`: all)


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
    type: IssueTypeRef | None = None
    sub_issues_summary: SubIssuesSummary | None = None
    issue_dependencies_summary: DependenciesSummary | None = None

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
            issue_type=self.type.name if self.type else None,
            sub_issues=(
                SubIssues(total=summary.total, completed=summary.completed)
                if (summary := self.sub_issues_summary) is not None and summary.total
                else None
            ),
            blocked_by_open=(
                self.issue_dependencies_summary.blocked_by if self.issue_dependencies_summary else 0
            ),
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


# `issue_dependencies` and `sub_issues` events name their issues otherwise. The issue whose
# native structure changed is the subject: the blocked issue (its open blockers), the parent
# (its sub-issue progress). Only the actions sent from that issue's side are mapped: there
# `repository` is its repository (the other issue's is `blocking_issue_repo`/`sub_issue_repo`).
SUBJECT_ISSUE_OF_ACTION = {
    "blocked_by_added": "blocked_issue",
    "blocked_by_removed": "blocked_issue",
    "sub_issue_added": "parent_issue",
    "sub_issue_removed": "parent_issue",
}


class IssueRef(_Part):
    number: int
    node_id: str | None = None


class Routing(_Part):
    """What intake reads of a payload: enough to name its subject and its installation.

    Parsed straight from the body's JSON, every field not declared here is skipped without
    being built (about a quarter of the time of a full `Envelope`); the worker reads the rest.
    """

    action: str | None = None
    installation: InstallationRef | None = None
    repository: RepositoryRef | None = None
    issue: IssueRef | None = None
    projects_v2_item: ItemPayload | None = None
    # The issue an `issue_dependencies` / `sub_issues` event is about (SUBJECT_ISSUE_OF_ACTION).
    blocked_issue: IssueRef | None = None
    parent_issue: IssueRef | None = None

    @property
    def subject_issue(self) -> IssueRef | None:
        if self.issue is not None:
            return self.issue
        key = SUBJECT_ISSUE_OF_ACTION.get(str(self.action))
        found = getattr(self, key) if key is not None else None
        return found if isinstance(found, IssueRef) else None


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

    @model_validator(mode="before")
    @classmethod
    def _subject_issue(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("issue") is not None:
            return data
        key = SUBJECT_ISSUE_OF_ACTION.get(str(data.get("action")))
        if key is not None and isinstance(data.get(key), dict):
            return {**data, "issue": data[key]}
        return data

    @property
    def repo(self) -> str | None:
        return self.repository.full_name if self.repository else None


def subject_of(event: str, routing: Routing) -> str:
    """What a delivery is about; deliveries of one subject never run at the same time.

    An issue and its board item share one subject (the issue's node id), so an `issues`
    event and a `projects_v2_item` event of the same task are processed one after the other.
    """
    repo = routing.repository.full_name if routing.repository else None
    issue = routing.subject_issue
    if issue is not None:
        return issue_subject(repo, issue.number, issue.node_id)
    item = routing.projects_v2_item
    if item is not None:
        if item.content_node_id and item.content_type in (None, "Issue"):
            return f"issue:{item.content_node_id}"
        return f"item:{item.node_id}"
    if repo:
        return f"repo:{repo}"
    if routing.installation is not None:
        return f"installation:{routing.installation.id}"
    return f"event:{event}"
