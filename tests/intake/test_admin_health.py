"""The admin API (bearer token), health, readiness and metrics endpoints."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from service.store import Store
from service.worker import Worker
from tests.support.apps import make_app, subject_recorder
from tests.support.webhooks import encode, headers

TOKEN = "admin-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def send(client: TestClient, delivery: str, number: int = 1) -> None:
    body = encode(
        {
            "action": "opened",
            "issue": {"number": number, "node_id": f"I_{number}"},
            "repository": {"full_name": "acme/tracker"},
        }
    )
    assert (
        client.post(
            "/webhook", content=body, headers=headers(body, "issues", delivery=delivery)
        ).status_code
        == 202
    )


def test_without_an_admin_token_the_admin_api_does_not_exist(store: Store) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as client:
        assert client.get("/deliveries").status_code == 404
        assert client.get("/deliveries", headers=BEARER).status_code == 404


@pytest.mark.parametrize(
    "auth", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x"]
)
def test_the_admin_api_needs_the_bearer_token(store: Store, auth: str | None) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry, BOARDWATCH_ADMIN_TOKEN=TOKEN)) as client:
        sent = {"Authorization": auth} if auth else {}
        answer = client.get("/deliveries", headers=sent)
        assert answer.status_code == 401
        assert "BOARDWATCH_ADMIN_TOKEN" in answer.json()["detail"]
        assert TOKEN not in answer.text


def test_list_get_and_replay(store: Store) -> None:
    registry, seen = subject_recorder()
    with TestClient(make_app(store, registry, BOARDWATCH_ADMIN_TOKEN=TOKEN)) as client:
        send(client, "a-1", 1)
        send(client, "a-2", 2)
        listed = client.get("/deliveries", headers=BEARER).json()
        assert [d["id"] for d in listed["deliveries"]] == ["a-2", "a-1"]
        assert listed["counts"]["queued"] == 2
        assert "payload" not in listed["deliveries"][0]
        assert client.get("/deliveries?status=done", headers=BEARER).json()["deliveries"] == []
        assert client.get("/deliveries?status=bogus", headers=BEARER).status_code == 422

        Worker(store.deliveries, registry).run_until_idle()
        one = client.get("/deliveries/a-1", headers=BEARER).json()
        assert one["status"] == "done"
        assert one["outcome"]["subject"] == "issue:I_1"
        assert one["outcome"]["github"] == {"reads": 0, "writes": 0, "calls": {}}

        replayed = client.post("/deliveries/a-1/replay", headers=BEARER)
        assert replayed.status_code == 202 and replayed.json()["status"] == "queued"
        Worker(store.deliveries, registry).run_until_idle()
        assert [j.delivery.id for j in seen].count("a-1") == 2
        assert client.get("/deliveries/nope", headers=BEARER).status_code == 404
        assert client.post("/deliveries/nope/replay", headers=BEARER).status_code == 404


def test_health_readiness_and_metrics(store: Store) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ready"}
        send(client, "m-1")
        metrics = client.get("/metrics").text
        assert 'boardwatch_deliveries_total{event="issues",status="queued"}' in metrics
        assert "boardwatch_queue_depth 1.0" in metrics
        assert "boardwatch_processing_seconds" in metrics


def test_readiness_fails_when_the_database_is_gone(tmp_path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/x.db")
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as client:
        # SQLite cannot open a database file in a folder that does not exist.
        client.app.state.store = Store(create_engine(f"sqlite:///{tmp_path}/gone/x.db"))
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "unavailable", "database": "OperationalError"}


@pytest.mark.parametrize(
    "auth",
    [b"Bearer \xc3\x9f\xc3\xbc \xe2\x9c\x93", b"Bearer " + b"x" * 8000, b"Bearer", b"bearer \xff"],
    ids=["utf-8", "long", "no-token", "latin-1"],
)
def test_any_bearer_value_is_a_clear_401(store: Store, auth: bytes) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry, BOARDWATCH_ADMIN_TOKEN=TOKEN)) as client:
        answer = client.get("/deliveries", headers={"Authorization": auth})
    assert answer.status_code == 401 and "BOARDWATCH_ADMIN_TOKEN" in answer.json()["detail"]
