"""GitHub's issue type, sub-issue progress and open blockers, read from every shape GitHub
sends: REST issues, GraphQL `Issue`s and webhook payloads (pure parsing, one row per case)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.domain.models import SubIssues
from service.gateway.client import issue_from_graphql, issue_from_rest
from service.intake.events import Envelope

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "webhooks"
REST_BASE = {"number": 5, "title": "Launch", "state": "open"}
GRAPHQL_BASE = {"id": "I_5", "number": 5, "repository": {"nameWithOwner": "acme/tracker"}}

# (case, REST fields, GraphQL fields, issue_type, sub_issues, blocked_by_open)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str | None, SubIssues | None, int]] = [
    ("none of it (older GitHub, GHES)", {}, {}, None, None, 0),
    (
        "no type, no sub-issues, no dependencies",
        {
            "type": None,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": None,
        },
        {
            "issueType": None,
            "subIssuesSummary": {"total": 0, "completed": 0},
            "issueDependenciesSummary": {"blockedBy": 0},
        },
        None,
        None,
        0,
    ),
    (
        "a typed launch, 3 of 6 done, blocked by 1 open of 2",
        {
            "type": {"id": 1, "node_id": "IT_1", "name": "Launch"},
            "sub_issues_summary": {"total": 6, "completed": 3, "percent_completed": 50},
            "issue_dependencies_summary": {
                "blocked_by": 1,
                "total_blocked_by": 2,
                "blocking": 0,
                "total_blocking": 0,
            },
        },
        {
            "issueType": {"name": "Launch"},
            "subIssuesSummary": {"total": 6, "completed": 3},
            "issueDependenciesSummary": {"blockedBy": 1},
        },
        "Launch",
        SubIssues(total=6, completed=3),
        1,
    ),
    (
        "blockers all closed",
        {"issue_dependencies_summary": {"blocked_by": 0, "total_blocked_by": 3}},
        {"issueDependenciesSummary": {"blockedBy": 0}},
        None,
        None,
        0,
    ),
]


@pytest.mark.parametrize(
    ("rest", "graphql", "issue_type", "sub_issues", "blocked_by"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_native_structure_from_rest_graphql_and_webhooks(
    rest: dict[str, Any],
    graphql: dict[str, Any],
    issue_type: str | None,
    sub_issues: SubIssues | None,
    blocked_by: int,
) -> None:
    from_payload = Envelope.model_validate({"issue": {**REST_BASE, **rest}}).issue
    assert from_payload is not None
    for issue in (
        issue_from_rest("acme/tracker", {**REST_BASE, **rest}),
        issue_from_graphql({**GRAPHQL_BASE, **graphql}),
        from_payload.to_issue("acme/tracker"),
    ):
        assert (issue.issue_type, issue.sub_issues, issue.blocked_by_open) == (
            issue_type,
            sub_issues,
            blocked_by,
        )


@pytest.mark.parametrize(("action", "expected"), [("typed", "Feature"), ("untyped", None)])
def test_githubs_typed_and_untyped_payloads(action: str, expected: str | None) -> None:
    payload = json.loads((CORPUS / "issues" / f"{action}.json").read_text())
    envelope = Envelope.model_validate(payload)
    assert envelope.action == action and envelope.issue is not None
    issue = envelope.issue.to_issue(envelope.repo or "")
    assert issue.issue_type == expected
    assert issue.sub_issues is None  # the example has 0 sub-issues
