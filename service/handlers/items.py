"""`projects_v2_item` events: the board changed; record Status history and re-evaluate."""

from __future__ import annotations

from typing import Any

from service.handlers.boards import names_unknown_field
from service.handlers.context import is_tracker, pipeline_for
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
    if services.settings.project is None:
        return {"skipped": "no board configured (BOARDWATCH_PROJECT)"}
    installation = envelope.installation.id if envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    board = gateway.get_board(services.settings.project)
    if item_ref.project_node_id and item_ref.project_node_id != board.id:
        return {"skipped": "an item of another board"}
    if envelope.action == "deleted":
        return {"skipped": "the item was removed from the board"}
    if names_unknown_field(board, envelope.changes):
        # A field or option added since the fields were read: every process reads them again.
        board_versions.bump(services.store.engine, services.settings.project)
        board = gateway.get_board(services.settings.project)
    item = gateway.get_item_by_id(board, item_ref.node_id)
    if item is None or item.issue is None:
        return {"skipped": "the item is gone or is not an issue"}
    issue = item.issue
    if not is_tracker(services, issue.repo):
        return {"skipped": f"{issue.repo} is not the tracker"}
    sender = envelope.sender.login if envelope.sender else None
    pipeline = pipeline_for(services, installation, issue.repo, delivery_id=job.delivery.id)
    outcome = pipeline.run(
        issue,
        item,
        actor=sender,
        source="webhook",
        activity_at=pipeline.now if envelope.action == "edited" else None,
    )
    return outcome.record()
