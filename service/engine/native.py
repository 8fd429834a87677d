"""GitHub's native issue structure read the way rules and reports read labels (pure).

Organizations may type issues with GitHub's issue types instead of `type: ` labels, split
work into sub-issues, and record that one issue is blocked by another. A rule written for
labels (`labels: {has: ["type: social"]}`, exactly one `type: ` label) holds for an issue
typed natively as well: its issue type reads as one more `type: <name>` label.
"""

from __future__ import annotations

from service.domain.models import Issue
from service.engine.model import TYPE_PREFIX


def type_labels(issue: Issue) -> tuple[str, ...]:
    """The issue's labels, plus `type: <issue type>` when it has a native type.

    A label that already names the same type is not doubled, so an issue labelled
    `type: blog` and typed `Blog` still has exactly one type.
    """
    if not issue.issue_type:
        return issue.labels
    native = f"{TYPE_PREFIX}{issue.issue_type.strip().casefold()}"
    if any(label.casefold() == native for label in issue.labels):
        return issue.labels
    return (*issue.labels, native)


def has_type_label(issue: Issue, label: str) -> bool:
    """Whether the issue has `label`, its native type read as a `type: ` label."""
    wanted = label.casefold()
    return any(have.casefold() == wanted for have in type_labels(issue))


def work_type(issue: Issue) -> str | None:
    """The kind of work: the native issue type (lower case), else the first `type: ` label."""
    if issue.issue_type:
        return issue.issue_type.strip().casefold()
    found = [label[len(TYPE_PREFIX) :] for label in issue.labels if label.startswith(TYPE_PREFIX)]
    return found[0] if found else None


def dependency_reason(issue: Issue) -> str | None:
    """Why GitHub's dependencies block the issue, in words; None when none is open."""
    count = issue.blocked_by_open
    if count <= 0:
        return None
    return f"blocked by {count} open issue{'' if count == 1 else 's'}"


def blocked_reason(issue: Issue, *recorded: str | None) -> str | None:
    """Every reason the issue is blocked: the recorded ones (a `/blocked` note, a
    `Blocked by:` line; the first given wins), then its open dependencies."""
    first = next((r.strip() for r in recorded if r and r.strip()), None)
    reasons = [r for r in (first, dependency_reason(issue)) if r]
    return "; ".join(reasons) or None


def sub_issue_progress(issue: Issue) -> str | None:
    """`3 of 6 sub-issues done`; None when the issue has no sub-issues."""
    progress = issue.sub_issues
    if progress is None or progress.total <= 0:
        return None
    return f"{progress.completed} of {progress.total} sub-issues done"
