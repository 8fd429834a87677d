"""Limits beyond the plain cases: GraphQL's HTTP-200 rate limit, dates in Retry-After,
writes that must not be sent twice, and tokens kept out of errors and logs."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from service.gateway.accounting import ledger
from service.gateway.errors import GitHubError
from service.gateway.graphql import GraphQLClient
from service.gateway.retry import RetryPolicy, graphql_limit_wait, wait_for
from tests.fakegithub import TOKEN, FakeGitHub, Fault
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"
URL = "https://ghe.example/api/graphql"
RATE_LIMITED = {
    "errors": [
        {
            "type": "RATE_LIMITED",
            "message": "API rate limit already exceeded for installation ID 7.",
        }
    ]
}


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "Thu, 01 Jan 1970 00:17:10 GMT"}, 30.0),  # now = 1000 s
        (403, {"Retry-After": "Thu, 01 Jan 1970 00:10:00 GMT"}, 0.0),  # already past
        (429, {"Retry-After": "soon"}, 60.0),  # unreadable: the secondary-limit default
    ],
)
def test_retry_after_may_be_an_http_date(status, headers, expected) -> None:
    assert wait_for(status, headers, "", 1, now=1000.0) == expected


@pytest.mark.parametrize(
    ("headers", "attempt", "expected"),
    [
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}, 1, 31.0),
        # GitHub may still say remaining > 0 with RATE_LIMITED: the reset time counts.
        ({"x-ratelimit-remaining": "12", "x-ratelimit-reset": "1010"}, 1, 11.0),
        ({"Retry-After": "9"}, 1, 9.0),
        ({}, 2, 120.0),
    ],
)
def test_graphql_rate_limit_waits(headers, attempt, expected) -> None:
    assert graphql_limit_wait(headers, attempt, now=1000.0) == expected


def _client(slept: list[float], max_wait: float = 100) -> GraphQLClient:
    return GraphQLClient(
        URL, lambda: "ghs_secretsecretsecret", RetryPolicy(max_wait=max_wait, sleep=slept.append)
    )


def test_graphql_rate_limited_with_http_200_is_waited_out_then_retried() -> None:
    slept: list[float] = []
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(URL).mock(
            side_effect=[
                httpx.Response(200, json=RATE_LIMITED, headers={"Retry-After": "7"}),
                httpx.Response(200, json={"data": {"organization": None}}),
            ]
        )
        assert _client(slept).execute("GetOrgBoard", {"login": "a", "number": 1}) == {
            "organization": None
        }
    assert route.call_count == 2 and slept == [7.0]


def test_graphql_rate_limited_past_the_budget_fails_with_githubs_message() -> None:
    slept: list[float] = []
    with respx.mock() as mock:
        mock.post(URL).mock(
            return_value=httpx.Response(200, json=RATE_LIMITED, headers={"Retry-After": "30"})
        )
        with pytest.raises(GitHubError) as failure:
            _client(slept, max_wait=50).execute("GetOrgBoard", {"login": "a", "number": 1})
    assert slept == [30.0]
    assert failure.value.types == ("RATE_LIMITED",)
    assert "GetOrgBoard" in str(failure.value) and "rate limit already exceeded" in str(
        failure.value
    )


def test_a_graphql_answer_that_is_not_json_is_a_clear_error() -> None:
    with respx.mock() as mock:
        mock.post(URL).mock(return_value=httpx.Response(200, text="<html>proxy login</html>"))
        with pytest.raises(GitHubError, match=r"GetItem failed.*not JSON.*proxy login"):
            _client([]).execute("GetItem", {"itemId": "x"})


def test_mutations_count_as_writes_and_queries_as_reads() -> None:
    with respx.mock() as mock:
        mock.post(URL).mock(
            return_value=httpx.Response(
                200, json={"data": {"addProjectV2ItemById": {"item": None}}}
            )
        )
        with ledger() as book:
            client = _client([])
            client.execute("AddItem", {"boardId": "b", "contentId": "c"})
            client.execute("GetItem", {"itemId": "x"})
    assert (book.reads, book.writes) == (1, 1)


def test_a_new_comment_is_not_sent_twice_after_a_502(tracker: Tracker) -> None:
    gh = tracker.gh
    slept: list[float] = []
    gateway = factory_for(gh, slept).for_installation(None)
    issue = gh.add_issue(REPO)
    gh.fail_next(1, status=502, match="POST /repos/acme/tracker/issues/1/comments")
    with pytest.raises(GitHubError, match=r"create_comment failed \(HTTP 502\)"):
        gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.")
    assert slept == []
    # The delivery is retried as a whole: the upsert finds nothing and creates one comment.
    assert gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.").action == "created"
    assert len(gh.bot_comments(issue)) == 1


def test_a_rate_limited_comment_is_retried_since_github_did_nothing(tracker: Tracker) -> None:
    gh = tracker.gh
    slept: list[float] = []
    gateway = factory_for(gh, slept).for_installation(None)
    issue = gh.add_issue(REPO)
    gh.secondary_rate_limit(retry_after=2, match="POST /repos/acme/tracker/issues/1/comments")
    gateway.create_comment(REPO, 1, "hello")
    assert slept == [2.0] and [c.body for c in issue.comments] == ["hello"]


def test_a_422_says_what_github_found_invalid(tracker: Tracker) -> None:
    gateway = factory_for(tracker.gh).for_installation(None)
    tracker.gh.add_issue(REPO)
    tracker.gh.faults.append(Fault(status=422, message="Validation Failed", match="PATCH"))
    with pytest.raises(GitHubError, match=r"update_issue failed \(HTTP 422\): Validation Failed"):
        gateway.update_issue(REPO, 1, title="x")
    assert tracker.gh.issue(REPO, 1).title != "x"


def test_a_github_error_never_carries_a_token() -> None:
    error = GitHubError("get_issue", "echoed header: token ghs_abcdefghijklmnop0123", 401)
    assert "ghs_" not in str(error) and "***" in str(error)


def test_no_token_reaches_the_logs_with_token_auth(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub logs requests at DEBUG
    gateway = factory_for(tracker.gh).for_installation(None)
    tracker.gh.add_issue(REPO)
    gateway.get_issue(REPO, 1)
    gateway.get_board("acme/1")
    assert "/repos/acme/tracker/issues/1" in caplog.text  # PyGithub did log the request
    assert TOKEN not in caplog.text


def test_no_installation_token_or_jwt_reaches_the_logs_with_an_app(
    fake_github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub logs requests at DEBUG
    fake_github.add_repo(REPO)
    app = fake_github.setup_app("board-keeper", installations={77: "acme"})
    fake_github.add_issue(REPO)
    factory = factory_for(
        fake_github,
        GITHUB_TOKEN=None,
        GITHUB_APP_ID=str(app.id),
        GITHUB_APP_PRIVATE_KEY=app.private_key_pem,
    )
    gateway = factory.for_installation(77)
    gateway.get_issue(REPO, 1)
    [token] = app.tokens
    # PyGithub logged the token request with its answer, whose body holds the token.
    assert '"token":"***"' in caplog.text
    assert token not in caplog.text and "eyJ" not in caplog.text
