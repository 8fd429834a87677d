"""The OpenAPI document, and schemathesis fuzzing every route against it (in-process, ASGI).

With and without the admin token: no answer is a 5xx, every status and content type is the
documented one, every JSON body matches its schema. Seeded and derandomized, so a run is
repeatable; bounded examples keep it well under a minute.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.store import Store
from tests.support.apps import make_app, subject_recorder

ADMIN = "schemathesis-admin-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Built at import: schemathesis makes one test per operation when the module is collected (its
# fixture-based loader does not run on this pytest). The folder goes when the module is done.
_FOLDER = Path(tempfile.mkdtemp(prefix="boardwatch-openapi-"))
_STORE = Store.open(f"sqlite:///{_FOLDER}/fuzz.db")
APP = make_app(
    _STORE,
    subject_recorder()[0],
    # No webhook secret (dry-run): fuzzed bodies get past the signature, into the store.
    GITHUB_WEBHOOK_SECRET="",
    BOARDWATCH_ADMIN_TOKEN=ADMIN,
    BOARDWATCH_SECRETS_FILE=str(_FOLDER / "secrets.json"),
    # An address nothing answers on: a fuzzed setup never reaches the internet.
    GITHUB_API_URL="http://127.0.0.1:9",
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _clean_up() -> Iterator[None]:
    yield
    _STORE.close()
    shutil.rmtree(_FOLDER, ignore_errors=True)


fuzzing = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@fuzzing
def test_anonymous_requests_get_documented_answers(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@fuzzing
def test_admin_requests_get_documented_answers(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN}"}, checks=CHECKS)


def test_the_document_describes_errors_security_and_metrics() -> None:
    document = APP.openapi()
    paths = document["paths"]
    assert {"400", "401", "413"} <= set(paths["/webhook"]["post"]["responses"])
    for path, verbs in paths.items():
        if path.startswith("/deliveries"):
            for operation in verbs.values():
                assert operation["security"] == [{"adminToken": []}]
                assert {"401", "404"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["adminToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "BOARDWATCH_ADMIN_TOKEN, sent as `Authorization: Bearer <token>`",
    }
    metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain; version=0.0.4"]
    assert {"400", "401", "404", "413"} <= set(paths["/setup"]["post"]["responses"])
