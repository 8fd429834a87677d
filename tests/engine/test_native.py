"""GitHub's native structure read as rules and reports read labels (pure, one row per case)."""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.models import Issue, SubIssues
from service.engine import ArchiveItem, SetField, UnarchiveItem, plan, simulate
from service.engine.desired import Desired
from service.engine.native import (
    blocked_reason,
    has_type_label,
    sub_issue_progress,
    type_labels,
    work_type,
)
from tests.engine.support import snap


def issue(**fields: Any) -> Issue:
    return Issue(repo="acme/tracker", number=1, **fields)


@pytest.mark.parametrize(
    ("fields", "labels", "kind"),
    [
        ({}, (), None),
        ({"labels": ("type: blog", "x")}, ("type: blog", "x"), "blog"),
        ({"issue_type": "Video"}, ("type: video",), "video"),
        ({"issue_type": "Blog", "labels": ("Type: Blog",)}, ("Type: Blog",), "blog"),
        ({"issue_type": "Bug", "labels": ("type: blog",)}, ("type: blog", "type: bug"), "bug"),
        ({"issue_type": " Launch plan "}, ("type: launch plan",), "launch plan"),
    ],
)
def test_the_issue_type_reads_as_a_type_label(
    fields: dict[str, Any], labels: tuple[str, ...], kind: str | None
) -> None:
    assert type_labels(issue(**fields)) == labels
    assert work_type(issue(**fields)) == kind


@pytest.mark.parametrize(
    ("fields", "label", "has"),
    [
        ({"issue_type": "Blog"}, "type: blog", True),
        ({"issue_type": "Blog"}, "Type: BLOG", True),
        ({"labels": ("type: email",)}, "type: email", True),
        ({"issue_type": "Blog"}, "type: email", False),
    ],
)
def test_targets_count_a_native_type_as_its_label(
    fields: dict[str, Any], label: str, has: bool
) -> None:
    assert has_type_label(issue(**fields), label) is has


@pytest.mark.parametrize(
    ("open_blockers", "recorded", "reason"),
    [
        (0, (None, None), None),
        (0, ("legal review", None), "legal review"),
        (0, (None, "the printer"), "the printer"),
        (0, ("  ", "the printer"), "the printer"),
        (1, (None, None), "blocked by 1 open issue"),
        (3, ("legal review", "x"), "legal review; blocked by 3 open issues"),
    ],
)
def test_blocked_reasons_include_open_dependencies(
    open_blockers: int, recorded: tuple[str | None, ...], reason: str | None
) -> None:
    assert blocked_reason(issue(blocked_by_open=open_blockers), *recorded) == reason


@pytest.mark.parametrize(
    ("progress", "text"),
    [
        (None, None),
        (SubIssues(total=0, completed=0), None),
        (SubIssues(total=6, completed=3), "3 of 6 sub-issues done"),
    ],
)
def test_sub_issue_progress_in_words(progress: SubIssues | None, text: str | None) -> None:
    assert sub_issue_progress(issue(sub_issues=progress)) == text


@pytest.mark.parametrize(
    ("state", "changes"),
    [
        ({"board": {}}, [ArchiveItem()]),
        ({"board": {}, "archived": True}, []),
        ({}, []),  # not on the board: nothing to archive
    ],
)
def test_archive_is_planned_once_and_simulated(state: dict[str, Any], changes: list[Any]) -> None:
    current = snap(**state)
    wanted = Desired(results=(), archived=True)
    assert plan(current, wanted) == changes
    after = simulate(current, plan(current, wanted))
    assert plan(after, wanted) == []
    if current.item is not None:
        assert after.item is not None and after.item.archived


@pytest.mark.parametrize(
    ("state", "changes"),
    [
        ({"board": {}, "archived": True}, [UnarchiveItem()]),
        ({"board": {}}, []),  # in the board's views already
        ({}, []),  # not on the board: nothing to restore
    ],
)
def test_restore_is_planned_once_and_simulated(state: dict[str, Any], changes: list[Any]) -> None:
    current = snap(**state)
    wanted = Desired(results=(), archived=False)
    assert plan(current, wanted) == changes
    after = simulate(current, plan(current, wanted))
    assert plan(after, wanted) == []
    if current.item is not None:
        assert after.item is not None and not after.item.archived


@pytest.mark.parametrize(
    ("archived", "wanted", "changes"),
    [
        (None, False, []),  # no opinion on an archived item: it stays archived
        (None, True, []),
        (True, True, []),
        (False, False, []),
    ],
)
def test_no_opinion_or_the_state_wanted_plans_nothing(
    archived: bool | None, wanted: bool, changes: list[Any]
) -> None:
    assert plan(snap(board={}, archived=wanted), Desired(results=(), archived=archived)) == changes


def test_a_restored_item_is_restored_before_its_fields_are_set() -> None:
    current = snap(board={"Status": "Todo"}, archived=True)
    wanted = Desired(results=(), archived=False, fields={"Status": "In Progress"})
    assert plan(current, wanted) == [UnarchiveItem(), SetField(field="Status", value="In Progress")]
