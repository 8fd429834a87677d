"""Decisions the gateway makes before it writes: roles, field values, board references."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import respx

from service.gateway.client import GitHubClient, permission_from
from service.gateway.errors import GitHubError
from service.gateway.graphql import GraphQLClient
from service.gateway.retry import RetryPolicy
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"permission": "admin", "role_name": "admin"}, "admin"),
        ({"permission": "write", "role_name": "maintain"}, "maintain"),
        ({"permission": "read", "role_name": "triage"}, "triage"),
        ({"permission": "write"}, "write"),  # older Enterprise servers: no role_name
        # A custom repository role: its base permission decides.
        ({"permission": "write", "role_name": "content-editor"}, "write"),
        ({"permission": "none", "role_name": ""}, "none"),
        ({}, "none"),
    ],
)
def test_permission_from_the_collaborator_answer(answer: dict, expected: str) -> None:
    assert permission_from(answer) == expected


@pytest.fixture
def gateway(tracker: Tracker) -> GitHubClient:
    return factory_for(tracker.gh).for_installation(None)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("Estimate", "three", r"'Estimate' on board acme/1 is a number field: 'three' is not"),
        ("Estimate", date(2026, 1, 2), r"'Estimate' on board acme/1 is a number field, not a date"),
        (
            "Target date",
            "next week",
            r"'Target date' .* date field: 'next week' is not a date",
        ),
        ("Title", "New title", r"'Title' .* has type OTHER: boardwatch sets only single-select"),
    ],
)
def test_a_value_the_field_cannot_take_is_refused_before_any_write(
    tracker: Tracker, gateway: GitHubClient, field: str, value: object, error: str
) -> None:
    gh = tracker.gh
    item = gh.add_item(tracker.board, gh.add_issue(REPO))
    board = gateway.get_board("acme/1")
    mark = gh.mark()
    with pytest.raises(GitHubError, match=error):
        gateway.set_field(board, item.id, field, value)  # type: ignore[arg-type]
    assert gh.writes_since(mark) == []


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("Estimate", "4", 4.0),  # a number given as text, e.g. from a form
        ("Target date", "2026-12-24", "2026-12-24"),
    ],
)
def test_values_given_as_text_are_converted(
    tracker: Tracker, gateway: GitHubClient, field: str, value: str, stored: object
) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    item = gh.add_item(tracker.board, issue)
    gateway.set_field(gateway.get_board("acme/1"), item.id, field, value)
    assert gh.item_values(tracker.board, issue)[field] == stored


@pytest.mark.parametrize("ref", ["acme", "acme/one", "/1", "acme/"])
def test_a_malformed_board_reference_says_what_is_expected(
    tracker: Tracker, gateway: GitHubClient, ref: str
) -> None:
    mark = tracker.gh.mark()
    with pytest.raises(ValueError, match=r"expected ORG/NUMBER, e.g. acme/1"):
        gateway.get_board(ref)
    assert tracker.gh.calls_since(mark) == []


@pytest.mark.parametrize("ref", ["acme/99", "nobody/3"])
def test_a_missing_board_names_itself_and_what_to_check(
    tracker: Tracker, gateway: GitHubClient, ref: str
) -> None:
    with pytest.raises(GitHubError, match=rf"get_board failed.*no board {ref}.*BOARDWATCH_PROJECT"):
        gateway.get_board(ref)


GRAPHQL = "https://ghe.example/api/graphql"
BOARD = {
    "id": "PVT_1",
    "number": 4,
    "title": "Carol's board",
    "url": "https://ghe.example/users/carol/projects/4",
    "owner": {"login": "carol"},
    "fields": {"nodes": []},
}


def _not_found(root: str, message: str) -> httpx.Response:
    # The shape GitHub answers with: HTTP 200, data with a null root, a NOT_FOUND error.
    return httpx.Response(
        200,
        json={
            "data": {root: None},
            "errors": [{"type": "NOT_FOUND", "path": [root], "message": message}],
        },
    )


def _graphql_only_client() -> GitHubClient:
    policy = RetryPolicy(max_wait=0)
    return GitHubClient(
        rest=None,  # type: ignore[arg-type]  # board lookups are GraphQL only
        graphql=GraphQLClient(GRAPHQL, lambda: "t", policy),
        bot_login=lambda: "bot",
    )


def test_githubs_not_found_for_an_organization_leads_to_the_users_board() -> None:
    with respx.mock() as mock:
        route = mock.post(GRAPHQL).mock(
            side_effect=[
                _not_found(
                    "organization",
                    "Could not resolve to an Organization with the login of 'carol'.",
                ),
                httpx.Response(200, json={"data": {"user": {"projectV2": BOARD}}}),
            ]
        )
        board = _graphql_only_client().get_board("carol/4")
    assert (board.owner, board.number, board.title) == ("carol", 4, "Carol's board")
    assert route.call_count == 2


def test_a_missing_board_of_an_existing_organization_is_not_looked_up_as_a_user() -> None:
    with respx.mock() as mock:
        route = mock.post(GRAPHQL).mock(
            return_value=httpx.Response(
                200,
                json={
                    "data": {"organization": {"projectV2": None}},
                    "errors": [
                        {
                            "type": "NOT_FOUND",
                            "path": ["organization", "projectV2"],
                            "message": "Could not resolve to a ProjectV2 with the number 99.",
                        }
                    ],
                },
            )
        )
        with pytest.raises(GitHubError) as failure:
            _graphql_only_client().get_board("acme/99")
    assert route.call_count == 1
    assert str(failure.value) == (
        "GitHub get_board failed: no board acme/99 (Could not resolve to a "
        "ProjectV2 with the number 99.): check BOARDWATCH_PROJECT (ORG/NUMBER from the "
        "board's URL) and that the token may read the board"
    )


def test_the_app_lists_recent_deliveries_across_pages_and_asks_for_redelivery(
    fake_github: FakeGitHub,
) -> None:
    app = fake_github.setup_app("board-keeper", installations={77: "acme"})
    recent = [fake_github.add_hook_attempt(f"g{n}", 200, minutes_ago=n) for n in range(1, 231)]
    fake_github.add_hook_attempt("old", 500, minutes_ago=600)
    factory = factory_for(
        fake_github,
        GITHUB_TOKEN=None,
        GITHUB_APP_ID=str(app.id),
        GITHUB_APP_PRIVATE_KEY=app.private_key_pem,
    )
    client = factory.app()
    assert client is not None
    mark = fake_github.mark()
    found = client.list_hook_deliveries(datetime.now(UTC) - timedelta(hours=5))
    assert [d.guid for d in found] == [a.guid for a in recent]  # newest first, "old" left out
    assert len(fake_github.calls_since(mark)) == 3  # 100 a page
    client.redeliver(found[0].id)
    assert app.redelivered == [found[0].id]
