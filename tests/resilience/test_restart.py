"""The service stops (even killed) with deliveries queued and running; after a restart they
all complete, each exactly once."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from service.store import Store
from tests.fakegithub import FakeGitHub
from tests.support.processes import Cluster
from tests.support.webhooks import SECRET, headers

REPO = "acme/tracker"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_queued_and_running_deliveries_complete_after_a_restart(tmp_path: Path, how: str) -> None:
    gh = FakeGitHub(latency_ms=40)  # slow GitHub: deliveries are still running at the stop
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    issues = [
        gh.add_issue(REPO, title=f"T{n}", created_at=datetime.now(UTC) - timedelta(hours=1))
        for n in range(30)
    ]
    url = f"sqlite:///{tmp_path}/restart.db"
    with gh.running():
        cluster = Cluster(
            {
                **gh.env(),
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "BOARDWATCH_DATABASE_URL": url,
                "BOARDWATCH_PROJECT": "acme/1",
                "BOARDWATCH_REPOSITORY": REPO,
                "BOARDWATCH_WORKERS": "2",
                "BOARDWATCH_LEASE_SECONDS": "2",
                "BOARDWATCH_POLL_SECONDS": "0.05",
                "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
            },
            tmp_path,
        )
        try:
            first = cluster.serve()
            ids = []
            for issue in issues:
                body = json.dumps(gh.webhook("issues", "opened", issue=issue)).encode()
                delivery = str(uuid.uuid4())
                answer = httpx.post(
                    f"{first.url}/webhook",
                    content=body,
                    headers=headers(body, "issues", delivery=delivery),
                )
                assert answer.status_code == 202
                ids.append(delivery)
            time.sleep(0.5)
            store = Store.open(url, migrate_schema=False)
            assert store.deliveries.pending() > 0  # work was left when the service stopped
            first.kill() if how == "kill" else first.stop()
            cluster.serve()
            deadline = time.monotonic() + 120
            while store.deliveries.pending() and time.monotonic() < deadline:
                time.sleep(0.2)
            rows = [store.deliveries.get(i) for i in ids]
            assert [r.status for r in rows] == ["done"] * len(ids)
            store.close()
        finally:
            cluster.stop()
    for issue in issues:
        assert issue.labels == ["needs-triage"]
    assert len(gh.boards[0].items) == len(issues)
