"""A re-evaluation scheduled by one `boardwatch serve` is run by the next one: the service is
killed while a request is in its grace period, and the request is still told what it misses
when the grace ends, once, by one of the new service's two worker processes."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from service.store import Store
from service.store.reviews import REVIEW_EVENT
from tests.fakegithub import FakeGitHub
from tests.support.processes import Cluster
from tests.support.webhooks import SECRET, headers

REPO = "acme/tracker"
GRACE = timedelta(minutes=30)  # the social-post rule's, in the default rules
LEFT = timedelta(seconds=90)  # time to start, process `opened` and restart, on a busy machine

pytestmark = pytest.mark.slow


def test_a_review_scheduled_before_a_kill_runs_once_after_the_restart(tmp_path: Path) -> None:
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    url = f"sqlite:///{tmp_path}/timers.db"
    with gh.running():
        cluster = Cluster(
            {
                **gh.env(),
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "BOARDWATCH_DATABASE_URL": url,
                "BOARDWATCH_PROJECT": "acme/1",
                "BOARDWATCH_REPOSITORY": REPO,
                "BOARDWATCH_WORKERS": "2",
                "BOARDWATCH_POLL_SECONDS": "0.2",
                "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
            },
            tmp_path,
        )
        store = Store.open(url)
        try:
            first = cluster.serve()
            issue = gh.add_issue(
                REPO,
                title="Post about the launch",
                labels=["type: social"],
                body="### Copy\n\nWe launch!\n\n### Publish date\n\n2026-12-01",
                created_at=datetime.now(UTC).replace(microsecond=0) - GRACE + LEFT,
            )
            grace_end = issue.created_at.replace(tzinfo=UTC) + GRACE
            body = json.dumps(gh.webhook("issues", "opened", issue=issue)).encode()
            opened = str(uuid.uuid4())
            answer = httpx.post(
                f"{first.url}/webhook",
                content=body,
                headers=headers(body, "issues", delivery=opened),
            )
            assert answer.status_code == 202
            while (found := store.deliveries.get(opened)) is None or found.status != "done":
                assert datetime.now(UTC) < grace_end, f"opened not processed in the grace: {found}"
                time.sleep(0.2)
            assert "needs-info" not in issue.labels
            assert [d.event for d in store.deliveries.list(status="scheduled")] == [REVIEW_EVENT]
            first.kill()

            mark = gh.mark()
            cluster.serve()
            while "needs-info" not in issue.labels:
                assert datetime.now(UTC) < grace_end + timedelta(minutes=1), "not labelled"
                time.sleep(0.2)
            reviews = [d for d in store.deliveries.list() if d.event == REVIEW_EVENT]
            while reviews[0].status != "done":
                time.sleep(0.2)
                reviews = [d for d in store.deliveries.list() if d.event == REVIEW_EVENT]
            assert [(d.status, d.attempts) for d in reviews] == [("done", 1)]
        finally:
            store.close()
            cluster.stop()
    writes = [(c.method, c.path) for c in gh.writes_since(mark)]
    assert writes.count(("POST", f"/repos/{REPO}/issues/{issue.number}/labels")) == 1
    assert writes.count(("POST", f"/repos/{REPO}/issues/{issue.number}/comments")) == 1
    [comment] = gh.bot_comments(issue)
    assert "Channels" in comment.body and "Link" in comment.body
