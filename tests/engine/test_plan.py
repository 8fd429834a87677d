"""plan: only the difference; evaluate+plan converge; apply sends a plan through the gateway."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain.models import Board, BoardItem, CommentResult, FieldValue
from service.engine import (
    AddLabels,
    AddToBoard,
    ArchiveItem,
    ClearField,
    DeleteComment,
    Desired,
    RemoveLabels,
    SetAssignees,
    SetField,
    UnarchiveItem,
    UpsertComment,
    evaluate,
    load_text,
    plan,
    simulate,
)
from service.pipeline.apply import apply
from tests.engine.support import default_rules, snap

RULES = default_rules()


def desired(**wants: Any) -> Desired:
    return Desired(results=(), **wants)


def test_nothing_wanted_nothing_planned() -> None:
    assert plan(snap(labels=("a",)), desired()) == []


def test_labels_only_the_difference_case_insensitive() -> None:
    state = snap(labels=("Needs-Triage", "keep"))
    wants = desired(labels={"needs-triage": True, "stale": True, "incomplete": False})
    assert plan(state, wants) == [AddLabels(labels=("stale",))]
    wants = desired(labels={"needs-triage": False})
    assert plan(state, wants) == [RemoveLabels(labels=("Needs-Triage",))]


def test_fields_only_when_different_and_on_board() -> None:
    state = snap(board={"Status": "done", "Estimate": 3.0})
    assert plan(state, desired(fields={"Status": "Done", "estimate": 3})) == []
    assert plan(state, desired(fields={"Estimate": 4.0})) == [SetField(field="Estimate", value=4.0)]
    assert plan(state, desired(fields={"Target date": None})) == []
    assert plan(state, desired(fields={"Estimate": None})) == [ClearField(field="Estimate")]
    # Off the board there is no field to set, unless the plan adds the item first.
    assert plan(snap(), desired(fields={"Status": "Done"})) == []
    assert plan(snap(), desired(on_board=True, fields={"Status": "Done"})) == [
        AddToBoard(),
        SetField(field="Status", value="Done"),
    ]


def test_assignees_are_added_to_the_current_ones() -> None:
    state = snap(assignees=("ann",))
    assert plan(state, desired(assignees=("ANN",))) == []
    assert plan(state, desired(assignees=("bo",))) == [SetAssignees(logins=("ann", "bo"))]


def test_comments_compare_without_marker() -> None:
    state = snap(bot_comments={"r": "<!-- boardwatch:r -->\nHello"})
    assert plan(state, desired(comments={"r": "Hello"})) == []
    assert plan(state, desired(comments={"r": "Bye"})) == [UpsertComment(key="r", body="Bye")]
    assert plan(state, desired(comments={"r": None})) == [DeleteComment(key="r")]
    assert plan(snap(), desired(comments={"r": None})) == []


def test_resolve_only_an_existing_comment() -> None:
    rules = load_text(
        """
version: 1
owned_labels: {x: {}}
rules:
  - name: r
    description: needs an assignee
    require: {assignees: {ge: 1}}
    comment: {on_resolve: resolve, resolved_body: "done {{ rule.name }}"}
"""
    ).unwrap()
    assert evaluate(rules, snap(assignees=("a",))).comments == {"r": None}
    state = snap(assignees=("a",), bot_comments={"r": "old"})
    assert plan(state, evaluate(rules, state)) == [UpsertComment(key="r", body="done r")]


def test_a_failing_rule_keeps_a_label_another_rule_removes() -> None:
    rules = load_text(
        """
version: 1
owned_labels: {flag: {}}
rules:
  - {name: a, description: a, require: {state: closed}, while_failing: {add_labels: [flag]}}
  - {name: b, description: b, require: {state: open}, once_holding: {remove_labels: [flag]}}
"""
    ).unwrap()
    assert evaluate(rules, snap()).labels == {"flag": True}


def test_evaluate_follows_rules_that_enable_rules() -> None:
    # Adding to the board makes triage apply: one plan does both, then nothing is left.
    state = snap()
    changes = plan(state, evaluate(RULES, state))
    assert changes == [AddToBoard(), AddLabels(labels=("needs-triage",))]
    after = simulate(state, changes)
    assert plan(after, evaluate(RULES, after)) == []


def test_fighting_rules_are_reported_not_looped() -> None:
    rules = load_text(
        """
version: 1
owned_labels: {flag: {}}
rules:
  - {name: a, description: a, require: {labels: {has: flag}}, while_failing: {add_labels: [flag]}}
  - name: b
    description: b
    require: {labels: {none_of: [flag]}}
    while_failing: {remove_labels: [flag]}
"""
    ).unwrap()
    # Without the label, a adds it; with it, b fails and removes it: they never settle.
    wants = evaluate(rules, snap())
    assert wants.converged is False
    assert wants.labels == {"flag": True}  # only the first pass: one step, not a loop


ARCHIVING = """
version: 1
rules:
  - name: restore
    description: open work is in the board's views
    when: {state: open, on_board: true}
    require: {archived: false}
    while_failing: {unarchive_item: true}
  - name: hide
    description: blog work is archived
    when: {labels: {has: urgent}, on_board: true}
    require: {archived: true}
    while_failing: {archive_item: true}
"""


def test_the_first_rule_that_archives_or_restores_decides() -> None:
    rules = load_text(ARCHIVING).unwrap()
    both = snap(board={}, archived=True, labels=("urgent",))
    assert plan(both, evaluate(rules, both)) == [UnarchiveItem()]
    reordered = rules.model_copy(update={"rules": rules.rules[::-1]})
    shown = snap(board={}, labels=("urgent",))
    assert plan(shown, evaluate(reordered, shown)) == [ArchiveItem()]


def test_only_the_rule_that_applies_restores() -> None:
    rules = load_text(ARCHIVING.split("  - name: hide")[0]).unwrap()
    reopened = snap(board={"Status": "Todo"}, archived=True)
    assert plan(reopened, evaluate(rules, reopened)) == [UnarchiveItem()]
    closed = snap(board={"Status": "Todo"}, archived=True, state="closed")
    assert plan(closed, evaluate(rules, closed)) == []


LABELS = ["needs-triage", "needs-estimate", "incomplete", "needs-info", "stale", "type: blog",
          "type: social", "type: web", "urgent"]  # fmt: skip
BODIES = ["", "Estimate: 3h", "Blocked by: x", "### Copy\nHi\n### Link\nx", "### Estimate\n1h"]


@settings(max_examples=300, deadline=None)
@given(
    state=st.sampled_from(["open", "closed"]),
    on_board=st.booleans(),
    archived=st.booleans(),
    status=st.sampled_from([None, "Todo", "In Progress", "Blocked", "Done"]),
    estimate=st.sampled_from([None, 1.0, 2.0, 5.0]),
    labels=st.sets(st.sampled_from(LABELS)),
    assignees=st.sampled_from([(), ("ann",)]),
    body=st.sampled_from(BODIES),
    idle_days=st.integers(0, 20),
    age_minutes=st.sampled_from([1, 20, 5000]),
    comments=st.sets(st.sampled_from([r.name for r in RULES.rules])),
)
def test_default_rules_converge_in_one_plan(
    state: str,
    on_board: bool,
    archived: bool,
    status: str | None,
    estimate: float | None,
    labels: set[str],
    assignees: tuple[str, ...],
    body: str,
    idle_days: int,
    age_minutes: int,
    comments: set[str],
) -> None:
    fields: dict[str, FieldValue] = {}
    if status:
        fields["Status"] = status
    if estimate is not None:
        fields["Estimate"] = estimate
    snapshot = snap(
        state=state,
        board=fields if on_board else None,
        archived=archived,
        labels=tuple(sorted(labels)),
        assignees=assignees,
        body=body,
        last_activity=timedelta(days=idle_days),
        age=timedelta(minutes=age_minutes),
        bot_comments={name: "old text" for name in comments},
    )
    wants = evaluate(RULES, snapshot)
    assert wants.converged
    after = simulate(snapshot, plan(snapshot, wants))
    assert plan(after, evaluate(RULES, after)) == []


# -- apply ---------------------------------------------------------------------------------


class RecordingGateway:
    """Just the gateway methods `apply` uses, recording each call like a story."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def add_item(self, board: Board, issue_node_id: str) -> BoardItem:
        self.calls.append(("add_item", (issue_node_id,)))
        return BoardItem(id="PVTI_new")

    def archive_item(self, board: Board, item_id: str) -> None:
        self.calls.append(("archive_item", (item_id,)))

    def unarchive_item(self, board: Board, item_id: str) -> None:
        self.calls.append(("unarchive_item", (item_id,)))

    def set_field(self, board: Board, item_id: str, field_name: str, value: Any) -> None:
        self.calls.append(("set_field", (item_id, field_name, value)))

    def add_labels(self, repo: str, number: int, labels: Any) -> list[str]:
        self.calls.append(("add_labels", tuple(labels)))
        return list(labels)

    def remove_labels(self, repo: str, number: int, labels: Any) -> list[str]:
        self.calls.append(("remove_labels", tuple(labels)))
        return list(labels)

    def set_assignees(self, repo: str, number: int, logins: Any) -> None:
        self.calls.append(("set_assignees", tuple(logins)))

    def upsert_comment(
        self,
        repo: str,
        number: int,
        key: str,
        body: str | None,
        *,
        known_id: int | None = None,
        absent: bool = False,
    ) -> CommentResult:
        self.calls.append(("upsert_comment", (key, body, known_id)))
        return CommentResult(action="created" if body else "deleted", comment_id=1)


def test_apply_adds_the_item_before_setting_its_fields() -> None:
    gateway = RecordingGateway()
    board = Board(id="PVT_1", owner="acme", number=1)
    state = snap(labels=("stale",))
    changes = [
        AddToBoard(),
        SetField(field="Status", value="Done"),
        AddLabels(labels=("needs-triage",)),
        RemoveLabels(labels=("stale",)),
        SetAssignees(logins=("ann",)),
        UpsertComment(key="r", body="hi"),
        DeleteComment(key="s"),
    ]
    records = apply(  # type: ignore[arg-type]
        changes, gateway, board, state.issue, comment_ids={"s": 41}
    )
    assert gateway.calls == [
        ("add_item", ("I_7",)),
        ("set_field", ("PVTI_new", "Status", "Done")),
        ("add_labels", ("needs-triage",)),
        ("remove_labels", ("stale",)),
        ("set_assignees", ("ann",)),
        ("upsert_comment", ("r", "hi", None)),
        ("upsert_comment", ("s", None, 41)),  # a remembered comment: no listing
    ]
    assert records[0] == {"kind": "add_to_board", "result": "PVTI_new"}
    assert records[2]["result"] == ["needs-triage"]
    assert records[5]["result"] == {"action": "created", "comment_id": 1}


def test_apply_of_an_empty_plan_makes_no_call() -> None:
    gateway = RecordingGateway()
    assert apply([], gateway, None, snap().issue) == []  # type: ignore[arg-type]
    assert gateway.calls == []


def test_apply_without_board_records_the_reason() -> None:
    gateway = RecordingGateway()
    [record] = apply([AddToBoard()], gateway, None, snap().issue)  # type: ignore[arg-type]
    assert "no board" in record["error"] and gateway.calls == []


def test_apply_restores_the_known_item_then_sets_its_fields() -> None:
    gateway = RecordingGateway()
    board = Board(id="PVT_1", owner="acme", number=1)
    state = snap(board={"Status": "Todo"}, archived=True)
    changes = [UnarchiveItem(), SetField(field="Status", value="In Progress")]
    records = apply(  # type: ignore[arg-type]
        changes, gateway, board, state.issue, item=state.item
    )
    assert gateway.calls == [
        ("unarchive_item", ("PVTI_7",)),
        ("set_field", ("PVTI_7", "Status", "In Progress")),
    ]
    assert records[0] == {"kind": "unarchive_item"}


def test_apply_cannot_restore_an_issue_that_is_not_on_the_board() -> None:
    gateway = RecordingGateway()
    board = Board(id="PVT_1", owner="acme", number=1)
    [record] = apply([UnarchiveItem()], gateway, board, snap().issue)  # type: ignore[arg-type]
    assert record["error"] == "the issue is not on the board" and gateway.calls == []
