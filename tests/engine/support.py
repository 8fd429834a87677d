"""Builders for pure snapshots: read a test as "an issue with these labels, on the board"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service.domain.models import BoardItem, Issue
from service.engine import Snapshot, load_rules
from service.engine.model import Ruleset

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def snap(
    *,
    board: dict[str, Any] | None = None,
    now: datetime = NOW,
    age: timedelta = timedelta(days=2),
    last_activity: timedelta | None = None,
    status_age: timedelta | None = None,
    notes: dict[str, str] | None = None,
    bot_comments: dict[str, str] | None = None,
    archived: bool = False,
    **issue: Any,
) -> Snapshot:
    """An issue created `age` ago; `board=None` means not on the board, `{}` on it, no fields
    (an `archived` item with `archived=True`)."""
    fields = {"repo": "acme/marketing", "number": 7, "node_id": "I_7", **issue}
    fields.setdefault("created_at", now - age)
    made = Issue(**fields)
    item = (
        None
        if board is None
        else BoardItem(id="PVTI_7", issue=made, fields=board, archived=archived)
    )
    return Snapshot(
        issue=made,
        item=item,
        now=now,
        last_human_activity=None if last_activity is None else now - last_activity,
        status_since=None if status_age is None else now - status_age,
        notes=notes or {},
        bot_comments=bot_comments or {},
    )


def default_rules() -> Ruleset:
    return load_rules("rules").unwrap()
