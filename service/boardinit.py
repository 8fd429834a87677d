"""`boardwatch init`: make the tracker and the board ready for the ruleset (plan, then apply).

The plan is pure: from the ruleset, the labels the repository has and the board's fields,
what must be created. Applying it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from service.domain.models import Board, FieldType
from service.engine.model import Ruleset
from service.gateway.errors import GitHubError
from service.gateway.permissions import describe, need_of
from service.gateway.protocol import GitHubGateway

# What a person must do by hand: the API cannot see or change these.
MANUAL = [
    'Turn off the board\'s built-in workflow "Item added to project → set Status" '
    "(board ⋯ → Workflows): new requests must keep no Status until someone triages them.",
    "Install the GitHub App on the organization (or the tracker repository) if not done yet.",
]


class LabelToCreate(BaseModel):
    name: str
    color: str
    description: str


class FieldToCreate(BaseModel):
    name: str
    data_type: FieldType
    options: list[str] = Field(default_factory=list)


class InitPlan(BaseModel):
    labels_present: list[str] = Field(default_factory=list)
    labels_to_create: list[LabelToCreate] = Field(default_factory=list)
    fields_present: list[str] = Field(default_factory=list)
    fields_to_create: list[FieldToCreate] = Field(default_factory=list)
    status_options_missing: list[str] = Field(default_factory=list)
    status_options_after: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    manual: list[str] = Field(default_factory=lambda: list(MANUAL))

    @property
    def changes(self) -> int:
        return (
            len(self.labels_to_create)
            + len(self.fields_to_create)
            + (1 if self.status_options_missing else 0)
        )


def wanted_fields(ruleset: Ruleset) -> dict[str, FieldType]:
    names = ruleset.board
    return {
        names.status_field: "SINGLE_SELECT",
        names.estimate_field: "NUMBER",
        names.target_field: "DATE",
    }


def plan_init(
    ruleset: Ruleset,
    has_label: Callable[[str], bool],
    board: Board | None,
    *,
    status_in_use: bool = False,
) -> InitPlan:
    """What `init` would do. `has_label(name)` says whether the repository has a label.

    `status_in_use`: some item of the board has a Status. GitHub's API can only replace a
    single-select field's whole option list, and a replaced list may leave those items with
    no Status; missing options are then left to a person, who adds them in the board's UI.
    """
    plan = InitPlan()
    for name, spec in {**ruleset.owned_labels, **ruleset.labels}.items():
        if has_label(name):
            plan.labels_present.append(name)
        else:
            plan.labels_to_create.append(
                LabelToCreate(name=name, color=spec.color, description=spec.description)
            )
    if board is None:
        plan.problems.append("no board: set BOARDWATCH_PROJECT to ORG/NUMBER")
        return plan
    status_name = ruleset.board.status_field
    for name, data_type in wanted_fields(ruleset).items():
        found = board.field(name)
        if found is None:
            options = ruleset.board.status_options if name == status_name else []
            plan.fields_to_create.append(
                FieldToCreate(name=name, data_type=data_type, options=list(options))
            )
        elif found.data_type != data_type:
            plan.problems.append(
                f"board field {found.name!r} is {found.data_type.lower()}, the rules need "
                f"{data_type.lower()}: rename or delete it on the board, then run init again"
            )
        else:
            plan.fields_present.append(found.name)
            if name == status_name:
                have = [o.name for o in found.options]
                missing = [o for o in ruleset.board.status_options if found.option(o) is None]
                if missing and status_in_use:
                    plan.manual.append(
                        f"Add the {found.name} option(s) {', '.join(missing)} on the board "
                        f"({found.name} column ⋯ → Edit field). boardwatch does not: GitHub's "
                        "API replaces all options at once, which may clear the "
                        f"{found.name} of the items that have one."
                    )
                elif missing:
                    plan.status_options_missing = missing
                    plan.status_options_after = have + missing
    return plan


def status_values_exist(gateway: GitHubGateway, ruleset: Ruleset, board: Board) -> bool:
    """Whether an item of the board has a Status; read only when Status options are missing.

    Items are read a page (100) at a time and the reading stops at the first Status found.
    """
    found = board.field(ruleset.board.status_field)
    if found is None or all(found.option(o) for o in ruleset.board.status_options):
        return False
    name = found.name.casefold()
    return any(
        any(key.casefold() == name for key in item.fields) for item in gateway.list_items(board)
    )


def apply_init(
    plan: InitPlan, gateway: GitHubGateway, repo: str, board: Board | None, ruleset: Ruleset
) -> list[str]:
    """Carry out the plan; returns what was done, in words."""
    done = []
    for label in plan.labels_to_create:
        if gateway.ensure_label(repo, label.name, label.color, label.description):
            done.append(f"created label {label.name!r}")
    if board is not None:
        for wanted in plan.fields_to_create:
            gateway.create_field(board, wanted.name, wanted.data_type, wanted.options)
            done.append(f"created board field {wanted.name!r} ({wanted.data_type.lower()})")
        if plan.status_options_missing:
            gateway.set_single_select_options(
                board, ruleset.board.status_field, plan.status_options_after
            )
            done.append(f"added Status options {', '.join(plan.status_options_missing)}")
    return done


# How a fine-grained token's settings page names each App permission.
_TOKEN_NAMES = {
    "contents": "Contents",
    "pull_requests": "Pull requests",
    "issues": "Issues",
    "metadata": "Metadata",
    "organization_projects": "Projects (organization)",
}


def permission_problem(error: GitHubError) -> str | None:
    """One line naming the permission GitHub refused and where to grant it; None otherwise."""
    refused = error.status == 403 or "FORBIDDEN" in error.types
    need = need_of(error.operation)
    if not refused or need is None:
        return None
    level = "Read and write" if need[1] == "write" else "Read-only"
    return (
        f"GitHub refused {error.operation} ({error.github_message}): the credentials lack "
        f"{describe(need)}. For the GitHub App, add it in the App's settings (Permissions & "
        f"events), then accept the new permission on its installation; for a token, give it "
        f"{_TOKEN_NAMES.get(need[0], need[0])}: {level}. Then run init again."
    )
