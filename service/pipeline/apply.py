"""`apply(changes, gateway, board, issue) -> [record]`: send a plan through the GitHub gateway.

A thin adapter: every decision was made by `plan`. Each record is JSON-able
(`{"kind": "add_labels", "labels": [...], "result": [...]}`), for the delivery's outcome.
Dry-run passes a recording gateway; the records look the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.domain.models import Board, BoardItem, Issue
from service.engine.changes import (
    AddLabels,
    AddReaction,
    AddToBoard,
    ArchiveItem,
    Change,
    ClearField,
    DeleteComment,
    RemoveLabels,
    SetAssignees,
    SetField,
    UnarchiveItem,
    UpsertComment,
)
from service.gateway.protocol import GitHubGateway


def apply(
    changes: list[Change],
    gateway: GitHubGateway,
    board: Board | None,
    issue: Issue,
    *,
    item: BoardItem | None = None,
    comment_ids: Mapping[str, int] | None = None,
    comments_listed: bool = False,
) -> list[dict[str, Any]]:
    """Apply `changes` to `issue` (and its board `item`, when known); returns what was done.

    `comment_ids` are the bot's comments the caller remembers (key -> id): editing one of
    them is one request. `comments_listed`: the caller read every comment of the issue in
    this evaluation, so a key without an id has no comment yet (nothing is listed twice).
    """
    records: list[dict[str, Any]] = []
    known = comment_ids or {}
    for change in changes:
        record: dict[str, Any] = change.model_dump(mode="json")
        if isinstance(change, AddToBoard | ArchiveItem | UnarchiveItem | SetField | ClearField):
            if board is None or issue.node_id is None:
                record["error"] = "no board configured, or the issue has no node id"
                records.append(record)
                continue
            if item is None and isinstance(change, AddToBoard):
                item = gateway.add_item(board, issue.node_id)
            if item is None:
                record["error"] = "the issue is not on the board"
            elif isinstance(change, AddToBoard):
                record["result"] = item.id
            elif isinstance(change, ArchiveItem):
                gateway.archive_item(board, item.id)
            elif isinstance(change, UnarchiveItem):
                gateway.unarchive_item(board, item.id)
            else:
                value = change.value if isinstance(change, SetField) else None
                gateway.set_field(board, item.id, change.field, value)
        elif isinstance(change, AddLabels):
            record["result"] = gateway.add_labels(issue.repo, issue.number, change.labels)
        elif isinstance(change, RemoveLabels):
            record["result"] = gateway.remove_labels(issue.repo, issue.number, change.labels)
        elif isinstance(change, SetAssignees):
            gateway.set_assignees(issue.repo, issue.number, change.logins)
        elif isinstance(change, UpsertComment | DeleteComment):
            body = change.body if isinstance(change, UpsertComment) else None
            outcome = gateway.upsert_comment(
                issue.repo,
                issue.number,
                change.key,
                body,
                known_id=known.get(change.key),
                absent=comments_listed and change.key not in known,
            )
            record["result"] = outcome.model_dump(mode="json")
        elif isinstance(change, AddReaction):
            gateway.add_reaction(issue.repo, change.comment_id, change.content)
        records.append(record)
    return records
