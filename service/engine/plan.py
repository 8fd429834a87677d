"""`plan(current, desired) -> [Change]`: only the difference (pure); `simulate` applies it.

A snapshot that already satisfies `desired` plans `[]`, so the worker makes no API call.
`simulate(snapshot, changes)` is what GitHub would look like afterwards; it gives dry-run
previews, lets `evaluate` follow rules that enable other rules, and tests convergence.
Order matters: the board item must exist before its fields are set.
"""

from __future__ import annotations

from datetime import date

from service.domain.markers import without_markers
from service.domain.models import BoardItem, FieldValue
from service.engine.changes import (
    AddLabels,
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
from service.engine.desired import Desired
from service.engine.snapshot import Snapshot

# Item id used in simulations for an item the plan would add.
SIMULATED_ITEM_ID = "(to be added)"


def comment_text(body: str) -> str:
    """A comment body without the gateway's marker, for comparison."""
    return without_markers(body)


def same_value(have: FieldValue | None, want: FieldValue | None) -> bool:
    if have is None or want is None:
        return have is want
    if isinstance(have, str) and isinstance(want, str):
        return have.strip().casefold() == want.strip().casefold()
    if isinstance(have, date) or isinstance(want, date):
        return have == want
    if isinstance(have, str) != isinstance(want, str):
        return str(have).strip() == str(want).strip()
    return float(have) == float(want)


def plan(current: Snapshot, desired: Desired) -> list[Change]:
    """The changes that turn `current` into what `desired` asks for, and nothing else."""
    changes: list[Change] = []
    on_board = current.on_board
    if desired.on_board and not on_board:
        changes.append(AddToBoard())
        on_board = True
    if on_board:  # fields exist only on a board item
        archived = current.item is not None and current.item.archived
        # Before the fields: should a field change fail, the item is back in the views anyway.
        if desired.archived is False and archived:
            changes.append(UnarchiveItem())
        for name, value in desired.fields.items():
            have = current.field(name)
            if value is None:
                if have is not None:
                    changes.append(ClearField(field=name))
            elif not same_value(have, value):
                changes.append(SetField(field=name, value=value))
        # After the fields: an archived item keeps the values it was archived with.
        if desired.archived and not archived:
            changes.append(ArchiveItem())

    add = [name for name, want in desired.labels.items() if want and not current.has_label(name)]
    if add:
        changes.append(AddLabels(labels=tuple(add)))
    unwanted = {name.casefold() for name, want in desired.labels.items() if not want}
    remove = [have for have in current.issue.labels if have.casefold() in unwanted]
    if remove:
        changes.append(RemoveLabels(labels=tuple(dict.fromkeys(remove))))

    gone = {login.casefold() for login in desired.unassigned}
    kept = [login for login in current.issue.assignees if login.casefold() not in gone]
    assigned = {login.casefold() for login in kept}
    extra = [login for login in desired.assignees if login.casefold() not in assigned]
    if extra or len(kept) != len(current.issue.assignees):
        changes.append(SetAssignees(logins=(*kept, *extra)))

    for key, body in desired.comments.items():
        have_body = current.bot_comments.get(key)
        if body is None:
            if have_body is not None:
                changes.append(DeleteComment(key=key))
        elif have_body is None or comment_text(have_body) != comment_text(body):
            changes.append(UpsertComment(key=key, body=body))
    return changes


def simulate(
    snapshot: Snapshot, changes: list[Change], *, status_field: str = "Status"
) -> Snapshot:
    """`snapshot` as it would be once `changes` are applied (the bot's changes are no activity)."""
    issue, item = snapshot.issue, snapshot.item
    status_since = snapshot.status_since
    comments = dict(snapshot.bot_comments)
    for change in changes:
        if isinstance(change, AddToBoard):
            if item is None:
                item = BoardItem(id=SIMULATED_ITEM_ID, issue=issue)
        elif isinstance(change, ArchiveItem) and item is not None:
            item = item.model_copy(update={"archived": True})
        elif isinstance(change, UnarchiveItem) and item is not None:
            item = item.model_copy(update={"archived": False})
        elif isinstance(change, SetField | ClearField) and item is not None:
            value = change.value if isinstance(change, SetField) else None
            fields = {
                k: v for k, v in item.fields.items() if k.casefold() != change.field.casefold()
            }
            if value is not None:
                fields[change.field] = value
            if change.field.casefold() == status_field.casefold():
                status_since = snapshot.now
            item = item.model_copy(update={"fields": fields})
        elif isinstance(change, AddLabels):
            issue = issue.model_copy(update={"labels": (*issue.labels, *change.labels)})
        elif isinstance(change, RemoveLabels):
            gone = {label.casefold() for label in change.labels}
            kept = tuple(label for label in issue.labels if label.casefold() not in gone)
            issue = issue.model_copy(update={"labels": kept})
        elif isinstance(change, SetAssignees):
            issue = issue.model_copy(update={"assignees": change.logins})
        elif isinstance(change, UpsertComment):
            comments[change.key] = change.body
        elif isinstance(change, DeleteComment):
            comments.pop(change.key, None)
    if item is not None:
        item = item.model_copy(update={"issue": issue})
    return snapshot.model_copy(
        update={
            "issue": issue,
            "item": item,
            "status_since": status_since,
            "bot_comments": comments,
        }
    )
