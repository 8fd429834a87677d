"""Property tests of intake: any request gets 2xx, 400, 401 or 413; nothing unsigned is stored."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.intake.signature import sign
from service.store import Store
from tests.support.apps import make_app, subject_recorder
from tests.support.webhooks import SECRET

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "action": st.text(max_size=20) | st.integers(),
        "issue": st.fixed_dictionaries(
            {"number": st.integers() | st.text(max_size=5)},
            optional={"node_id": st.text(max_size=10) | st.none(), "labels": json_values},
        )
        | json_values,
        "repository": st.fixed_dictionaries({"full_name": st.text(max_size=30)}) | json_values,
        "installation": st.fixed_dictionaries({"id": st.integers()}) | json_values,
        "sender": json_values,
    },
)
bodies = (
    st.binary(max_size=300)
    | payloads.map(lambda p: json.dumps(p).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.db")
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry), raise_server_exceptions=False) as client:
        yield client, store
    store.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies,
    event=st.none() | header_text,
    delivery=st.none() | header_text,
    signature=st.sampled_from(["valid", "missing", "garbage", "other-secret"]),
    garbage=header_text,
)
def test_any_request_gets_a_clear_answer_and_unsigned_ones_are_never_stored(
    fuzz_client, body, event, delivery, signature, garbage
) -> None:
    client, store = fuzz_client
    headers = {}
    if event is not None:
        headers["X-GitHub-Event"] = event
    if delivery is not None:
        headers["X-GitHub-Delivery"] = delivery
    if signature == "valid":
        headers["X-Hub-Signature-256"] = sign(SECRET, body)
    elif signature == "garbage":
        headers["X-Hub-Signature-256"] = garbage
    elif signature == "other-secret":
        headers["X-Hub-Signature-256"] = sign("other", body)
    before = sum(store.deliveries.counts().values())
    answer = client.post("/webhook", content=body, headers=headers)
    assert answer.status_code in {200, 202, 400, 401, 413}, answer.text
    stored = sum(store.deliveries.counts().values()) - before
    if signature != "valid":
        assert answer.status_code == 401 and stored == 0
    if answer.status_code != 202:
        assert stored == 0
