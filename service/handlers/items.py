"""`projects_v2_item` events: a board changed; record Status history and re-evaluate.

The item's board must be one boardwatch serves; its issue then gets the rules of every
served board it is on (and of the boards its repository tracks), whatever its repository.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.handlers.boards import names_unknown_field
from service.handlers.context import (
    not_served,
    placements,
    record,
    resolve_boards,
    run_on_boards,
)
from service.services import Services
from service.store import board_versions
from service.worker import Job, PermanentError


def on_item_event(services: Services, job: Job) -> dict[str, Any]:
    envelope = job.envelope
    item_ref = envelope.projects_v2_item
    if item_ref is None:
        raise PermanentError("projects_v2_item event without projects_v2_item")
    if item_ref.content_type not in (None, "Issue"):
        return {"skipped": f"a {item_ref.content_type}, not an issue"}
    installation = envelope.installation.id if envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    boards = resolve_boards(services, gateway, installation)
    if not boards:
        return {"skipped": "no board configured (BOARDWATCH_PROJECT, or `board:` in a tracker)"}
    if item_ref.project_node_id and all(b.id != item_ref.project_node_id for _, b in boards):
        return {"skipped": "an item of another board"}
    if envelope.action == "deleted":
        return {"skipped": "the item was removed from the board"}
    config, board = next(((c, b) for c, b in boards if b.id == item_ref.project_node_id), boards[0])
    if names_unknown_field(board, envelope.changes):
        # A field or option added since the fields were read: every process reads them again.
        board_versions.bump(services.store.engine, config.project)
        boards = resolve_boards(services, gateway, installation)
        board = gateway.get_board(config.project)
    if item_ref.content_node_id:
        # One read gives the item and the issue's items on every other board.
        items = gateway.list_issue_items(item_ref.content_node_id)
        item = next((i for i in items if i.id == item_ref.node_id), None)
    else:
        item = gateway.get_item_by_id(board, item_ref.node_id)
        items = [item] if item is not None else []
    if item is None or item.issue is None:
        return {"skipped": "the item is gone or is not an issue"}
    issue = item.issue
    found = placements(boards, issue, items)
    if not found:
        return not_served(issue.repo)
    sender = envelope.sender.login if envelope.sender else None
    now = datetime.now(UTC)
    outcomes = run_on_boards(
        services,
        installation,
        issue,
        found,
        delivery_id=job.delivery.id,
        now=now,
        actor=sender,
        source="webhook",
        activity_at=now if envelope.action == "edited" else None,
    )
    return record(outcomes)
