"""Evaluate a `Condition` against a `Snapshot` through an operator table (pure).

`missing(condition, snapshot, board)` returns what does not hold, as `Missing` values with
human text and a hint how to fix it; an empty list means the condition holds. Each key of
a condition maps to one function in `TESTS`, so a new test is one function and one entry.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.domain.models import FieldValue, Issue
from service.engine import body as body_text
from service.engine.model import (
    BoardNames,
    Compare,
    Condition,
    Duration,
    FieldTest,
    IssueTypeTest,
    LabelsTest,
    NumberTest,
    StatusTest,
    SubIssuesTest,
    TasksTest,
)
from service.engine.native import sub_issue_progress, type_labels
from service.engine.snapshot import Snapshot


class Missing(BaseModel):
    """One requirement that does not hold: what it is, and how a person can fix it."""

    model_config = ConfigDict(frozen=True)

    text: str
    fix: str | None = None


@dataclass(frozen=True)
class Check:
    """One atomic test: whether it holds, and what it asks for (in words, either way)."""

    ok: bool
    text: str
    fix: str | None = None


@dataclass(frozen=True)
class Context:
    snapshot: Snapshot
    board: BoardNames


# -- comparisons --------------------------------------------------------------------------

_OPS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "eq": (operator.eq, "exactly"),
    "ne": (operator.ne, "not"),
    "lt": (operator.lt, "less than"),
    "le": (operator.le, "at most"),
    "gt": (operator.gt, "more than"),
    "ge": (operator.ge, "at least"),
}


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _compare(value: Any, spec: BaseModel) -> list[tuple[bool, str]]:
    """(ok, "at least 1") per comparison operator set in `spec`; a None value never compares."""
    out = []
    for name, (op, words) in _OPS.items():
        bound = getattr(spec, name, None)
        if bound is None:
            continue
        try:
            ok = value is not None and bool(op(value, bound))
        except TypeError:  # e.g. a date field compared with a number
            ok = False
        out.append((ok, f"{words} {_fmt(bound)}"))
    return out


def _quote(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


# -- the tests, one per condition key -------------------------------------------------------


def _state(spec: str, ctx: Context) -> list[Check]:
    return [Check(ctx.snapshot.issue.state == spec, f"the issue is {spec}")]


def close_reason(issue: Issue) -> str | None:
    """Why a closed issue was closed; a closed issue that gives no reason was completed."""
    if issue.state != "closed":
        return None
    return (issue.state_reason or "completed").casefold()


def _state_reason(spec: list[str], ctx: Context) -> list[Check]:
    reason = close_reason(ctx.snapshot.issue)
    return [Check(reason in spec, f"the issue was closed as {' or '.join(spec)}")]


def _repo(spec: list[str], ctx: Context) -> list[Check]:
    repo = ctx.snapshot.issue.repo.casefold()
    return [Check(repo in {r.casefold() for r in spec}, f"the repository is one of {spec}")]


def _labels(spec: LabelsTest, ctx: Context) -> list[Check]:
    # GitHub's issue type reads as a `type: ` label, so a rule that asks for a type label
    # holds for an organization that types its issues natively.
    labels = type_labels(ctx.snapshot.issue)
    have = {label.casefold() for label in labels}

    def has_label(name: str) -> bool:
        return name.casefold() in have

    out = [Check(has_label(n), f"the label `{n}`", f"add the label `{n}`") for n in spec.has or []]
    if spec.any_of is not None:
        out.append(
            Check(
                any(has_label(n) for n in spec.any_of),
                f"one of the labels {_quote(spec.any_of)}",
                f"add one of the labels {_quote(spec.any_of)}",
            )
        )
    out += [
        Check(not has_label(n), f"no label `{n}`", f"remove the label `{n}`")
        for n in spec.none_of or []
    ]
    if spec.count_prefix is not None:
        prefix = spec.count_prefix.prefix.casefold()
        count = sum(1 for label in labels if label.casefold().startswith(prefix))
        out += [
            Check(
                ok,
                f"{words} label(s) starting with `{spec.count_prefix.prefix}`",
                f"set the labels so there is {words} `{spec.count_prefix.prefix}…` label",
            )
            for ok, words in _compare(count, spec.count_prefix)
        ]
    return out


def _issue_type(spec: IssueTypeTest, ctx: Context) -> list[Check]:
    have = (ctx.snapshot.issue.issue_type or "").strip().casefold() or None
    fix = "set the issue's Type (in the issue's sidebar)"
    out = []
    if spec.one_of is not None:
        wanted = {name.casefold() for name in spec.one_of}
        out.append(Check(have in wanted, f"an issue type of {_quote(spec.one_of)}", fix))
    if spec.empty is not None:
        text = "no issue type" if spec.empty else "an issue type"
        out.append(Check((have is None) == spec.empty, text, fix))
    return out


def _sub_issues(spec: SubIssuesTest, ctx: Context) -> list[Check]:
    progress = ctx.snapshot.issue.sub_issues
    total = progress.total if progress is not None else 0
    done = progress.completed if progress is not None else 0
    # The text shows where the issue stands: "every sub-issue done (3 of 6 sub-issues done)".
    shown = sub_issue_progress(ctx.snapshot.issue) or "no sub-issues"
    fix = "complete the sub-issues, or close the ones no longer planned"
    out = []
    if spec.all_done is not None:
        text = "every sub-issue done" if spec.all_done else "a sub-issue not done"
        ok = (total > 0 and done >= total) == spec.all_done
        out.append(Check(ok, f"{text} ({shown})", fix))
    for count, test, words in (
        (total, spec.total, "sub-issue(s)"),
        (done, spec.done, "completed sub-issue(s)"),
        (total - done, spec.open, "sub-issue(s) not done"),
    ):
        if test is not None:
            out += [Check(ok, f"{w} {words} ({shown})", fix) for ok, w in _compare(count, test)]
    return out


def _blocked_by(spec: Compare, ctx: Context) -> list[Check]:
    count = ctx.snapshot.issue.blocked_by_open
    fix = "close the blocking issues, or remove the dependencies that no longer hold"
    return [
        Check(ok, f"{w} open blocking issue(s) (now {count})", fix)
        for ok, w in _compare(count, spec)
    ]


def _archived(spec: bool, ctx: Context) -> list[Check]:
    item = ctx.snapshot.item
    archived = item is not None and item.archived
    text = "the board item is archived" if spec else "the board item is not archived"
    return [Check(archived == spec, text, "archive or restore the item on the board")]


def _assignees(spec: Compare, ctx: Context) -> list[Check]:
    count = len(ctx.snapshot.issue.assignees)
    return [
        Check(ok, f"{words} assignee(s)", "assign the person who does the work")
        for ok, words in _compare(count, spec)
    ]


def _author_association(spec: list[str], ctx: Context) -> list[Check]:
    have = (ctx.snapshot.issue.author_association or "NONE").upper()
    return [Check(have in {a.upper() for a in spec}, f"an author who is one of {spec}")]


def _on_board(spec: bool, ctx: Context) -> list[Check]:
    text = "the issue is on the board" if spec else "the issue is not on the board"
    return [Check(ctx.snapshot.on_board == spec, text, "add the issue to the project board")]


def _status(spec: StatusTest, ctx: Context) -> list[Check]:
    name = ctx.board.status_field
    value = ctx.snapshot.field(name)
    have = value.casefold() if isinstance(value, str) else None
    fix = f"set {name} on the board, or comment `/status <option>`"
    out = []
    if spec.is_ is not None:
        out.append(Check(have == spec.is_.casefold(), f"{name} `{spec.is_}`", fix))
    if spec.one_of is not None:
        wanted = {o.casefold() for o in spec.one_of}
        out.append(Check(have in wanted, f"{name} one of {_quote(spec.one_of)}", fix))
    if spec.none_of is not None:
        unwanted = {o.casefold() for o in spec.none_of}
        out.append(Check(have not in unwanted, f"{name} none of {_quote(spec.none_of)}", fix))
    if spec.empty is not None:
        text = f"no {name}" if spec.empty else f"a {name}"
        out.append(Check((have is None) == spec.empty, text, fix))
    return out


def _estimate(spec: NumberTest, ctx: Context) -> list[Check]:
    hours = ctx.snapshot.estimate_hours(ctx.board.estimate_field)
    fix = "comment `/estimate 3h` (units m, h, d), or add a line `Estimate: 3h` to the description"
    out = []
    if spec.empty is not None:
        text = "no estimate" if spec.empty else "an estimate"
        out.append(Check((hours is None) == spec.empty, text, fix))
    out += [Check(ok, f"an estimate of {w} hours", fix) for ok, w in _compare(hours, spec)]
    return out


def _field_value(value: FieldValue | None) -> FieldValue | None:
    return value.casefold() if isinstance(value, str) else value


def _bound(bound: object) -> object:
    return bound.casefold() if isinstance(bound, str) else bound


def _fields(spec: dict[str, FieldTest], ctx: Context) -> list[Check]:
    out = []
    for name, test in spec.items():
        value = _field_value(ctx.snapshot.field(name))
        fix = f"set `{name}` on the board"
        if test.empty is not None:
            text = f"no `{name}`" if test.empty else f"a `{name}`"
            out.append(Check((value is None) == test.empty, text, fix))
        bounds = {op: _bound(getattr(test, op)) for op in _OPS if getattr(test, op) is not None}
        for op, bound in bounds.items():
            # YAML reads `2026-05-01` as a date; a date field compares only with dates.
            comparable = value is not None and (
                isinstance(value, date) == isinstance(bound, date)
                and isinstance(value, str) == isinstance(bound, str)
            )
            fn, words = _OPS[op]
            ok = comparable and bool(fn(value, bound))
            out.append(Check(ok, f"`{name}` {words} {_fmt(getattr(test, op))}", fix))
        if test.one_of is not None:
            ok = value in {o.casefold() for o in test.one_of}
            out.append(Check(ok, f"`{name}` one of {_quote(test.one_of)}", fix))
    return out


def _sections(spec: list[str], ctx: Context) -> list[Check]:
    body = ctx.snapshot.issue.body
    return [
        Check(
            body_text.section_filled(body, name),
            f"the section **{name}**",
            f"add a `### {name}` heading with its text to the description",
        )
        for name in spec
    ]


def _tasks(spec: TasksTest, ctx: Context) -> list[Check]:
    done, still_open = body_text.tasks(ctx.snapshot.issue.body)
    fix = "tick the tasks in the description"
    out = []
    if spec.all_done is not None:
        text = "every task ticked" if spec.all_done else "an unticked task"
        out.append(Check((still_open == 0) == spec.all_done, text, fix))
    if spec.open is not None:
        out += [Check(ok, f"{w} open task(s)", fix) for ok, w in _compare(still_open, spec.open)]
    if spec.done is not None:
        out += [Check(ok, f"{w} ticked task(s)", fix) for ok, w in _compare(done, spec.done)]
    return out


def _body_line(spec: str, ctx: Context) -> list[Check]:
    ok = body_text.line_value(ctx.snapshot.issue.body, spec) is not None
    return [Check(ok, f"a `{spec}: …` line", f"add a line `{spec}: …` to the description")]


def _note(spec: str, ctx: Context) -> list[Check]:
    ok = bool(ctx.snapshot.notes.get(spec, "").strip())
    return [Check(ok, f"a recorded `{spec}`")]


def _since(moment: datetime | None, spec: Duration, ctx: Context) -> bool:
    """At least `spec` has passed since `moment` (never, when the moment is unknown)."""
    return moment is not None and ctx.snapshot.now - moment >= spec.delta


def _idle_for(spec: Duration, ctx: Context) -> list[Check]:
    ok = _since(ctx.snapshot.last_activity(), spec, ctx)
    return [Check(ok, f"no activity by a person for {spec.text()}")]


def _active_within(spec: Duration, ctx: Context) -> list[Check]:
    moment = ctx.snapshot.last_activity()
    ok = moment is not None and not _since(moment, spec, ctx)
    return [
        Check(
            ok,
            f"activity by a person within {spec.text()}",
            "post an update as a comment, or move the item on the board",
        )
    ]


def _in_status_for(spec: Duration, ctx: Context) -> list[Check]:
    ok = _since(ctx.snapshot.status_since, spec, ctx)
    return [Check(ok, f"{ctx.board.status_field} unchanged for {spec.text()}")]


TESTS: dict[str, Callable[[Any, Context], list[Check]]] = {
    "state": _state,
    "state_reason": _state_reason,
    "repo": _repo,
    "labels": _labels,
    "issue_type": _issue_type,
    "sub_issues": _sub_issues,
    "blocked_by": _blocked_by,
    "archived": _archived,
    "assignees": _assignees,
    "author_association": _author_association,
    "on_board": _on_board,
    "status": _status,
    "estimate": _estimate,
    "fields": _fields,
    "sections": _sections,
    "tasks": _tasks,
    "body_line": _body_line,
    "note": _note,
    "idle_for": _idle_for,
    "active_within": _active_within,
    "in_status_for": _in_status_for,
}


# -- combinators ----------------------------------------------------------------------------


def _joined(checks: list[Check], word: str) -> str:
    texts = [c.text for c in checks]
    return texts[0] if len(texts) == 1 else "(" + f" {word} ".join(texts) + ")"


def checks(condition: Condition, ctx: Context) -> list[Check]:
    """Every atomic check of `condition`; combinators fold into one check each."""
    out: list[Check] = []
    for sub in condition.all_ or []:
        out += checks(sub, ctx)
    if condition.any_ is not None:
        options = [checks(sub, ctx) for sub in condition.any_]
        ok = any(all(c.ok for c in option) for option in options)
        text = " or ".join(_joined(option, "and") for option in options if option)
        fixes = [c.fix for option in options for c in option if c.fix and not c.ok]
        out.append(Check(ok, f"either {text}" if len(options) > 1 else text, "; or ".join(fixes)))
    if condition.not_ is not None:
        inner = checks(condition.not_, ctx)
        out.append(Check(not all(c.ok for c in inner), f"not {_joined(inner, 'and')}"))
    for key, test in TESTS.items():
        spec = getattr(condition, key)
        if spec is not None:
            out += test(spec, ctx)
    if condition.message is not None or condition.fix is not None:
        ok = all(c.ok for c in out)
        text = condition.message or _joined(out, "and")
        out = [Check(ok, text, condition.fix or next((c.fix for c in out if c.fix), None))]
    return out


def missing(condition: Condition, snapshot: Snapshot, board: BoardNames) -> list[Missing]:
    """What of `condition` does not hold for `snapshot`; [] when it holds."""
    found = checks(condition, Context(snapshot, board))
    return [Missing(text=c.text, fix=c.fix or None) for c in found if not c.ok]


def holds(condition: Condition, snapshot: Snapshot, board: BoardNames) -> bool:
    return not missing(condition, snapshot, board)
