"""The typed changes a plan is made of; each is JSON-able (`model_dump(mode="json")`).

`Change` is a discriminated union on `kind`, so a recorded plan can be read back with
`TypeAdapter(Change).validate_python(record)`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.domain.models import FieldValue


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True)


class AddToBoard(_Change):
    kind: Literal["add_to_board"] = "add_to_board"


class ArchiveItem(_Change):
    """Archive the issue's board item (GitHub keeps it, out of the board's views)."""

    kind: Literal["archive_item"] = "archive_item"


class UnarchiveItem(_Change):
    """Restore the issue's archived board item into the board's views, with its values."""

    kind: Literal["unarchive_item"] = "unarchive_item"


class SetField(_Change):
    kind: Literal["set_field"] = "set_field"
    field: str
    value: FieldValue


class ClearField(_Change):
    kind: Literal["clear_field"] = "clear_field"
    field: str


class AddLabels(_Change):
    kind: Literal["add_labels"] = "add_labels"
    labels: tuple[str, ...]


class RemoveLabels(_Change):
    kind: Literal["remove_labels"] = "remove_labels"
    labels: tuple[str, ...]


class SetAssignees(_Change):
    """The complete list of assignees after the change (GitHub replaces the set)."""

    kind: Literal["set_assignees"] = "set_assignees"
    logins: tuple[str, ...]


class UpsertComment(_Change):
    kind: Literal["upsert_comment"] = "upsert_comment"
    key: str
    body: str


class DeleteComment(_Change):
    kind: Literal["delete_comment"] = "delete_comment"
    key: str


# How the bot reacts to a commanding comment: 👍 when every command worked, 😕 otherwise.
Answer = Literal["+1", "confused"]


class AddReaction(_Change):
    kind: Literal["add_reaction"] = "add_reaction"
    comment_id: int
    content: Answer


Change = Annotated[
    AddToBoard
    | ArchiveItem
    | UnarchiveItem
    | SetField
    | ClearField
    | AddLabels
    | RemoveLabels
    | SetAssignees
    | UpsertComment
    | DeleteComment
    | AddReaction,
    Field(discriminator="kind"),
]
