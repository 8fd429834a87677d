"""`GET /history`: the status history for reports made elsewhere, behind a read-only token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from service.reports.history_source import from_service
from service.store import Store, history
from tests.support.apps import make_app, subject_recorder
from tests.support.live import serving

REPORT = "report-token-for-tests"
ADMIN = "admin-token-for-tests"
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def record(store: Store, changes: int) -> None:
    for n in range(changes):
        history.record(
            store.engine,
            kind="status",
            repo="acme/tracker",
            number=n + 1,
            item_id=f"PVTI_{n}",
            old=None,
            new="In Progress",
            at=START + timedelta(days=n),
            actor="alice",
            source="webhook",
        )


def client_for(store: Store, **settings: str) -> TestClient:
    registry, _ = subject_recorder()
    return TestClient(make_app(store, registry, **settings))


def test_without_tokens_the_endpoint_does_not_exist(store: Store) -> None:
    with client_for(store) as client:
        assert client.get("/history", headers=bearer(REPORT)).status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (bearer("wrong"), 401),
        ({"Authorization": REPORT}, 401),  # no "Bearer"
        (bearer(REPORT), 200),
        (bearer(ADMIN), 200),
    ],
)
def test_the_report_token_or_the_admin_token_reads_it(
    store: Store, headers: dict[str, str], status: int
) -> None:
    record(store, 1)
    with client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT, BOARDWATCH_ADMIN_TOKEN=ADMIN) as client:
        answer = client.get("/history", headers=headers)
    assert answer.status_code == status
    if status == 401:
        assert "BOARDWATCH_REPORT_TOKEN" in answer.json()["detail"]
        assert REPORT not in answer.text and ADMIN not in answer.text


def test_the_report_token_reads_nothing_else(store: Store) -> None:
    with client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT, BOARDWATCH_ADMIN_TOKEN=ADMIN) as client:
        assert client.get("/deliveries", headers=bearer(REPORT)).status_code == 401
        assert client.get("/deliveries", headers=bearer(ADMIN)).status_code == 200


def test_pages_follow_on_until_every_change_is_read(store: Store) -> None:
    record(store, 5)
    seen: list[int] = []
    with client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT) as client:
        after: int | None = 0
        while after is not None:
            page = client.get(
                "/history", params={"after": after, "limit": 2}, headers=bearer(REPORT)
            ).json()
            assert len(page["entries"]) <= 2
            seen += [entry["number"] for entry in page["entries"]]
            after = page["next_after"]
    assert seen == [1, 2, 3, 4, 5]


def test_since_keeps_the_later_changes(store: Store) -> None:
    record(store, 4)
    with client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT) as client:
        page = client.get(
            "/history",
            params={"since": (START + timedelta(days=2)).isoformat()},
            headers=bearer(REPORT),
        ).json()
    assert [entry["number"] for entry in page["entries"]] == [3, 4]
    assert page["entries"][0] == {
        "repo": "acme/tracker",
        "number": 3,
        "item_id": "PVTI_2",
        "kind": "status",
        "old_value": None,
        "new_value": "In Progress",
        "changed_at": "2026-11-04T09:00:00Z",
        "actor": "alice",
        "source": "webhook",
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"since": "2026-11-02T09:00:00"}, 400),  # no time zone
        ({"since": "last week"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "100000"}, 422),
        ({"after": "-1"}, 422),
    ],
)
def test_bad_queries_are_refused_with_the_reason(
    store: Store, params: dict[str, str], status: int
) -> None:
    with client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT) as client:
        answer = client.get("/history", params=params, headers=bearer(REPORT))
    assert answer.status_code == status
    assert answer.json()["detail"]


def test_the_digest_reads_every_page_oldest_first(store: Store) -> None:
    record(store, 3)
    with serving(client_for(store, BOARDWATCH_REPORT_TOKEN=REPORT).app) as url:
        read = from_service(f"{url}/history", REPORT)
    assert read.missing is None
    assert [e.number for e in read.entries] == [1, 2, 3]


def _answer(status: int, body: bytes = b"{}") -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body))


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("url", "token", "transport", "reason"),
    [
        (None, REPORT, None, "set BOARDWATCH_HISTORY_URL"),
        ("not a url", REPORT, None, "BOARDWATCH_HISTORY_URL is not a web address"),
        ("ftp://host/history", REPORT, None, "BOARDWATCH_HISTORY_URL is not a web address"),
        ("https://bw.example/history", None, None, "BOARDWATCH_REPORT_TOKEN is not set"),
        ("https://bw.example/history", REPORT, _answer(401), "refused BOARDWATCH_REPORT_TOKEN"),
        ("https://bw.example/history", REPORT, _answer(404), "answered 404"),
        ("https://bw.example/history", REPORT, _answer(502), "answered HTTP 502"),
        ("https://bw.example/history", REPORT, _answer(200, b"<html>"), "did not answer with"),
        (
            "https://bw.example/history",
            REPORT,
            httpx.MockTransport(_unreachable),
            "could not be reached (ConnectError)",
        ),
    ],
)
def test_when_history_cannot_be_read_the_reason_says_what_to_do(
    url: str | None, token: str | None, transport: httpx.BaseTransport | None, reason: str
) -> None:
    read = from_service(url, token, transport=transport)
    assert read.entries == []
    assert read.missing is not None and reason in read.missing
    assert REPORT not in read.missing


def test_credentials_in_the_address_are_not_repeated() -> None:
    read = from_service("https://user:pw@bw.example/history?x=1", REPORT, transport=_answer(401))
    assert read.missing is not None
    assert "pw" not in read.missing and "https://bw.example/history" in read.missing
