"""`Desired` and `RuleResult`: what `evaluate` says, and what `plan` compares with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.domain.models import FieldValue
from service.engine.conditions import Missing

RuleStatus = Literal["not_applicable", "grace", "holds", "failing"]


class RuleResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    status: RuleStatus
    missing: tuple[Missing, ...] = ()
    # Why the rule could not do all it says (e.g. its comment template went over budget).
    error: str | None = None

    @property
    def failing(self) -> bool:
        return self.status == "failing"


class Desired(BaseModel):
    """The state the rules want. Absent keys mean "no opinion"; it is not a full state."""

    model_config = ConfigDict(frozen=True)

    results: tuple[RuleResult, ...] = Field(description="per rule, on the snapshot as it is")
    labels: dict[str, bool] = Field(default_factory=dict, description="label -> present?")
    on_board: bool | None = None
    archived: bool | None = Field(
        default=None, description="True: the board item is archived; False: it is not"
    )
    fields: dict[str, FieldValue | None] = Field(
        default_factory=dict, description="field -> value; None clears"
    )
    assignees: tuple[str, ...] = Field(default=(), description="logins that must be assigned")
    unassigned: tuple[str, ...] = Field(
        default=(), description="logins that must not be assigned (only a person asks this)"
    )
    comments: dict[str, str | None] = Field(
        default_factory=dict, description="rule name -> body; None: no comment"
    )
    converged: bool = Field(default=True, description="False when rules kept changing")

    def result(self, name: str) -> RuleResult | None:
        return next((r for r in self.results if r.name == name), None)


def overrule(rules: Desired, person: Desired) -> Desired:
    """What the rules want, except where a person's command asked otherwise (pure).

    A command names a value on purpose, so it wins over a rule's want for the same label,
    field or assignee; everything else the rules want stays.
    """
    if person == Desired(results=()):
        return rules
    gone = {login.casefold() for login in person.unassigned}
    assignees = [a for a in rules.assignees if a.casefold() not in gone]
    have = {a.casefold() for a in assignees}
    assignees += [a for a in person.assignees if a.casefold() not in have]
    labels = {k: v for k, v in rules.labels.items() if k.casefold() not in _keys(person.labels)}
    fields = {k: v for k, v in rules.fields.items() if k.casefold() not in _keys(person.fields)}
    return rules.model_copy(
        update={
            "labels": {**labels, **person.labels},
            "on_board": True if (rules.on_board or person.on_board) else rules.on_board,
            "fields": {**fields, **person.fields},
            "assignees": tuple(assignees),
            "unassigned": person.unassigned,
        }
    )


def _keys(named: Iterable[str]) -> set[str]:
    return {name.casefold() for name in named}
