"""`projects_v2` events, and item events that show a board's fields changed.

GitHub sends no event when a board's fields or single-select options change. A
`projects_v2` event (the board edited, closed, reopened, ...) and a `projects_v2_item` edit
naming a field or option the cached definitions do not have are the signals there are; each
bumps the board's version in the store, and every process reads the fields again on its next
use of the board. Without any signal, the fields expire after BOARDWATCH_BOARD_FIELDS_TTL.
"""

from __future__ import annotations

from typing import Any

from service.domain.models import Board
from service.services import Services
from service.store import board_versions
from service.worker import Job, PermanentError


def on_board_event(services: Services, job: Job) -> dict[str, Any]:
    board = job.envelope.projects_v2
    if board is None:
        raise PermanentError("projects_v2 event without projects_v2")
    ref = f"{board.owner.login}/{board.number}"
    board_versions.bump(services.store.engine, ref)
    return {"board": ref, "fields": "read again on next use"}


def names_unknown_field(board: Board, changes: dict[str, Any] | None) -> bool:
    """Whether an item edit names a field, or a single-select option, `board` lacks."""
    change = (changes or {}).get("field_value")
    if not isinstance(change, dict):
        return False
    field_id = change.get("field_node_id")
    if not isinstance(field_id, str):
        return False
    known = next((f for f in board.fields if f.id == field_id), None)
    if known is None:
        return True
    chosen = change.get("to")
    option = chosen.get("id") if isinstance(chosen, dict) else None
    return (
        known.data_type == "SINGLE_SELECT"
        and isinstance(option, str)
        and all(o.id != option for o in known.options)
    )
