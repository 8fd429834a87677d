"""`issues` and `issue_comment` events: a person's activity and commands, then the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.commands.parser import Command, ParseError, new_commands, parse_commands
from service.handlers.context import evaluate_issue
from service.services import Services
from service.worker import Job, PermanentError

# Actions after which the issue no longer exists where the payload says it does.
GONE = {"deleted", "transferred"}


def on_issue_event(services: Services, job: Job) -> dict[str, Any]:
    envelope = job.envelope
    payload_issue, repo = envelope.issue, envelope.repo
    if payload_issue is None or repo is None:
        raise PermanentError(f"{job.delivery.event}.{envelope.action}: no issue or repository")
    if payload_issue.pull_request is not None:
        return {"skipped": "a pull request, not an issue"}
    if envelope.action in GONE:
        return {"skipped": f"the issue was {envelope.action}"}
    installation = envelope.installation.id if envelope.installation else None
    sender = envelope.sender.login if envelope.sender else None
    comment = envelope.comment
    run: dict[str, Any] = {
        "commands": commands_in(job, sender or ""),
        "actor": sender,
        "source": "webhook",
        "comment_id": comment.id if comment is not None else None,
        # The worker already dropped the bot's own events: whatever is left is a person's.
        "activity_at": _when(job),
        "fresh_comments": job.delivery.event == "issue_comment" and envelope.action == "deleted",
    }
    issue = payload_issue.to_issue(repo)
    return evaluate_issue(services, installation, issue, delivery_id=job.delivery.id, **run)


def commands_in(job: Job, actor: str) -> list[Command | ParseError]:
    """The commands this event brings: a new issue's body, a new comment, an edit's new lines."""
    envelope = job.envelope
    if job.delivery.event == "issues" and envelope.action == "opened" and envelope.issue:
        return parse_commands(envelope.issue.body or "", actor)
    comment = envelope.comment
    if job.delivery.event != "issue_comment" or comment is None:
        return []
    if envelope.action == "created":
        return parse_commands(comment.body or "", actor)
    if envelope.action == "edited":
        before = ((envelope.changes or {}).get("body") or {}).get("from") or ""
        return new_commands(before, comment.body or "", actor)
    return []


def _when(job: Job) -> datetime:
    comment = job.envelope.comment
    if comment is not None and comment.updated_at is not None:
        return comment.updated_at
    issue = job.envelope.issue
    if issue is not None and issue.updated_at is not None:
        return issue.updated_at
    return datetime.now(UTC)
