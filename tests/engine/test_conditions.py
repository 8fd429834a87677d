"""Every condition key, holding and not, on pure snapshots: one row per case."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from service.domain.models import SubIssues
from service.engine.conditions import TESTS, missing
from service.engine.model import BoardNames, Condition
from tests.engine.support import snap

BOARD = BoardNames()
D = timedelta(days=1)

CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # (case id, condition, snapshot arguments, holds)
    ("state open", {"state": "open"}, {}, True),
    ("state closed", {"state": "closed"}, {}, False),
    (
        "closed as completed",
        {"state_reason": ["completed"]},
        {"state": "closed", "state_reason": "completed"},
        True,
    ),
    ("closed, no reason given", {"state_reason": ["completed"]}, {"state": "closed"}, True),
    (
        "closed as not planned",
        {"state_reason": ["completed"]},
        {"state": "closed", "state_reason": "not_planned"},
        False,
    ),
    (
        "a reason among several",
        {"state_reason": ["not_planned", "duplicate"]},
        {"state": "closed", "state_reason": "duplicate"},
        True,
    ),
    ("open: no close reason", {"state_reason": ["completed"]}, {"state": "open"}, False),
    ("repo", {"repo": ["ACME/marketing"]}, {}, True),
    ("repo other", {"repo": ["acme/web"]}, {}, False),
    ("labels has", {"labels": {"has": "Bug"}}, {"labels": ("bug",)}, True),
    ("labels has all", {"labels": {"has": ["a", "b"]}}, {"labels": ("a",)}, False),
    ("labels any_of", {"labels": {"any_of": ["a", "b"]}}, {"labels": ("b",)}, True),
    ("labels any_of none", {"labels": {"any_of": ["a", "b"]}}, {"labels": ("c",)}, False),
    ("labels none_of", {"labels": {"none_of": ["wip"]}}, {"labels": ("x",)}, True),
    ("labels none_of hit", {"labels": {"none_of": ["wip"]}}, {"labels": ("WIP",)}, False),
    (
        "count_prefix eq 1",
        {"labels": {"count_prefix": {"prefix": "type: ", "eq": 1}}},
        {"labels": ("type: blog", "x")},
        True,
    ),
    (
        "count_prefix two",
        {"labels": {"count_prefix": {"prefix": "type: ", "eq": 1}}},
        {"labels": ("type: blog", "Type: video")},
        False,
    ),
    (
        "count_prefix ge",
        {"labels": {"count_prefix": {"prefix": "type: ", "ge": 1, "le": 2}}},
        {"labels": ("type: blog", "type: web")},
        True,
    ),
    ("assignees ge 1", {"assignees": {"ge": 1}}, {"assignees": ("ann",)}, True),
    ("assignees none", {"assignees": {"ge": 1}}, {}, False),
    ("assignees lt", {"assignees": {"lt": 2}}, {"assignees": ("a", "b")}, False),
    ("author member", {"author_association": ["member"]}, {"author_association": "MEMBER"}, True),
    ("author none", {"author_association": ["MEMBER", "OWNER"]}, {}, False),
    ("on board", {"on_board": True}, {"board": {}}, True),
    ("not on board", {"on_board": True}, {}, False),
    ("off board wanted", {"on_board": False}, {}, True),
    ("status is", {"status": {"is": "todo"}}, {"board": {"Status": "Todo"}}, True),
    ("status is other", {"status": {"is": "Done"}}, {"board": {"Status": "Todo"}}, False),
    ("status off board", {"status": {"is": "Done"}}, {}, False),
    (
        "status one_of",
        {"status": {"one_of": ["Todo", "Blocked"]}},
        {"board": {"Status": "Blocked"}},
        True,
    ),
    ("status none_of", {"status": {"none_of": ["Done"]}}, {"board": {"Status": "Done"}}, False),
    ("status empty", {"status": {"empty": True}}, {"board": {}}, True),
    ("status not empty", {"status": {"empty": False}}, {"board": {}}, False),
    ("estimate board", {"estimate": {"gt": 2}}, {"board": {"Estimate": 3.0}}, True),
    ("estimate board low", {"estimate": {"gt": 2}}, {"board": {"Estimate": 2.0}}, False),
    ("estimate body line", {"estimate": {"gt": 2}}, {"body": "Estimate: 1d"}, True),
    ("estimate form", {"estimate": {"le": 1}}, {"body": "### Estimate\n\n45m"}, True),
    (
        "estimate board wins",
        {"estimate": {"gt": 2}},
        {"board": {"Estimate": 1.0}, "body": "Estimate: 5h"},
        False,
    ),
    ("estimate empty", {"estimate": {"empty": True}}, {"body": "no estimate"}, True),
    ("estimate missing compares false", {"estimate": {"lt": 100}}, {}, False),
    ("field number", {"fields": {"Points": {"ge": 3}}}, {"board": {"Points": 5.0}}, True),
    (
        "field date before",
        {"fields": {"Target date": {"lt": date(2026, 12, 1)}}},
        {"board": {"Target date": date(2026, 11, 30)}},
        True,
    ),
    (
        "field date vs number",
        {"fields": {"Target date": {"lt": 5}}},
        {"board": {"Target date": date(2026, 11, 30)}},
        False,
    ),
    ("field text eq", {"fields": {"Team": {"eq": "web"}}}, {"board": {"Team": "Web"}}, True),
    (
        "field select one_of",
        {"fields": {"Size": {"one_of": ["S", "M"]}}},
        {"board": {"Size": "L"}},
        False,
    ),
    ("field empty", {"fields": {"Target date": {"empty": True}}}, {"board": {}}, True),
    ("field filled", {"fields": {"Target date": {"empty": False}}}, {"board": {}}, False),
    ("sections", {"sections": ["Copy"]}, {"body": "### Copy\n\nHi"}, True),
    ("sections missing", {"sections": ["Copy", "Link"]}, {"body": "### Copy\n\nHi"}, False),
    ("sections no response", {"sections": ["Copy"]}, {"body": "### Copy\n\n_No response_"}, False),
    ("tasks all done", {"tasks": {"all_done": True}}, {"body": "- [x] a\n- [X] b"}, True),
    ("tasks one open", {"tasks": {"all_done": True}}, {"body": "- [x] a\n- [ ] b"}, False),
    ("tasks none", {"tasks": {"all_done": True}}, {"body": ""}, True),
    ("tasks open count", {"tasks": {"open": {"le": 1}}}, {"body": "- [ ] a\n- [ ] b"}, False),
    ("tasks done count", {"tasks": {"done": {"ge": 1}}}, {"body": "- [x] a"}, True),
    ("body_line", {"body_line": "Blocked by"}, {"body": "Blocked by: legal"}, True),
    ("body_line empty", {"body_line": "Blocked by"}, {"body": "Blocked by:  "}, False),
    ("note", {"note": "blocked_reason"}, {"notes": {"blocked_reason": "vendor"}}, True),
    ("note blank", {"note": "blocked_reason"}, {"notes": {"blocked_reason": " "}}, False),
    ("idle_for", {"idle_for": {"days": 7}}, {"last_activity": 8 * D}, True),
    ("idle_for recent", {"idle_for": {"days": 7}}, {"last_activity": 6 * D}, False),
    # Without a known human activity, the issue's creation counts.
    ("idle_for from creation", {"idle_for": {"days": 7}}, {"age": 9 * D}, True),
    ("active_within", {"active_within": {"days": 7}}, {"last_activity": 2 * D}, True),
    ("active_within old", {"active_within": {"hours": 12}}, {"last_activity": D}, False),
    ("in_status_for", {"in_status_for": {"days": 3}}, {"status_age": 4 * D}, True),
    # GitHub's native structure: issue types, sub-issues, dependencies, archived items
    (
        "native type is a type label",
        {"labels": {"has": "type: Blog"}},
        {"issue_type": "blog"},
        True,
    ),
    (
        "native type counts once with its label",
        {"labels": {"count_prefix": {"prefix": "type: ", "eq": 1}}},
        {"issue_type": "Blog", "labels": ("type: blog",)},
        True,
    ),
    (
        "native type and another type label",
        {"labels": {"count_prefix": {"prefix": "type: ", "eq": 1}}},
        {"issue_type": "Bug", "labels": ("type: blog",)},
        False,
    ),
    (
        "native type in none_of",
        {"labels": {"none_of": ["type: bug"]}},
        {"issue_type": "Bug"},
        False,
    ),
    ("issue_type one_of", {"issue_type": {"one_of": ["Bug", "Task"]}}, {"issue_type": "bug"}, True),
    ("issue_type other", {"issue_type": {"one_of": ["Bug"]}}, {"issue_type": "Feature"}, False),
    ("issue_type one_of, untyped", {"issue_type": {"one_of": ["Bug"]}}, {}, False),
    ("issue_type empty", {"issue_type": {"empty": True}}, {}, True),
    ("issue_type set", {"issue_type": {"empty": False}}, {"issue_type": "Task"}, True),
    (
        "sub_issues all done",
        {"sub_issues": {"all_done": True}},
        {"sub_issues": SubIssues(total=6, completed=6)},
        True,
    ),
    (
        "sub_issues half done",
        {"sub_issues": {"all_done": True}},
        {"sub_issues": SubIssues(total=6, completed=3)},
        False,
    ),
    ("sub_issues none: not all done", {"sub_issues": {"all_done": True}}, {}, False),
    ("sub_issues none: total 0", {"sub_issues": {"total": {"eq": 0}}}, {}, True),
    (
        "sub_issues open count",
        {"sub_issues": {"open": {"le": 2}, "done": {"ge": 3}}},
        {"sub_issues": SubIssues(total=5, completed=3)},
        True,
    ),
    ("blocked_by open", {"blocked_by": {"ge": 1}}, {"blocked_by_open": 2}, True),
    ("blocked_by none open", {"blocked_by": {"ge": 1}}, {}, False),
    ("archived", {"archived": True}, {"board": {}, "archived": True}, True),
    ("not archived", {"archived": True}, {"board": {}}, False),
    ("archived: off the board is not", {"archived": False}, {}, True),
    ("in_status_for short", {"in_status_for": {"days": 3}}, {"status_age": D}, False),
    ("in_status_for unknown", {"in_status_for": {"days": 3}}, {}, False),
    ("empty condition", {}, {}, True),
    ("implicit and", {"state": "open", "assignees": {"ge": 1}}, {}, False),
    ("all", {"all": [{"state": "open"}, {"labels": {"has": ["a"]}}]}, {"labels": ("a",)}, True),
    ("all fails", {"all": [{"state": "open"}, {"state": "closed"}]}, {}, False),
    ("any", {"any": [{"state": "closed"}, {"labels": {"has": ["a"]}}]}, {"labels": ("a",)}, True),
    ("any fails", {"any": [{"state": "closed"}, {"on_board": True}]}, {}, False),
    ("not", {"not": {"state": "closed"}}, {}, True),
    ("not fails", {"not": {"state": "open"}}, {}, False),
    ("nested", {"not": {"any": [{"state": "closed"}, {"assignees": {"ge": 1}}]}}, {}, True),
]


@pytest.mark.parametrize(
    ("condition", "state", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_condition(condition: dict[str, Any], state: dict[str, Any], expected: bool) -> None:
    gaps = missing(Condition.model_validate(condition), snap(**state), BOARD)
    assert (not gaps) is expected, gaps


def test_every_condition_key_has_a_case() -> None:
    covered = {key for _, condition, _, _ in CASES for key in condition}
    assert set(TESTS) | {"all", "any", "not"} <= covered


@pytest.mark.parametrize(
    ("condition", "state", "texts"),
    [
        (
            {"assignees": {"ge": 1}, "labels": {"has": "x"}},
            {},
            ["the label `x`", "at least 1 assignee(s)"],
        ),
        ({"sections": ["Copy", "Link"]}, {"body": "### Copy\nhi"}, ["the section **Link**"]),
        (
            {"any": [{"body_line": "Blocked by"}, {"note": "why"}], "message": "a reason"},
            {},
            ["a reason"],
        ),
        ({"not": {"state": "open"}}, {}, ["not the issue is open"]),
        (
            {"sub_issues": {"all_done": True}},
            {"sub_issues": SubIssues(total=6, completed=3)},
            ["every sub-issue done (3 of 6 sub-issues done)"],
        ),
        (
            {"blocked_by": {"eq": 0}},
            {"blocked_by_open": 1},
            ["exactly 0 open blocking issue(s) (now 1)"],
        ),
        ({"issue_type": {"one_of": ["Bug"]}}, {}, ["an issue type of `Bug`"]),
    ],
)
def test_missing_says_what(
    condition: dict[str, Any], state: dict[str, Any], texts: list[str]
) -> None:
    gaps = missing(Condition.model_validate(condition), snap(**state), BOARD)
    assert [g.text for g in gaps] == texts


def test_message_and_fix_replace_the_generated_text() -> None:
    condition = Condition.model_validate(
        {"estimate": {"empty": False}, "message": "an estimate", "fix": "comment `/estimate 3h`"}
    )
    [gap] = missing(condition, snap(), BOARD)
    assert (gap.text, gap.fix) == ("an estimate", "comment `/estimate 3h`")
