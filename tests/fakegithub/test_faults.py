"""The fake's fault switches: server errors, both rate limits, delays, GraphQL errors, latency."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakegithub import TOKEN, FakeGitHub

REPO = "acme/tracker"
QUERY = {"query": "query Who { viewer { login } }"}


@pytest.fixture
def gh(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.add_repo(REPO)
    fake_github.add_issue(REPO)
    return fake_github


@pytest.fixture
def http(gh: FakeGitHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gh.base_url, headers={"Authorization": f"token {TOKEN}"}) as c:
        yield c


def test_the_next_requests_fail_with_502_then_succeed(gh: FakeGitHub, http: httpx.Client) -> None:
    gh.fail_next(2)
    statuses = [http.get(f"/repos/{REPO}/issues/1").status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert [c.status for c in gh.calls] == [502, 502, 200]


def test_a_fault_matches_only_its_path_or_operation(gh: FakeGitHub, http: httpx.Client) -> None:
    gh.fail_next(1, match="POST /repos/acme/tracker/issues/1/comments")
    gh.fail_next(1, status=503, match="Who")
    assert http.get(f"/repos/{REPO}/issues/1").status_code == 200
    assert http.post("/graphql", json=QUERY).status_code == 503
    assert http.post(f"/repos/{REPO}/issues/1/comments", json={"body": "x"}).status_code == 502
    assert http.post(f"/repos/{REPO}/issues/1/comments", json={"body": "x"}).status_code == 201
    assert [c.body for c in gh.comments(REPO, 1)] == ["x"]  # the refused write did nothing


def test_the_secondary_rate_limit_says_so_and_when_to_come_back(
    gh: FakeGitHub, http: httpx.Client
) -> None:
    gh.secondary_rate_limit(retry_after=7)
    answer = http.post(f"/repos/{REPO}/issues/1/labels", json={"labels": ["a"]})
    assert (answer.status_code, answer.headers["retry-after"]) == (403, "7")
    assert "exceeded a secondary rate limit" in answer.json()["message"]
    assert gh.issue(REPO, 1).labels == []


def test_the_primary_rate_limit_has_no_budget_left_until_reset(
    gh: FakeGitHub, http: httpx.Client
) -> None:
    gh.primary_rate_limit(reset_in=30)
    answer = http.get(f"/repos/{REPO}/issues/1")
    assert (answer.status_code, answer.headers["x-ratelimit-remaining"]) == (403, "0")
    assert 25 <= int(answer.headers["x-ratelimit-reset"]) - time.time() <= 31
    assert "rate limit exceeded" in answer.json()["message"]


def test_a_delay_holds_the_answer_back_long_enough_for_a_client_timeout(
    gh: FakeGitHub, http: httpx.Client
) -> None:
    gh.slow_next(0.5)
    with pytest.raises(httpx.ReadTimeout):
        http.get(f"/repos/{REPO}/issues/1", timeout=0.1)
    assert http.get(f"/repos/{REPO}/issues/1", timeout=5).status_code == 200


def test_graphql_errors_for_one_operation(gh: FakeGitHub, http: httpx.Client) -> None:
    gh.graphql_error_next("Something went wrong while executing your query.", match="Who")
    failed = http.post("/graphql", json=QUERY).json()
    assert failed == {
        "data": None,
        "errors": [{"message": "Something went wrong while executing your query."}],
    }
    answer = http.post("/graphql", json=QUERY).json()
    assert answer == {"data": {"viewer": {"login": "boardwatch-bot"}}}


def test_latency_is_added_to_every_answer(gh: FakeGitHub, http: httpx.Client) -> None:
    gh.latency_ms = 150
    started = time.monotonic()
    http.get(f"/repos/{REPO}")
    assert time.monotonic() - started >= 0.15


def test_an_error_can_echo_the_token_the_request_carried(
    gh: FakeGitHub, http: httpx.Client
) -> None:
    gh.echo_credentials_next(match="GET /repos/acme/tracker/issues/1")
    answer = http.get(f"/repos/{REPO}/issues/1")
    assert answer.status_code == 401
    assert answer.json()["message"] == f"Bad credentials (request had Authorization: token {TOKEN})"
    assert http.get(f"/repos/{REPO}/issues/1").status_code == 200
