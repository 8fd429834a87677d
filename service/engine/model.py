"""The rule-file format (version 1) as pydantic models; the JSON Schema is made from them.

A rule file is YAML:

    version: 1
    board: {status_field: Status, estimate_field: Estimate, status_options: [Todo, Done]}
    owned_labels: {needs-triage: {color: fbca04, description: "Waiting for triage"}}
    labels: {"type: blog": {color: 0e8a16}}
    rules:
      - name: triage
        description: Every new item is triaged.
        when: {state: open, on_board: true}
        require: {status: {empty: false}}
        while_failing: {add_labels: [needs-triage]}

A condition is a mapping whose keys are tests (see `Condition`); all keys of one mapping must
hold. `all`, `any` and `not` combine conditions. Every model forbids unknown keys, so a typo
is an error with its file and line, not a silently ignored rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# A value a rule compares a board field with, or writes into one.
RuleValue = float | date | str

RULE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
COLOR_PATTERN = r"^[0-9a-fA-F]{6}$"


# Why GitHub says an issue was closed (REST `state_reason`, GraphQL `stateReason`).
CloseReason = Literal["completed", "not_planned", "duplicate"]
# Work closed for these reasons was not done: it is never Done nor counted as done.
NOT_DONE_REASONS: frozenset[str] = frozenset({"not_planned", "duplicate"})

# Work types are labels with this prefix (`type: blog`); commands and reports use it too.
TYPE_PREFIX = "type: "


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# -- building blocks ----------------------------------------------------------------------


class Compare(_Model):
    """Numeric comparison; every operator given must hold (`{ge: 1, le: 3}` is 1..3)."""

    eq: float | None = Field(default=None, description="equal to")
    ne: float | None = Field(default=None, description="not equal to")
    lt: float | None = Field(default=None, description="less than")
    le: float | None = Field(default=None, description="at most")
    gt: float | None = Field(default=None, description="more than")
    ge: float | None = Field(default=None, description="at least")


class NumberTest(Compare):
    """A number that may be absent: `empty: true` holds when there is none."""

    empty: bool | None = Field(default=None, description="true: no value; false: has a value")


class PrefixCount(Compare):
    """How many labels start with `prefix` (case-insensitive), e.g. exactly one `type: `."""

    prefix: str = Field(description="label prefix, e.g. `type: `")


class LabelsTest(_Model):
    has: list[str] | None = Field(default=None, description="has every one of these labels")
    any_of: list[str] | None = Field(default=None, description="has at least one of these")
    none_of: list[str] | None = Field(default=None, description="has none of these")
    count_prefix: PrefixCount | None = Field(
        default=None, description="count of labels with a prefix, compared"
    )

    @model_validator(mode="before")
    @classmethod
    def _one_label(cls, data: object) -> object:
        # `has: bug` reads naturally; store it as a list.
        if isinstance(data, dict) and isinstance(data.get("has"), str):
            return {**data, "has": [data["has"]]}
        return data


class StatusTest(_Model):
    """The board's Status (single-select); names match case-insensitively."""

    is_: str | None = Field(default=None, alias="is", description="Status is this option")
    one_of: list[str] | None = Field(default=None, description="Status is one of these")
    none_of: list[str] | None = Field(default=None, description="Status is none of these")
    empty: bool | None = Field(default=None, description="true: no Status; false: has one")


class FieldTest(_Model):
    """Any board field: number, date, text or single-select (text compares case-insensitively)."""

    empty: bool | None = Field(default=None, description="true: no value; false: has a value")
    eq: RuleValue | None = None
    ne: RuleValue | None = None
    lt: RuleValue | None = None
    le: RuleValue | None = None
    gt: RuleValue | None = None
    ge: RuleValue | None = None
    one_of: list[str] | None = Field(default=None, description="text/option is one of these")


class TasksTest(_Model):
    """Markdown task lists (`- [ ]` / `- [x]`) in the body."""

    all_done: bool | None = Field(default=None, description="every task is ticked")
    open: Compare | None = Field(default=None, description="count of unticked tasks")
    done: Compare | None = Field(default=None, description="count of ticked tasks")


class SubIssuesTest(_Model):
    """GitHub's sub-issues of the issue (its `sub_issues_summary`)."""

    all_done: bool | None = Field(
        default=None, description="true: it has sub-issues and GitHub counts all completed"
    )
    total: Compare | None = Field(default=None, description="count of sub-issues")
    done: Compare | None = Field(default=None, description="count of completed sub-issues")
    open: Compare | None = Field(default=None, description="count of sub-issues not completed")


class IssueTypeTest(_Model):
    """GitHub's issue type (organizations' native types); names match case-insensitively."""

    one_of: list[str] | None = Field(default=None, description="the type is one of these")
    empty: bool | None = Field(default=None, description="true: no issue type; false: has one")


class Duration(_Model):
    """A span of calendar time; the parts add up (`{days: 1, hours: 12}`)."""

    days: float = Field(default=0, ge=0)
    hours: float = Field(default=0, ge=0)
    minutes: float = Field(default=0, ge=0)

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def text(self) -> str:
        parts = [
            f"{value:g} {unit if value == 1 else unit + 's'}"
            for value, unit in ((self.days, "day"), (self.hours, "hour"), (self.minutes, "minute"))
            if value
        ]
        return " ".join(parts) or "0 minutes"


# -- conditions ---------------------------------------------------------------------------


class Condition(_Model):
    """Tests of one issue; every key given must hold. `{}` always holds."""

    all_: list[Condition] | None = Field(default=None, alias="all", description="all hold")
    any_: list[Condition] | None = Field(default=None, alias="any", description="one holds")
    not_: Condition | None = Field(default=None, alias="not", description="does not hold")

    state: Literal["open", "closed"] | None = Field(default=None, description="issue state")
    state_reason: list[CloseReason] | None = Field(
        default=None,
        description="why a closed issue was closed: one of these (a closed issue that gives "
        "no reason was completed, GitHub's default)",
    )
    repo: list[str] | None = Field(default=None, description="issue is in one of these repos")
    labels: LabelsTest | None = Field(
        default=None,
        description="labels; GitHub's issue type counts as a `type: <name>` label",
    )
    issue_type: IssueTypeTest | None = Field(
        default=None, description="GitHub's issue type (organizations that use issue types)"
    )
    sub_issues: SubIssuesTest | None = Field(
        default=None, description="progress of GitHub's sub-issues"
    )
    blocked_by: Compare | None = Field(
        default=None, description="number of open issues this one is blocked by (dependencies)"
    )
    archived: bool | None = Field(
        default=None, description="the board item is (not) archived; false when not on the board"
    )
    assignees: Compare | None = Field(default=None, description="number of assignees")
    author_association: list[str] | None = Field(
        default=None, description="author association is one of (OWNER, MEMBER, CONTRIBUTOR...)"
    )
    on_board: bool | None = Field(default=None, description="the issue is (not) on the board")
    status: StatusTest | None = None
    estimate: NumberTest | None = Field(
        default=None,
        description="estimate in hours: board Estimate, else `Estimate: 3h` or `### Estimate`",
    )
    fields: dict[str, FieldTest] | None = Field(default=None, description="board fields by name")
    sections: list[str] | None = Field(
        default=None, description="body sections (markdown or issue-form headings) filled in"
    )
    tasks: TasksTest | None = None
    body_line: str | None = Field(
        default=None, description="the body has a `Key: value` line with a value, e.g. Blocked by"
    )
    note: str | None = Field(
        default=None, description="a note recorded by a command is set (e.g. blocked_reason)"
    )
    idle_for: Duration | None = Field(
        default=None, description="no activity by a person for at least this long"
    )
    active_within: Duration | None = Field(
        default=None, description="activity by a person within this span"
    )
    in_status_for: Duration | None = Field(
        default=None, description="the current Status was set at least this long ago"
    )

    message: str | None = Field(
        default=None, description="text shown when this condition fails, instead of the generated"
    )
    fix: str | None = Field(default=None, description="how to fix it, shown with the message")


# -- actions and comments -----------------------------------------------------------------


def _one_line(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line")
    return value


def _heading(value: str) -> str:
    """A section is named by its heading's text (`Target date` for `### Target date`)."""
    value = _one_line(value)
    if value.startswith("#"):
        raise ValueError(f"write the heading's text without the `#` marks: {value.lstrip('# ')!r}")
    return value


class FieldFromSection(_Model):
    """Fill an empty board field with the answer of a body section (e.g. an issue form's).

    The answer is read by the field's type on the board: a date as YYYY-MM-DD, a number
    (hours, `3h` or `2d`, for the estimate field), a single-select option by name, or text.
    A field that has a value is left alone, so a person's later change on the board wins.
    """

    field: str = Field(min_length=1, description="the board field to fill while it is empty")
    section: str = Field(min_length=1, description="the body section (heading) to read")

    @field_validator("field")
    @classmethod
    def _field_name(cls, value: str) -> str:
        return _one_line(value)

    @field_validator("section")
    @classmethod
    def _section_name(cls, value: str) -> str:
        return _heading(value)


class LabelFromSection(_Model):
    """Add the label `prefix` + the answer of a body section, e.g. `type: ` + `blog`.

    Only labels the ruleset declares (`labels`, `owned_labels`) are added, and only while the
    issue has no label with the prefix, so a person's later choice of label wins.
    """

    section: str = Field(min_length=1, description="the body section (heading) to read")
    prefix: str = Field(min_length=1, description="the label is this prefix + the answer")

    @field_validator("section")
    @classmethod
    def _section_name(cls, value: str) -> str:
        return _heading(value)


class Actions(_Model):
    add_labels: list[str] = Field(default_factory=list)
    remove_labels: list[str] = Field(
        default_factory=list, description="only labels listed in owned_labels"
    )
    add_to_board: bool = Field(default=False, description="add the issue to the board (no Status)")
    archive_item: bool = Field(
        default=False,
        description="archive the issue's board item: it leaves the board's views and reports",
    )
    unarchive_item: bool = Field(
        default=False,
        description="restore the issue's archived board item into the board's views and "
        "reports, with the values it was archived with",
    )
    set_fields: dict[str, RuleValue] = Field(
        default_factory=dict, description="board field -> value (single-select by option name)"
    )
    clear_fields: list[str] = Field(default_factory=list)
    assign: list[str] = Field(default_factory=list, description="logins to add as assignees")
    fill_field_from_section: FieldFromSection | None = Field(
        default=None, description="fill an empty board field with a section's answer"
    )
    add_label_from_section: LabelFromSection | None = Field(
        default=None, description="add prefix + a section's answer as a label, if none has it"
    )

    @model_validator(mode="after")
    def _archive_or_restore(self) -> Actions:
        if self.archive_item and self.unarchive_item:
            raise ValueError("archive_item and unarchive_item contradict each other: keep one")
        return self


class CommentSpec(_Model):
    """The rule's one comment on an issue, edited in place (Jinja2 templates).

    Variables: `missing` (list of {text, fix}), `missing_list` (markdown bullets),
    `mentions` (`@a @b` when mention_assignees), `rule` (name, description), `issue`.
    """

    body: str | None = Field(default=None, description="template while the rule fails")
    mention_assignees: bool = False
    on_resolve: Literal["delete", "resolve"] = Field(
        default="delete", description="delete the comment, or edit it to resolved_body"
    )
    resolved_body: str | None = Field(default=None, description="template once the rule holds")


class Rule(_Model):
    name: str = Field(pattern=RULE_NAME_PATTERN, description="unique; also the comment's marker")
    description: str = Field(description="shown to users, e.g. in comments")
    when: Condition = Field(default_factory=Condition, description="which issues it applies to")
    require: Condition = Field(description="what those issues must satisfy")
    while_failing: Actions = Field(
        default_factory=Actions,
        description="done while a requirement is missing; its owned add_labels go once it holds",
    )
    once_holding: Actions = Field(default_factory=Actions, description="done once it holds")
    comment: CommentSpec | None = None
    grace_minutes: float = Field(
        default=0, ge=0, description="do nothing on issues younger than this"
    )


# -- the file -----------------------------------------------------------------------------


class LabelSpec(_Model):
    color: str = Field(default="ededed", pattern=COLOR_PATTERN, description="hex, no #")
    description: str = ""


# `ORG/NUMBER` of a Projects v2 board, as in its URL (`github.com/orgs/ORG/projects/NUMBER`).
PROJECT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*/[0-9]+$"


class BoardNames(_Model):
    """The board's field names; `board: ORG/NUMBER` alone names the board and keeps them."""

    project: str | None = Field(
        default=None,
        pattern=PROJECT_PATTERN,
        description="ORG/NUMBER: this repository is a tracker of that board and gives its rules",
    )
    status_field: str = "Status"
    estimate_field: str = "Estimate"
    target_field: str = Field(default="Target date", description="date field of deadlines")
    status_options: list[str] = Field(
        default_factory=list, description="known Status options; rules are checked against them"
    )
    # Which Status options mean what, for commands and reports (a team with other names
    # changes these, not code).
    done_status: str = Field(default="Done", description="the Status of finished work")
    in_progress_status: str = Field(
        default="In Progress", description="the Status of work under way; `/unblock` sets it"
    )
    blocked_status: str = Field(default="Blocked", description="the Status `/blocked` sets")

    @model_validator(mode="before")
    @classmethod
    def _project_only(cls, data: object) -> object:
        # `board: acme/7` is short for `board: {project: acme/7}`.
        return {"project": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        names = handler.resolve_ref_schema(handler(core_schema))
        short = {"type": "string", "pattern": PROJECT_PATTERN, "description": "ORG/NUMBER"}
        return {"anyOf": [short, names]}


class ReportNames(_Model):
    """What the reports look for in the rules' own vocabulary."""

    stale_label: str = Field(default="stale", description="the label of items gone quiet")
    tracked_rule: str = Field(
        default="tracked-task",
        description="the rule whose failures the digest lists as items not tracked properly",
    )
    highlight_label: str = Field(
        default="highlight", description="the label that puts an issue in the digest's Highlights"
    )
    launch_type: str = Field(
        default="launch",
        description="the work type (issue type or `type: ` label) the digest shows as a launch",
    )


class Ruleset(_Model):
    """A complete ruleset: the default folder merged, possibly with a repository's overrides."""

    version: Literal[1] = Field(description="format version; this is version 1")
    board: BoardNames = Field(default_factory=BoardNames)
    reports: ReportNames = Field(default_factory=ReportNames)
    owned_labels: dict[str, LabelSpec] = Field(
        default_factory=dict, description="labels the bot creates and may remove"
    )
    labels: dict[str, LabelSpec] = Field(
        default_factory=dict, description="labels the bot creates but never removes (work types)"
    )
    rules: list[Rule] = Field(default_factory=list)

    def owns(self, label: str) -> bool:
        wanted = label.casefold()
        return any(name.casefold() == wanted for name in self.owned_labels)

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


class Target(_Model):
    """ "At least N done items with label L per week or month" (`targets.yml`, a board's file)."""

    name: str = Field(description="shown in the report", max_length=100)
    label: str = Field(description="items done with this label count")
    at_least: int = Field(ge=1)
    per: Literal["week", "month"]


class BoardSchedules(_Model):
    """When the board's jobs run (cron, read in the board's time zone); unset: the settings'."""

    digest: str | None = Field(default=None, description="weekly digest, e.g. `0 8 * * 1`")
    monthly: str | None = Field(default=None, description="monthly review, e.g. `0 8 1-7 * 4`")
    reconcile: str | None = Field(default=None, description="sweep of the board, e.g. `0 * * * *`")

    @field_validator("digest", "monthly", "reconcile")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron schedule (e.g. `0 8 * * 1`, Monday 08:00)")
        return value


class RuleFile(Ruleset):
    """One YAML file; a repository's `.github/boardwatch.yml` may also `disable` default rules,
    and, with `board: ORG/NUMBER`, give that board's time zone and schedules."""

    disable: list[str] = Field(default_factory=list, description="names of rules to switch off")
    timezone: str | None = Field(
        default=None, description="IANA time zone of the board's schedules, e.g. Europe/Berlin"
    )
    schedules: BoardSchedules = Field(default_factory=BoardSchedules)
    targets: list[Target] | None = Field(
        default=None, description="the board's targets, replacing the rules folder's targets.yml"
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin or UTC"
            ) from None
        return value

    @model_validator(mode="after")
    def _board_settings_need_a_board(self) -> RuleFile:
        given = self.model_fields_set
        if ({"timezone", "schedules", "targets"} & given) and self.board.project is None:
            raise ValueError(
                "timezone, schedules and targets belong to a board: "
                "add `board: ORG/NUMBER` to this file"
            )
        return self
