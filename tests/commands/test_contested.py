"""What two boards of one issue dispute (pure): left alone by both, never fought over."""

from __future__ import annotations

import pytest

from service.engine.changes import AddLabels, DeleteComment, RemoveLabels, UpsertComment
from service.engine.desired import Desired
from service.pipeline.subject import Contested, _leave_contested, contested_between


def want(labels: dict[str, bool] | None = None, comments: dict | None = None) -> Desired:
    return Desired(results=(), labels=labels or {}, comments=comments or {})


@pytest.mark.parametrize(
    ("wants", "labels", "comments"),
    [
        ([want({"needs-triage": True}), want({"needs-triage": False})], {"needs-triage"}, set()),
        ([want({"Needs-Triage": True}), want({"needs-triage": False})], {"needs-triage"}, set()),
        ([want({"needs-triage": True}), want({"needs-triage": True})], set(), set()),
        ([want({"needs-triage": True}), want({})], set(), set()),  # no opinion: no dispute
        (
            [want(comments={"estimate": "Add one"}), want(comments={"estimate": None})],
            set(),
            {"estimate"},
        ),
        ([want(comments={"estimate": "A"}), want(comments={"estimate": "B"})], set(), {"estimate"}),
        ([want(comments={"estimate": "A"}), want(comments={"estimate": "A"})], set(), set()),
        ([want(comments={"estimate": "A"}), want()], set(), set()),
    ],
)
def test_what_the_boards_dispute(wants: list[Desired], labels: set, comments: set) -> None:
    found = contested_between(wants)
    assert (set(found.labels), set(found.comments)) == (labels, comments)


def test_contested_labels_and_comments_are_left_alone() -> None:
    contested = Contested(labels=frozenset({"needs-triage"}), comments=frozenset({"estimate"}))
    changes = [
        AddLabels(labels=("Needs-Triage", "web-request")),
        RemoveLabels(labels=("needs-triage",)),
        UpsertComment(key="estimate", body="x"),
        DeleteComment(key="stale"),
    ]
    assert list(_leave_contested(changes, contested)) == [
        AddLabels(labels=("web-request",)),
        DeleteComment(key="stale"),
    ]
    assert Contested.from_note(contested.note()) == contested
    assert Contested.from_note("not json") == Contested()
