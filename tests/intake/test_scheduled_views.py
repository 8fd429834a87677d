"""Scheduled re-evaluations as operators see them: the admin API, metrics and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.handlers import build_registry
from service.store import Store
from service.store.reviews import REVIEW_ACTION, REVIEW_EVENT, Review, plan_review
from tests.support.apps import make_app, make_services, make_settings, subject_recorder
from tests.support.cli import environment, invoke
from tests.support.webhooks import encode, headers

TOKEN = "admin-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DUE = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def schedule(store: Store) -> Review:
    review = Review(repo="acme/tracker", number=7, node_id="I_7", installation_id=42, at=DUE)
    plan_review(store.deliveries, review.subject, review)
    return review


def test_the_admin_api_lists_a_scheduled_review_and_metrics_keep_it_out_of_the_queue_depth(
    store: Store,
) -> None:
    registry, _ = subject_recorder()
    review = schedule(store)
    with TestClient(make_app(store, registry, BOARDWATCH_ADMIN_TOKEN=TOKEN)) as client:
        listed = client.get("/deliveries?status=scheduled", headers=BEARER).json()
        [shown] = listed["deliveries"]
        assert shown["id"] == review.id
        assert shown["event"] == "boardwatch.review" and shown["subject"] == "issue:I_7"
        assert datetime.fromisoformat(shown["available_at"]) == DUE
        assert listed["counts"]["scheduled"] == 1 and listed["counts"]["queued"] == 0
        metrics = client.get("/metrics").text
        assert "boardwatch_queue_depth 0.0" in metrics
        assert "boardwatch_scheduled_reviews 1.0" in metrics


def test_the_cli_shows_when_a_scheduled_review_is_due(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path}/bw.db"
    store = Store.open(url)
    try:
        review = schedule(store)
    finally:
        store.close()
    # A terminal wide enough for the table's rows not to wrap.
    with environment(monkeypatch, {"BOARDWATCH_DATABASE_URL": url, "COLUMNS": "300"}):
        table = invoke("deliveries", "list", "--status", "scheduled")
        assert "scheduled for 2099-01-02 03:04:05" in table
        as_json = invoke("deliveries", "list", "--json")
    assert review.id in as_json and '"status": "scheduled"' in as_json


def test_an_operator_can_run_a_scheduled_review_now(store: Store) -> None:
    review = schedule(store)
    replayed = store.deliveries.replay(review.id)
    assert replayed is not None and replayed.status == "queued"
    claimed = store.deliveries.claim("w", 30)
    assert claimed is not None and claimed.id == review.id
    assert claimed.available_at < DUE - timedelta(days=1)


def test_a_webhook_posing_as_a_scheduled_review_is_stored_and_not_acted_on(store: Store) -> None:
    settings = make_settings()
    services = make_services(settings, store)
    app = create_app(
        settings, services=services, registry=build_registry(services), start_worker=False
    )
    body = encode(
        {
            "action": REVIEW_ACTION,
            "repository": {"full_name": "acme/tracker"},
            "issue": {"number": 7, "node_id": "I_7"},
        }
    )
    with TestClient(app) as client:
        answer = client.post(
            "/webhook", content=body, headers=headers(body, REVIEW_EVENT, delivery="outside-1")
        )
    assert answer.json() == {"delivery": "outside-1", "status": "ignored"}
    assert store.deliveries.claim("w", 30) is None
