"""The whole bot against the fake GitHub: send webhooks through POST /webhook, run the worker.

bot.send("issues", "opened", issue=issue)   # signed POST /webhook, then the worker runs
assert gh.issue("acme/tracker", 1).labels == ["needs-triage"]
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.compose import worker_for
from service.handlers import build_registry
from service.services import Services
from service.store import Delivery, Store
from service.worker import Worker
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services
from tests.support.webhooks import SECRET, encode, headers


@dataclass
class Bot:
    gh: FakeGitHub
    services: Services
    client: TestClient
    worker: Worker

    def post(self, event: str, payload: dict[str, Any], delivery: str | None = None) -> str:
        delivery = delivery or str(uuid.uuid4())
        body = encode(payload)
        answer = self.client.post(
            "/webhook", content=body, headers=headers(body, event, delivery=delivery)
        )
        assert answer.status_code == 202, answer.text
        return delivery

    def send(self, event: str, action: str | None, **kw: Any) -> Delivery:
        """Post the webhook GitHub would send now, process it, return the stored delivery."""
        delivery = self.post(event, self.gh.webhook(event, action, **kw))
        self.worker.run_until_idle()
        found = self.services.store.deliveries.get(delivery)
        assert found is not None
        assert found.status in ("done", "ignored"), (found.status, found.last_error)
        return found


@pytest.fixture
def bot(tracker: Tracker, tmp_path) -> Iterator[Bot]:
    settings = settings_for(
        tracker.gh,
        GITHUB_WEBHOOK_SECRET=SECRET,
        BOARDWATCH_PROJECT=tracker.project,
        BOARDWATCH_REPOSITORY=tracker.name,
        BOARDWATCH_WORKERS=0,
    )
    store = Store.open(f"sqlite:///{tmp_path}/bot.db")
    services = make_services(settings, store, _gateways=factory_for(tracker.gh))
    registry = build_registry(services)
    app = create_app(settings, services=services, registry=registry, start_worker=False)
    worker = worker_for(services, registry)
    worker.retry_base_seconds = 0
    with TestClient(app) as client:
        yield Bot(tracker.gh, services, client, worker)
    store.close()
