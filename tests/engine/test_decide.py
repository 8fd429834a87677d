"""The pipeline's decision (pure): snapshot + rules + intents -> one plan."""

from __future__ import annotations

from typing import Any

import pytest

from service.commands.intents import Intents, resolve
from service.commands.parser import parse_commands
from service.engine.changes import (
    AddLabels,
    AddReaction,
    AddToBoard,
    RemoveLabels,
    SetAssignees,
    SetField,
    UpsertComment,
)
from service.engine.desired import RuleResult
from service.pipeline import decide
from tests.commands.test_intents import BOARD
from tests.engine.support import default_rules, snap

RULES = default_rules()
NO_RULES = RULES.model_copy(update={"rules": []})


def intents_of(text: str, **issue: Any) -> Intents:
    return resolve(
        parse_commands(text, "alice"),
        snapshot=snap(**issue),
        ruleset=RULES,
        board=BOARD,
        actor="alice",
        permission="write",
        rule_results=lambda: (),
    )


@pytest.mark.parametrize(
    ("text", "issue", "changes"),
    [
        ("", {"board": {"Status": "Todo"}}, []),
        ("/status Done", {"board": {"Status": "Done"}}, [AddReaction(comment_id=5, content="+1")]),
        (
            "/estimate 3h",
            {"board": {"Status": "Todo"}},
            [SetField(field="Estimate", value=3.0), AddReaction(comment_id=5, content="+1")],
        ),
        (
            "/estimate 3h",
            {"board": None},
            [
                AddToBoard(),
                SetField(field="Estimate", value=3.0),
                AddReaction(comment_id=5, content="+1"),
            ],
        ),
        (
            "/type social",
            {"board": {}, "labels": ("type: blog",)},
            [
                AddLabels(labels=("type: social",)),
                RemoveLabels(labels=("type: blog",)),
                AddReaction(comment_id=5, content="+1"),
            ],
        ),
        (
            "/unassign @ann\n/assign @bob",
            {"board": {}, "assignees": ("ann", "cy")},
            [SetAssignees(logins=("cy", "bob")), AddReaction(comment_id=5, content="+1")],
        ),
    ],
)
def test_commands_alone_plan_what_they_ask_and_nothing_else(
    text: str, issue: dict[str, Any], changes: list[Any]
) -> None:
    decision = decide(NO_RULES, snap(**issue), intents_of(text, **issue), comment_id=5)
    assert list(decision.changes) == changes


def test_a_bad_command_plans_a_reply_and_a_confused_reaction() -> None:
    decision = decide(NO_RULES, snap(board={}), intents_of("/status Someday", board={}), 9)
    [reply, reaction] = decision.changes
    assert isinstance(reply, UpsertComment) and reply.key == "reply-9"
    assert reaction == AddReaction(comment_id=9, content="confused")


def test_commands_in_a_body_reply_on_the_issue_without_a_reaction() -> None:
    decision = decide(NO_RULES, snap(board={}), intents_of("/status Someday", board={}))
    [reply] = decision.changes
    assert isinstance(reply, UpsertComment) and reply.key == "reply-issue"


def test_rules_and_commands_plan_once_and_the_rules_see_the_commands_result() -> None:
    # Without a Status the triage rule wants `needs-triage`; `/status Todo` settles it in the
    # same plan, so the label is never added.
    issue = {"board": {}, "labels": ("type: blog",), "body": "Estimate: 2h"}
    without = decide(RULES, snap(**issue), Intents())
    assert AddLabels(labels=("needs-triage",)) in without.changes
    decision = decide(RULES, snap(**issue), intents_of("/status Todo", **issue), comment_id=1)
    assert SetField(field="Status", value="Todo") in decision.changes
    assert all("needs-triage" not in getattr(c, "labels", ()) for c in decision.changes)
    assert decision.desired.result("triage") is not None


def test_a_command_overrules_a_rule_on_the_same_field() -> None:
    # The closed-done rule sets Done on a closed issue; a person's explicit Status wins.
    issue = {"board": {"Status": "Todo"}, "state": "closed"}
    ruled = decide(RULES, snap(**issue), Intents())
    assert SetField(field="Status", value="Done") in ruled.changes
    decision = decide(RULES, snap(**issue), intents_of("/status In Progress", **issue), 1)
    assert SetField(field="Status", value="In Progress") in decision.changes
    assert SetField(field="Status", value="Done") not in decision.changes


def test_the_blocked_reason_is_seen_by_the_rules_in_the_same_run() -> None:
    issue = {"board": {"Status": "In Progress"}, "labels": ("type: blog",)}
    decision = decide(RULES, snap(**issue), intents_of("/blocked legal review", **issue), 1)
    assert decision.snapshot.notes["blocked_reason"] == "legal review"
    assert decision.desired.result("blocked-reason") == RuleResult(
        name="blocked-reason", status="holds"
    )
    without = decide(RULES, snap(**{**issue, "board": {"Status": "Blocked"}}), Intents())
    failing = without.desired.result("blocked-reason")
    assert failing is not None and failing.status == "failing"
