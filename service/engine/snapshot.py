"""`Snapshot`: everything the rules may look at for one issue, read once, frozen.

The worker builds it from the webhook payload and one GraphQL read of the board item:

    Snapshot(issue=issue, item=item_or_None, now=utcnow,
             last_human_activity=..., status_since=...,
             notes={"blocked_reason": "..."}, bot_comments={"estimate": "...body..."})

`last_human_activity` must ignore the bot's own events (labels, fields, comments it made),
or a rule about inactivity would be reset by the bot's reminder. None means unknown: the
issue's creation time is used instead.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from service.domain.models import BoardField, BoardItem, FieldValue, Issue
from service.durations import parse_hours
from service.engine.body import body_estimate


class Snapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    issue: Issue
    item: BoardItem | None = Field(default=None, description="None: not on the board")
    now: datetime
    last_human_activity: datetime | None = None
    status_since: datetime | None = None
    notes: dict[str, str] = Field(default_factory=dict)
    # Rule name -> current body of the bot's comment for it (marker line may be included).
    bot_comments: dict[str, str] = Field(default_factory=dict)
    # The board's fields (types, options), so an answer copied into one is read by its type;
    # empty when unknown.
    board_fields: tuple[BoardField, ...] = ()

    @property
    def on_board(self) -> bool:
        return self.item is not None

    def field(self, name: str) -> FieldValue | None:
        """A board field's value by name (case-insensitive); None when empty or not on board."""
        return self.item.value(name) if self.item is not None else None

    def has_label(self, label: str) -> bool:
        wanted = label.casefold()
        return any(have.casefold() == wanted for have in self.issue.labels)

    def estimate_hours(self, field_name: str = "Estimate") -> float | None:
        """The board's estimate field, else an estimate written in the body."""
        value = self.field(field_name)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str) and (hours := parse_hours(value)) is not None:
            return hours
        return body_estimate(self.issue.body, field_name)

    def last_activity(self) -> datetime | None:
        return self.last_human_activity or self.issue.created_at
