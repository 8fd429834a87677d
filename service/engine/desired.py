"""`Desired` and `RuleResult`: what `evaluate` says, and what `plan` compares with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.engine.conditions import Missing
from service.gateway.models import FieldValue

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
    fields: dict[str, FieldValue | None] = Field(
        default_factory=dict, description="field -> value; None clears"
    )
    assignees: tuple[str, ...] = Field(default=(), description="logins that must be assigned")
    comments: dict[str, str | None] = Field(
        default_factory=dict, description="rule name -> body; None: no comment"
    )
    converged: bool = Field(default=True, description="False when rules kept changing")

    def result(self, name: str) -> RuleResult | None:
        return next((r for r in self.results if r.name == name), None)
