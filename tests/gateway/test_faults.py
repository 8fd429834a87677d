"""Rate limits, outages and errors: retried within the budget, then a clear error."""

from __future__ import annotations

import time

import httpx
import pytest
import respx

from service.gateway.accounting import ledger
from service.gateway.errors import GitHubError
from service.gateway.graphql import GraphQLClient
from service.gateway.retry import RetryPolicy, wait_for
from tests.fakegithub import TOKEN
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


@pytest.mark.parametrize(
    ("status", "headers", "body", "attempt", "expected"),
    [
        (403, {"Retry-After": "7"}, "secondary rate limit", 1, 7.0),
        (429, {"retry-after": "3"}, "", 1, 3.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1060"}, "", 1, 61.0),
        (403, {}, "You have exceeded a secondary rate limit", 1, 60.0),
        (403, {}, "You have exceeded a secondary rate limit", 2, 120.0),
        (403, {}, "Resource not accessible by integration", 1, None),  # a real 403
        (404, {}, "Not Found", 1, None),
        (422, {}, "Validation Failed", 1, None),
    ],
)
def test_when_to_wait(status, headers, body, attempt, expected) -> None:
    assert wait_for(status, headers, body, attempt, now=1000.0) == expected


@pytest.mark.parametrize(
    ("status", "attempt", "low", "high"), [(502, 1, 0.5, 1.5), (None, 3, 2, 6)]
)
def test_server_errors_and_timeouts_back_off_exponentially(status, attempt, low, high) -> None:
    assert low <= wait_for(status, {}, "", attempt) <= high


def test_rest_retries_a_502_then_succeeds(tracker: Tracker) -> None:
    slept: list[float] = []
    gateway = factory_for(tracker.gh, slept).for_installation(None)
    tracker.gh.add_issue(REPO, title="x")
    tracker.gh.fail_next(2, status=502, match="GET /repos/acme/tracker/issues/1")
    with ledger() as book:
        assert gateway.get_issue(REPO, 1).title == "x"
    assert len(slept) == 2 and slept[1] > slept[0] * 0.6
    assert book.by_operation["get_issue"] == 3


def test_rest_honours_the_secondary_rate_limit_retry_after(tracker: Tracker) -> None:
    slept: list[float] = []
    gateway = factory_for(tracker.gh, slept).for_installation(None)
    tracker.gh.add_issue(REPO)
    tracker.gh.secondary_rate_limit(retry_after=4, match="POST")
    gateway.add_labels(REPO, 1, ["needs-triage"])
    assert slept == [4.0]
    assert tracker.gh.issue(REPO, 1).labels == ["needs-triage"]  # added once, not twice


def test_rest_waits_for_the_primary_limit_reset(tracker: Tracker) -> None:
    slept: list[float] = []
    gateway = factory_for(tracker.gh, slept, GITHUB_MAX_WAIT=60).for_installation(None)
    tracker.gh.add_issue(REPO)
    tracker.gh.primary_rate_limit(reset_in=30)
    gateway.get_issue(REPO, 1)
    assert len(slept) == 1 and 29 <= slept[0] <= 32


def test_graphql_retries_and_honours_rate_limits(tracker: Tracker) -> None:
    slept: list[float] = []
    gateway = factory_for(tracker.gh, slept).for_installation(None)
    tracker.gh.fail_next(1, status=502, match="GetOrgBoard")
    tracker.gh.secondary_rate_limit(retry_after=2, match="GetOrgBoard")
    assert gateway.get_board("acme/1").number == 1
    assert len(slept) == 2 and slept[1] == 2.0


def test_graphql_errors_are_errors_never_partial_data(tracker: Tracker) -> None:
    gateway = factory_for(tracker.gh).for_installation(None)
    tracker.gh.graphql_error_next("Something went wrong while executing your query.")
    with pytest.raises(GitHubError, match=r"GetOrgBoard failed.*Something went wrong"):
        gateway.get_board("acme/1")


def test_giving_up_after_the_maximum_wait_names_the_operation(tracker: Tracker) -> None:
    slept: list[float] = []
    gateway = factory_for(tracker.gh, slept, GITHUB_MAX_WAIT=10).for_installation(None)
    tracker.gh.add_issue(REPO)
    tracker.gh.secondary_rate_limit(times=10, retry_after=4)
    with pytest.raises(GitHubError) as failure:
        gateway.get_issue(REPO, 1)
    assert slept == [4.0, 4.0]  # a third wait would pass the 10 s budget
    assert "get_issue" in str(failure.value) and "secondary rate limit" in str(failure.value)
    assert TOKEN not in str(failure.value)


def test_a_timeout_is_retried(tracker: Tracker) -> None:
    gateway = factory_for(tracker.gh).for_installation(None)
    client = gateway.graphql  # type: ignore[attr-defined]
    client._http = httpx.Client(timeout=0.3)
    tracker.gh.slow_next(1.0, match="GetOrgBoard")
    started = time.monotonic()
    assert gateway.get_board("acme/1").number == 1
    assert time.monotonic() - started < 5


def test_graphql_with_respx_fault_sequence() -> None:
    slept: list[float] = []
    client = GraphQLClient(
        "https://ghe.example/api/graphql",
        lambda: "secret-token",
        RetryPolicy(max_wait=100, sleep=slept.append),
    )
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("https://ghe.example/api/graphql").mock(
            side_effect=[
                httpx.ConnectTimeout("timed out"),
                httpx.Response(502, json={"message": "Bad Gateway"}),
                httpx.Response(429, headers={"Retry-After": "5"}, json={"message": "slow down"}),
                httpx.Response(200, json={"data": {"organization": None}}),
            ]
        )
        assert client.execute("GetOrgBoard", {"login": "a", "number": 1}) == {"organization": None}
    assert route.call_count == 4 and slept[-1] == 5.0
    sent = route.calls[-1].request
    assert sent.headers["Authorization"] == "bearer secret-token"
    with respx.mock() as mock:
        mock.post("https://ghe.example/api/graphql").mock(
            return_value=httpx.Response(401, json={"message": "Bad credentials"})
        )
        with pytest.raises(GitHubError) as failure:
            client.execute("GetOrgBoard", {"login": "a", "number": 1})
    assert "Bad credentials" in str(failure.value) and "secret-token" not in str(failure.value)
