"""The default ruleset (rules/default.yml), rule by rule, on pure snapshots.

Each row: an issue, which rule it is about, the rule's status, and the changes the bot
plans. Every row is also checked for convergence: once the plan is applied, evaluating
again plans nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from service.engine import (
    AddLabels,
    AddToBoard,
    ArchiveItem,
    Change,
    DeleteComment,
    RemoveLabels,
    SetField,
    Snapshot,
    UnarchiveItem,
    UpsertComment,
    evaluate,
    plan,
    simulate,
)
from tests.engine.support import default_rules, snap

RULES = default_rules()
D = timedelta(days=1)
SOCIAL_FULL = (
    "### Copy\nNew!\n### Channels\nLinkedIn\n### Publish date\n2026-12-01\n### Link\nhttps://x"
)

CASES: list[tuple[str, dict[str, Any], str, str, list[Change]]] = [
    # 1. on the board, never with a Status
    ("new issue", {}, "on-board", "failing", [AddToBoard(), AddLabels(labels=("needs-triage",))]),
    ("closed, off board", {"state": "closed"}, "on-board", "not_applicable", []),
    # 2. triage
    ("no status", {"board": {}}, "triage", "failing", [AddLabels(labels=("needs-triage",))]),
    (
        "status set",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "labels": ("needs-triage",)},
        "triage",
        "holds",
        [RemoveLabels(labels=("needs-triage",))],
    ),
    # 3. estimate
    (
        "no estimate",
        {"board": {"Status": "Todo"}, "assignees": ("ann",)},
        "estimate",
        "failing",
        [AddLabels(labels=("needs-estimate",)), UpsertComment(key="estimate", body="*")],
    ),
    (
        "estimate in body",
        {
            "board": {"Status": "Todo"},
            "body": "Estimate: 90m",
            "labels": ("needs-estimate",),
            "bot_comments": {"estimate": "old"},
        },
        "estimate",
        "holds",
        [RemoveLabels(labels=("needs-estimate",)), DeleteComment(key="estimate")],
    ),
    ("done needs none", {"board": {"Status": "Done"}}, "estimate", "not_applicable", []),
    (
        "in grace",
        {"board": {"Status": "Todo"}, "age": timedelta(minutes=5)},
        "estimate",
        "grace",
        [],
    ),
    # 4. tracked task
    (
        "big, no owner, no type",
        {"board": {"Status": "Todo", "Estimate": 3.0}},
        "tracked-task",
        "failing",
        [AddLabels(labels=("incomplete",)), UpsertComment(key="tracked-task", body="*")],
    ),
    (
        "big, two types",
        {
            "board": {"Status": "Todo", "Estimate": 3.0},
            "assignees": ("ann",),
            "labels": ("type: blog", "type: web"),
        },
        "tracked-task",
        "failing",
        [AddLabels(labels=("incomplete",)), UpsertComment(key="tracked-task", body="*")],
    ),
    (
        "big, fixed: resolved",
        {
            "board": {"Status": "Todo", "Estimate": 3.0},
            "assignees": ("ann",),
            "labels": ("type: blog", "incomplete"),
            "bot_comments": {"tracked-task": "<!-- boardwatch:tracked-task -->\nIt still needs"},
        },
        "tracked-task",
        "holds",
        [RemoveLabels(labels=("incomplete",)), UpsertComment(key="tracked-task", body="*")],
    ),
    # GitHub's issue type is the type, in place of a `type: ` label
    (
        "big, typed natively",
        {"board": {"Status": "Todo", "Estimate": 3.0}, "assignees": ("ann",), "issue_type": "Blog"},
        "tracked-task",
        "holds",
        [],
    ),
    (
        "big, native type and the same label",
        {
            "board": {"Status": "Todo", "Estimate": 3.0},
            "assignees": ("ann",),
            "issue_type": "Blog",
            "labels": ("type: blog",),
        },
        "tracked-task",
        "holds",
        [],
    ),
    (
        "big, native type and another type label",
        {
            "board": {"Status": "Todo", "Estimate": 3.0},
            "assignees": ("ann",),
            "issue_type": "Video",
            "labels": ("type: blog",),
        },
        "tracked-task",
        "failing",
        [AddLabels(labels=("incomplete",)), UpsertComment(key="tracked-task", body="*")],
    ),
    (
        "two hours is small",
        {"board": {"Status": "Todo", "Estimate": 2.0}},
        "tracked-task",
        "not_applicable",
        [],
    ),
    # 5. social post
    (
        "social, sections missing",
        {
            "labels": ("type: social",),
            "board": {"Status": "Todo", "Estimate": 1.0},
            "body": "### Copy\nHi",
        },
        "social-post",
        "failing",
        [AddLabels(labels=("needs-info",)), UpsertComment(key="social-post", body="*")],
    ),
    (
        "social, typed natively",
        {"issue_type": "Social", "board": {"Status": "Todo", "Estimate": 1.0}, "body": "x"},
        "social-post",
        "failing",
        [AddLabels(labels=("needs-info",)), UpsertComment(key="social-post", body="*")],
    ),
    (
        "social, complete",
        {
            "labels": ("type: social",),
            "board": {"Status": "Todo", "Estimate": 1.0},
            "body": SOCIAL_FULL,
        },
        "social-post",
        "holds",
        [SetField(field="Target date", value=date(2026, 12, 1))],  # form-publish-date
    ),
    (
        "social, just filed",
        {
            "labels": ("type: social",),
            "board": {"Status": "Todo", "Estimate": 1.0},
            "age": timedelta(minutes=3),
        },
        "social-post",
        "grace",
        [],
    ),
    # 6. stale
    (
        "in progress, quiet a week",
        {
            "board": {"Status": "In Progress", "Estimate": 1.0},
            "assignees": ("ann",),
            "last_activity": 8 * D,
        },
        "stale",
        "failing",
        [AddLabels(labels=("stale",)), UpsertComment(key="stale", body="*@ann*")],
    ),
    (
        "activity again",
        {
            "board": {"Status": "In Progress", "Estimate": 1.0},
            "labels": ("stale",),
            "last_activity": D,
            "bot_comments": {"stale": "quiet"},
        },
        "stale",
        "holds",
        [RemoveLabels(labels=("stale",)), DeleteComment(key="stale")],
    ),
    # 7. blocked needs a reason
    (
        "blocked, no reason",
        {"board": {"Status": "Blocked", "Estimate": 1.0}, "assignees": ("bo",)},
        "blocked-reason",
        "failing",
        [UpsertComment(key="blocked-reason", body="*@bo*/blocked*")],
    ),
    (
        "blocked by line",
        {"board": {"Status": "Blocked", "Estimate": 1.0}, "body": "Blocked by: legal review"},
        "blocked-reason",
        "holds",
        [],
    ),
    (
        "blocked by an open issue (dependency)",
        {"board": {"Status": "Blocked", "Estimate": 1.0}, "blocked_by_open": 1},
        "blocked-reason",
        "holds",
        [],
    ),
    (
        "blocked by command",
        {"board": {"Status": "Blocked", "Estimate": 1.0}, "notes": {"blocked_reason": "vendor"}},
        "blocked-reason",
        "holds",
        [],
    ),
    # 8. closed means Done
    (
        "closed in progress",
        {"state": "closed", "board": {"Status": "In Progress"}, "labels": ("stale",)},
        "closed-done",
        "failing",
        [SetField(field="Status", value="Done"), RemoveLabels(labels=("stale",))],
    ),
    (
        "closed and done",
        {"state": "closed", "board": {"Status": "Done"}},
        "closed-done",
        "holds",
        [],
    ),
    (
        "closed as completed",
        {"state": "closed", "state_reason": "completed", "board": {"Status": "Todo"}},
        "closed-done",
        "failing",
        [SetField(field="Status", value="Done")],
    ),
    # Cancelled or duplicate work is not done: its Status is left as it is, and (8b) its
    # item is archived, out of the board.
    (
        "closed as not planned",
        {"state": "closed", "state_reason": "not_planned", "board": {"Status": "Todo"}},
        "closed-done",
        "not_applicable",
        [ArchiveItem()],
    ),
    (
        "closed as duplicate",
        {"state": "closed", "state_reason": "duplicate", "board": {"Status": "In Progress"}},
        "closed-done",
        "not_applicable",
        [ArchiveItem()],
    ),
    # 8b. cancelled work leaves the board
    (
        "not planned: archived",
        {"state": "closed", "state_reason": "not_planned", "board": {"Status": "Todo"}},
        "cancelled-archived",
        "failing",
        [ArchiveItem()],
    ),
    (
        "duplicate, archived already",
        {
            "state": "closed",
            "state_reason": "duplicate",
            "board": {"Status": "Todo"},
            "archived": True,
        },
        "cancelled-archived",
        "holds",
        [],
    ),
    (
        "completed stays",
        {"state": "closed", "state_reason": "completed", "board": {"Status": "Done"}},
        "cancelled-archived",
        "not_applicable",
        [],
    ),
    (
        "not planned, off the board",
        {"state": "closed", "state_reason": "not_planned"},
        "cancelled-archived",
        "not_applicable",
        [],
    ),
    # 8c. reopened work comes back into the board's views, with the values it had
    (
        "reopened, archived",
        {
            "state_reason": "reopened",
            "board": {"Status": "In Progress", "Estimate": 1.0},
            "assignees": ("ann",),
            "archived": True,
        },
        "open-unarchived",
        "failing",
        [UnarchiveItem()],
    ),
    (
        "open, in the views",
        {"board": {"Status": "In Progress", "Estimate": 1.0}, "assignees": ("ann",)},
        "open-unarchived",
        "holds",
        [],
    ),
    (
        "open, off the board",
        {},
        "open-unarchived",
        "not_applicable",
        [AddToBoard(), AddLabels(labels=("needs-triage",))],
    ),
    (
        "cancelled stays archived",
        {
            "state": "closed",
            "state_reason": "not_planned",
            "board": {"Status": "Todo"},
            "archived": True,
        },
        "open-unarchived",
        "not_applicable",
        [],
    ),
    # 9.-12. issue forms: answers fill what is empty; a person's value wins
    (
        "form with a type",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "body": "### Type\n\nblog\n"},
        "form-type",
        "failing",
        [AddLabels(labels=("type: blog",))],
    ),
    (
        "form, typed with GitHub's issue type",
        {"board": {}, "issue_type": "Web", "body": "### Type\n\nblog\n"},
        "form-type",
        "holds",
        [AddLabels(labels=("needs-triage",))],
    ),
    (
        "form, typed by a person",
        {"board": {}, "labels": ("type: web",), "body": "### Type\n\nblog\n"},
        "form-type",
        "holds",
        [AddLabels(labels=("needs-triage",))],
    ),
    (
        "form, unknown type",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "body": "### Type\n\npodcast\n"},
        "form-type",
        "failing",
        [UpsertComment(key="form-type", body="*`podcast` is not one of: blog, social,*")],
    ),
    (
        "form with a target date",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "body": "### Target date\n\n2026-12-01"},
        "form-target-date",
        "failing",
        [SetField(field="Target date", value=date(2026, 12, 1))],
    ),
    (
        "form, date left empty",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "body": "### Target date\n\n_No response_"},
        "form-target-date",
        "not_applicable",
        [],
    ),
    (
        "form, unreadable date",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "body": "### Target date\n\n1/12/2026"},
        "form-target-date",
        "failing",
        [UpsertComment(key="form-target-date", body="*`1/12/2026` is not a date written*")],
    ),
    (
        "form, date moved on the board",
        {
            "board": {"Status": "Todo", "Estimate": 1.0, "Target date": date(2027, 1, 8)},
            "body": "### Target date\n\n2026-12-01",
        },
        "form-target-date",
        "holds",
        [],
    ),
    (
        "form, social publish date",
        {
            "board": {"Status": "Todo", "Estimate": 1.0},
            "labels": ("type: social",),
            "body": SOCIAL_FULL,
        },
        "form-publish-date",
        "failing",
        [SetField(field="Target date", value=date(2026, 12, 1))],
    ),
    (
        "form with an estimate",
        {
            "board": {"Status": "Todo"},
            "body": "### Estimate\n\n2d",
            "assignees": ("ann",),
            "labels": ("type: blog",),
        },
        "form-estimate",
        "failing",
        [SetField(field="Estimate", value=16.0)],
    ),
    # People's labels are theirs: never removed.
    (
        "foreign labels stay",
        {"board": {"Status": "Todo", "Estimate": 1.0}, "labels": ("urgent", "type: blog")},
        "triage",
        "holds",
        [],
    ),
]


def _matches(got: list[Change], want: list[Change]) -> bool:
    """Equal, except that a comment body "*a*b*" only has to contain a and b in order."""
    if len(got) != len(want):
        return False
    for g, w in zip(got, want, strict=True):
        if isinstance(w, UpsertComment) and isinstance(g, UpsertComment) and "*" in w.body:
            rest = g.body
            for part in filter(None, w.body.split("*")):
                if part not in rest:
                    return False
                rest = rest[rest.index(part) + len(part) :]
            if g.key != w.key:
                return False
        elif g != w:
            return False
    return True


def _converges(state: Snapshot) -> list[Change]:
    after = simulate(state, plan(state, evaluate(RULES, state)))
    return plan(after, evaluate(RULES, after))


@pytest.mark.parametrize(
    ("state", "rule", "status", "changes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_default_rule(state: dict[str, Any], rule: str, status: str, changes: list[Change]) -> None:
    snapshot = snap(**state)
    desired = evaluate(RULES, snapshot)
    result = desired.result(rule)
    assert result is not None and result.status == status, desired.results
    got = plan(snapshot, desired)
    assert _matches(got, changes), got
    assert _converges(snapshot) == []


def test_every_default_rule_is_covered() -> None:
    assert {r.name for r in RULES.rules} == {c[2] for c in CASES}


def test_new_issue_lands_without_status() -> None:
    changes = plan(snap(), evaluate(RULES, snap()))
    assert not any(isinstance(c, SetField) for c in changes)


def test_tracked_task_comment_lists_what_is_missing() -> None:
    state = snap(board={"Status": "Todo", "Estimate": 3.0})
    body = evaluate(RULES, state).comments["tracked-task"]
    assert body is not None
    assert "someone assigned to it" in body and "exactly one `type: ` label" in body


def test_social_comment_names_missing_sections() -> None:
    state = snap(labels=("type: social",), body="### Copy\nHi\n### Channels\n_No response_")
    body = evaluate(RULES, state).comments["social-post"] or ""
    assert "**Channels**" in body and "**Link**" in body and "**Publish date**" in body
    assert "**Copy**" not in body


def test_satisfied_issue_plans_nothing() -> None:
    state = snap(
        board={"Status": "In Progress", "Estimate": 3.0},
        assignees=("ann",),
        labels=("type: blog",),
        last_activity=D,
    )
    assert plan(state, evaluate(RULES, state)) == []
