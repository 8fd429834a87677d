"""`evaluate(ruleset, snapshot) -> Desired`: what every rule says about one issue (pure).

A rule whose `when` holds *applies*; it *holds* when its `require` holds, else it is
*failing*, and while the issue is younger than `grace_minutes` it is in *grace* (the rule
neither adds nor removes anything). Labels a failing rule adds are wanted absent once it
no longer fails, if the bot owns them; a label wanted present by any failing rule wins.

Rules can depend on each other (adding an issue to the board makes the triage rule apply),
so `evaluate` repeats on the simulated result until nothing changes: the `Desired` it
returns is the end state, and `plan(snapshot, desired)` reaches it in one step. Its
`results` describe the issue as it is now. Rules that fight (one adds a label another
removes) give `converged=False` and only the first pass's wants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.domain.models import FieldValue, Issue, SubIssues
from service.engine.changes import Change, DeleteComment, UpsertComment
from service.engine.conditions import Missing, holds, missing
from service.engine.desired import Desired, RuleResult
from service.engine.from_sections import fill_field, pick_label
from service.engine.from_sections import problems as answer_problems
from service.engine.model import Actions, Rule, Ruleset
from service.engine.plan import plan, simulate
from service.engine.snapshot import Snapshot
from service.engine.templates import TemplateFailure, render, static_problem

MAX_ROUNDS = 5

DEFAULT_BODY = """{% if mentions %}{{ mentions }} {% endif %}**{{ rule.description }}**

Still missing:
{{ missing_list }}

_boardwatch keeps this comment up to date while the issue changes._"""

DEFAULT_RESOLVED = "✅ **{{ rule.description }}** — all set, thank you!"


def render_missing(items: tuple[Missing, ...]) -> str:
    return "\n".join(f"- {m.text}" + (f" — {m.fix}" if m.fix else "") for m in items)


def comment_variables(rule: Rule, snapshot: Snapshot, result: RuleResult) -> dict[str, Any]:
    """What a comment template may use; the loader checks templates against a sample of it."""
    mentions = ""
    if rule.comment is not None and rule.comment.mention_assignees:
        mentions = " ".join(f"@{login}" for login in snapshot.issue.assignees)
    return {
        "rule": {"name": rule.name, "description": rule.description},
        "issue": snapshot.issue.model_dump(),
        "missing": [m.model_dump() for m in result.missing],
        "missing_list": render_missing(result.missing),
        "mentions": mentions,
    }


def render_comment(source: str, rule: Rule, snapshot: Snapshot, result: RuleResult) -> str:
    """The comment's text; TemplateFailure when the template fails or goes over its budget."""
    return render(source, comment_variables(rule, snapshot, result)).strip()


_SAMPLE_TIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
# An issue with every field set, so that a template is tried on every variable it may use.
_SAMPLE = Snapshot(
    issue=Issue(
        repo="octo-org/tracker",
        number=1,
        node_id="I_sample",
        title="Sample issue",
        body="### Details\n\nA sample body.\n\n- [ ] a task",
        state_reason="completed",
        labels=("type: blog",),
        assignees=("octocat",),
        author="octocat",
        author_association="MEMBER",
        created_at=_SAMPLE_TIME,
        updated_at=_SAMPLE_TIME,
        closed_at=_SAMPLE_TIME,
        url="https://github.com/octo-org/tracker/issues/1",
        comments=1,
        issue_type="Task",
        sub_issues=SubIssues(total=6, completed=3),
        blocked_by_open=1,
    ),
    now=_SAMPLE_TIME,
)


def template_error(source: str, rule: Rule, *, resolved: bool = False) -> TemplateFailure | None:
    """Why `source` cannot be `rule`'s comment, tried on a sample issue as it will be used:
    `body` while the rule fails (something is missing), `resolved_body` once it holds."""
    result = (
        RuleResult(name=rule.name, status="holds")
        if resolved
        else RuleResult(
            name=rule.name,
            status="failing",
            missing=(Missing(text="a sample requirement", fix="how to fix it"),),
        )
    )
    variables = comment_variables(rule, _SAMPLE, result)
    problem = static_problem(source, variables)
    if problem is not None:
        return problem
    try:
        render_comment(source, rule, _SAMPLE, result)
    except TemplateFailure as failure:
        return failure
    return None


def judge(rule: Rule, ruleset: Ruleset, snapshot: Snapshot) -> RuleResult:
    """Whether one rule applies, is in grace, holds or fails, and what is missing."""
    if not holds(rule.when, snapshot, ruleset.board):
        return RuleResult(name=rule.name, status="not_applicable")
    created = snapshot.issue.created_at
    age = (snapshot.now - created).total_seconds() if created is not None else None
    if age is not None and age < rule.grace_minutes * 60:
        return RuleResult(name=rule.name, status="grace")
    gaps = tuple(missing(rule.require, snapshot, ruleset.board))
    # A form answer the actions that would run cannot read fails the rule, saying why.
    gaps += answer_problems(rule.while_failing if gaps else rule.once_holding, snapshot, ruleset)
    return RuleResult(name=rule.name, status="failing" if gaps else "holds", missing=gaps)


class _Wants:
    """Accumulates what the rules want, resolving conflicts in one place."""

    def __init__(self) -> None:
        self.add: dict[str, str] = {}  # casefold -> name
        self.remove: dict[str, str] = {}
        self.on_board: bool | None = None
        self.archived: bool | None = None
        self.fields: dict[str, FieldValue | None] = {}
        self.assignees: dict[str, str] = {}
        self.comments: dict[str, str | None] = {}

    def labels(self) -> dict[str, bool]:
        # A label some failing rule wants wins over another rule's "remove".
        out = {name: True for name in self.add.values()}
        out.update({name: False for key, name in self.remove.items() if key not in self.add})
        return out


def _apply_actions(wants: _Wants, actions: Actions, ruleset: Ruleset, snapshot: Snapshot) -> None:
    for label in actions.add_labels:
        wants.add.setdefault(label.casefold(), label)
    for label in actions.remove_labels:
        if ruleset.owns(label):  # the loader refuses others; belt and braces
            wants.remove.setdefault(label.casefold(), label)
    if actions.add_to_board:
        wants.on_board = True
    # Like a field, the item's archived state is the first rule's to say.
    if actions.archive_item and wants.archived is None:
        wants.archived = True
    if actions.unarchive_item and wants.archived is None:
        wants.archived = False
    for name, value in actions.set_fields.items():
        wants.fields.setdefault(name, value)  # the first rule to set a field wins
    for name in actions.clear_fields:
        wants.fields.setdefault(name, None)
    for login in actions.assign:
        wants.assignees.setdefault(login.casefold(), login)
    if actions.fill_field_from_section is not None:
        fill = fill_field(actions.fill_field_from_section, snapshot, ruleset.board)
        if fill.value is not None:
            wants.fields.setdefault(actions.fill_field_from_section.field, fill.value)
    if actions.add_label_from_section is not None:
        pick = pick_label(actions.add_label_from_section, snapshot, ruleset)
        if pick.label is not None:
            wants.add.setdefault(pick.label.casefold(), pick.label)


def evaluate_once(ruleset: Ruleset, snapshot: Snapshot) -> Desired:
    """One pass of every rule over `snapshot`, without following their consequences."""
    wants = _Wants()
    results = []
    for rule in ruleset.rules:
        result = judge(rule, ruleset, snapshot)
        results.append(result)
        if result.status == "grace":
            continue
        if result.failing:
            _apply_actions(wants, rule.while_failing, ruleset, snapshot)
        else:
            for label in rule.while_failing.add_labels:
                if ruleset.owns(label):
                    wants.remove.setdefault(label.casefold(), label)
            if result.status == "holds":
                _apply_actions(wants, rule.once_holding, ruleset, snapshot)
        if rule.comment is not None:
            try:
                wants.comments[rule.name] = _comment(rule, snapshot, result)
            except TemplateFailure as failure:
                # The comment stays as it is (no opinion); the outcome shows the error.
                results[-1] = result.model_copy(update={"error": f"comment: {failure}"})
    return Desired(
        results=tuple(results),
        labels=wants.labels(),
        on_board=wants.on_board,
        archived=wants.archived,
        fields=wants.fields,
        assignees=tuple(wants.assignees.values()),
        comments=wants.comments,
    )


def _comment(rule: Rule, snapshot: Snapshot, result: RuleResult) -> str | None:
    spec = rule.comment
    assert spec is not None
    if result.failing:
        return render_comment(spec.body or DEFAULT_BODY, rule, snapshot, result)
    # Resolve only a comment that exists: a rule that always held never comments.
    if spec.on_resolve == "resolve" and rule.name in snapshot.bot_comments:
        return render_comment(spec.resolved_body or DEFAULT_RESOLVED, rule, snapshot, result)
    return None


def _merge(first: Desired, later: Desired) -> Desired:
    """`later` was evaluated on the state `first` leads to; keep the wants of both."""
    fields = {**first.fields, **later.fields}
    assignees = dict.fromkeys(first.assignees + later.assignees)
    return Desired(
        results=first.results,
        labels={**first.labels, **later.labels},
        on_board=True if (first.on_board or later.on_board) else None,
        archived=first.archived if first.archived is not None else later.archived,
        fields=fields,
        assignees=tuple(assignees),
        comments={**first.comments, **later.comments},
    )


def evaluate(ruleset: Ruleset, snapshot: Snapshot) -> Desired:
    """What the rules want for this issue, following rules that enable other rules."""
    first = desired = evaluate_once(ruleset, snapshot)
    state = snapshot
    for _ in range(MAX_ROUNDS):
        # Comments are left out of the simulation: no rule reads them, and a rule that fails
        # now but holds once another rule's change is made must not "resolve" a comment it
        # never posted.
        changes: list[Change] = [
            c for c in plan(state, desired) if not isinstance(c, UpsertComment | DeleteComment)
        ]
        if not changes:
            return desired
        state = simulate(state, changes, status_field=ruleset.board.status_field)
        desired = _merge(desired, evaluate_once(ruleset, state))
    # Rules that fight each other (one adds what another removes) never settle: do only
    # what the first pass says, and let the caller warn about it.
    return first.model_copy(update={"converged": False})
