"""Values the store cannot hold are the sender's error: 400 with the reason, on both databases."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.store import NewDelivery, Store
from service.store.limits import Unstorable
from tests.support.apps import make_app, subject_recorder
from tests.support.webhooks import headers

BIG = 2**63


@pytest.fixture
def client(store: Store):
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry), raise_server_exceptions=False) as test_client:
        yield test_client


def payload(
    action: object = "opened",
    node_id: object = "I_1",
    repo: object = "acme/tracker",
    installation: object = 42,
) -> bytes:
    return json.dumps(
        {
            "action": action,
            "issue": {"number": 1, "node_id": node_id},
            "repository": {"full_name": repo},
            "installation": {"id": installation},
        }
    ).encode()


def send(client: TestClient, body: bytes, event: str = "issues"):
    delivery = str(uuid.uuid4())
    return delivery, client.post(
        "/webhook", content=body, headers=headers(body, event, delivery=delivery)
    )


@pytest.mark.parametrize(
    ("body", "event", "reason"),
    [
        (payload(), "e" * 65, "header X-GitHub-Event is 65 characters long; at most 64 fit"),
        (payload(action="a" * 65), "issues", "payload field action is 65 characters long"),
        (payload(action="open\u0000ed"), "issues", "payload field action contains a NUL"),
        (payload(action="\ud800"), "issues", "payload field action is not valid Unicode"),
        (
            payload(installation=BIG),
            "issues",
            "payload field installation.id is 9223372036854775808",
        ),
        (payload(installation=-BIG - 1), "issues", "installation.id is -9223372036854775809"),
        (payload(installation=10**40), "issues", "installation.id is a number of 41 digits"),
        (payload(node_id="I" * 250), "issues", "the subject this payload names"),
        (payload(node_id=None, repo="acme/" + "t" * 250), "issues", "at most 255 fit"),
        (payload(node_id="I_\u0000"), "issues", "contains a NUL character"),
    ],
)
def test_a_value_the_store_cannot_hold_is_a_400_with_the_reason(
    client: TestClient, store: Store, body: bytes, event: str, reason: str
) -> None:
    delivery, answer = send(client, body, event)
    assert answer.status_code == 400, answer.text
    assert reason in answer.json()["error"]
    assert store.deliveries.get(delivery) is None


@pytest.mark.parametrize(
    "body",
    [
        payload(action="a" * 64),
        payload(installation=BIG - 1),
        payload(installation=-BIG),
        payload(node_id="I" * 249),  # "issue:" + 249 = 255 characters
        payload(action="ünïcødé ✓"),
    ],
)
def test_values_at_the_limits_are_stored(client: TestClient, store: Store, body: bytes) -> None:
    delivery, answer = send(client, body)
    assert answer.status_code == 202, answer.text
    stored = store.deliveries.get(delivery)
    assert stored is not None and stored.payload is None  # listed without the payload


def test_the_store_itself_refuses_before_the_database_does(store: Store) -> None:
    new = NewDelivery(id="d", event="issues", subject="s", payload="{}", installation_id=BIG)
    with pytest.raises(Unstorable, match="installation_id is 9223372036854775808"):
        store.deliveries.add(new)
    assert store.deliveries.get("d") is None


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    action=st.text(max_size=80),
    node_id=st.text(max_size=300),
    installation=st.integers(min_value=-(2**70), max_value=2**70),
)
def test_any_values_get_202_or_400_never_500(
    client: TestClient, store: Store, action: str, node_id: str, installation: int
) -> None:
    delivery, answer = send(client, payload(action, node_id or "I_1", installation=installation))
    assert answer.status_code in (202, 400), answer.text
    assert (store.deliveries.get(delivery) is not None) == (answer.status_code == 202)
