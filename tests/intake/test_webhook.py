"""POST /webhook: signatures, headers, bodies, duplicates, and what ends up in the store."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi.testclient import TestClient

from service.intake.router import MAX_BODY_BYTES
from service.settings import SettingsError
from service.store import Store
from service.worker import Worker
from tests.support.apps import make_app, subject_recorder
from tests.support.webhooks import encode, headers

PAYLOAD = {
    "action": "opened",
    "issue": {"number": 7, "node_id": "I_7", "title": "Blog post", "state": "open"},
    "repository": {"full_name": "acme/tracker"},
    "sender": {"login": "alice", "type": "User"},
    "installation": {"id": 42},
}


@pytest.fixture
def client(store: Store):
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry)) as test_client:
        yield test_client


def post(client: TestClient, body: bytes, event: str = "issues", **kw) -> httpx.Response:
    return client.post("/webhook", content=body, headers=headers(body, event, **kw))


def test_a_signed_delivery_is_stored_and_queued(client: TestClient, store: Store) -> None:
    body = encode(PAYLOAD)
    answer = post(client, body, delivery="d-1")
    assert answer.status_code == 202
    assert answer.json() == {"delivery": "d-1", "status": "queued"}
    row = store.deliveries.get("d-1", with_payload=True)
    assert row is not None
    assert (row.event, row.action, row.status, row.installation_id) == (
        "issues",
        "opened",
        "queued",
        42,
    )
    assert row.subject == "issue:I_7"
    assert row.payload == body.decode()


def test_the_same_delivery_twice_is_stored_once(client: TestClient, store: Store) -> None:
    body = encode(PAYLOAD)
    assert post(client, body, delivery="d-2").json()["status"] == "queued"
    again = post(client, body, delivery="d-2")
    assert again.status_code == 202
    assert again.json() == {"delivery": "d-2", "status": "duplicate"}
    assert store.deliveries.counts()["queued"] == 1


def test_an_event_no_rule_listens_to_is_stored_as_ignored(client: TestClient, store: Store) -> None:
    body = encode({"action": "opened", "repository": {"full_name": "acme/tracker"}})
    answer = post(client, body, event="pull_request", delivery="d-3")
    assert answer.json() == {"delivery": "d-3", "status": "ignored"}
    row = store.deliveries.get("d-3")
    assert row is not None and row.status == "ignored" and row.finished_at is not None


def test_ping_is_answered_200_and_not_stored(client: TestClient, store: Store) -> None:
    body = encode({"zen": "Keep it logically awesome.", "hook_id": 1})
    answer = post(client, body, event="ping", delivery="d-ping")
    assert answer.status_code == 200
    assert store.deliveries.get("d-ping") is None


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        (None, "missing"),
        ("sha256=" + "0" * 64, "wrong digest"),
        ("sha1=abc", "wrong scheme"),
        ("", "empty"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(
    client: TestClient, store: Store, signature: str | None, why: str
) -> None:
    body = encode(PAYLOAD)
    sent = headers(body, "issues", delivery="d-bad", secret=None)
    if signature is not None:
        sent["X-Hub-Signature-256"] = signature
    answer = client.post("/webhook", content=body, headers=sent)
    assert answer.status_code == 401, why
    assert "X-Hub-Signature-256" in answer.json()["error"]
    assert store.deliveries.get("d-bad") is None


def test_a_body_signed_with_another_secret_is_refused(client: TestClient, store: Store) -> None:
    body = encode(PAYLOAD)
    answer = post(client, body, delivery="d-other", secret="not-the-secret")
    assert answer.status_code == 401
    assert store.deliveries.counts()["queued"] == 0


def test_every_listed_secret_is_accepted_for_rotation(store: Store) -> None:
    registry, _ = subject_recorder()
    app = make_app(store, registry, GITHUB_WEBHOOK_SECRET="old-secret, new-secret")
    with TestClient(app) as client:
        for secret in ("old-secret", "new-secret"):
            body = encode({**PAYLOAD, "issue": {**PAYLOAD["issue"], "node_id": secret}})
            answer = client.post(
                "/webhook", content=body, headers=headers(body, "issues", secret=secret)
            )
            assert answer.status_code == 202, secret
        body = encode(PAYLOAD)
        refused = client.post("/webhook", content=body, headers=headers(body, "issues"))
        assert refused.status_code == 401


@pytest.mark.parametrize(
    ("drop", "reason"),
    [
        ("X-GitHub-Event", "missing X-GitHub-Event header"),
        ("X-GitHub-Delivery", "missing or malformed X-GitHub-Delivery header"),
    ],
)
def test_missing_headers_are_400_with_the_reason(
    client: TestClient, store: Store, drop: str, reason: str
) -> None:
    body = encode(PAYLOAD)
    sent = headers(body, "issues")
    del sent[drop]
    answer = client.post("/webhook", content=body, headers=sent)
    assert answer.status_code == 400
    assert answer.json() == {"error": reason}
    assert sum(store.deliveries.counts().values()) == 0


@pytest.mark.parametrize(
    ("body", "reason_starts"),
    [
        (b"not json", "body is not JSON"),
        (b"[1, 2]", "body is JSON but not an object (got list)"),
        (b'"text"', "body is JSON but not an object (got str)"),
        (b'{"issue": {"title": "no number"}}', "payload field issue.number"),
        (b"[" * 65536 + b"]" * 65536, "body nests arrays or objects too deeply"),
        (b'{"a":' * 65536 + b"1" + b"}" * 65536, "body nests arrays or objects too deeply"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(
    client: TestClient, body: bytes, reason_starts: str
) -> None:
    answer = post(client, body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(reason_starts)


def test_intake_reads_only_what_names_the_subject_and_the_worker_reports_the_rest(
    store: Store,
) -> None:
    # Intake checks the signature, the JSON and the fields that name the subject; a field
    # only the handlers read is checked by the worker, which fails the delivery saying where.
    registry, seen = subject_recorder()
    payload = {**PAYLOAD, "issue": {**PAYLOAD["issue"], "labels": "not a list"}}
    body = encode(payload)
    with TestClient(make_app(store, registry)) as client:
        answer = post(client, body, delivery="d-late")
    assert answer.status_code == 202
    assert answer.json() == {"delivery": "d-late", "status": "queued"}
    assert store.deliveries.get("d-late").subject == "issue:I_7"

    Worker(store.deliveries, registry, retry_base_seconds=0).run_until_idle()
    failed = store.deliveries.get("d-late")
    assert failed.status == "failed" and seen == []
    assert "the stored payload cannot be read" in failed.last_error
    assert "issue.labels" in failed.last_error


def test_a_body_over_25_mb_is_413(client: TestClient, store: Store) -> None:
    body = b'{"x": "' + b"a" * MAX_BODY_BYTES + b'"}'
    answer = post(client, body)
    assert answer.status_code == 413
    assert sum(store.deliveries.counts().values()) == 0


def test_without_a_secret_the_service_refuses_to_start_unless_dry_run(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    registry, _ = subject_recorder()
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET is not set"):
        make_app(store, registry, GITHUB_WEBHOOK_SECRET="", BOARDWATCH_DRY_RUN=False)
    with caplog.at_level(logging.WARNING):
        app = make_app(store, registry, GITHUB_WEBHOOK_SECRET="", BOARDWATCH_DRY_RUN=True)
    assert "NO WEBHOOK SECRET" in caplog.text
    with TestClient(app) as client:
        body = encode(PAYLOAD)
        sent = headers(body, "issues", secret=None)
        assert client.post("/webhook", content=body, headers=sent).status_code == 202


def test_secrets_never_appear_in_the_store(client: TestClient, store: Store) -> None:
    post(client, encode(PAYLOAD), delivery="d-s")
    row = store.deliveries.get("d-s", with_payload=True)
    assert row is not None
    assert "test-webhook-secret" not in json.dumps(row.model_dump(mode="json"))
