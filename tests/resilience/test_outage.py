"""A GitHub outage: deliveries wait and retry, then complete; one that keeps failing is
visible with its error in the admin API and succeeds when replayed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from tests.support.bot import Bot

REPO = "acme/tracker"
TOKEN = "admin-secret"


def test_deliveries_survive_502s_and_secondary_rate_limits(bot: Bot) -> None:
    gh = bot.gh
    issues = [
        gh.add_issue(REPO, title=f"Request {n}", created_at=datetime.now(UTC) - timedelta(hours=1))
        for n in range(5)
    ]
    # GitHub is down for a while: 502s, then secondary rate limits with Retry-After.
    gh.fail_next(6, status=502)
    gh.secondary_rate_limit(times=4, retry_after=1)
    ids = [bot.post("issues", gh.webhook("issues", "opened", issue=i)) for i in issues]
    worker = bot.worker
    worker.retry_base_seconds = 0.05
    deadline = time.monotonic() + 60
    queue = bot.services.store.deliveries
    while queue.pending() and time.monotonic() < deadline:
        worker.run_once() or time.sleep(0.05)
    rows = [queue.get(i) for i in ids]
    assert [r.status for r in rows] == ["done"] * 5
    assert max(r.attempts for r in rows) >= 1
    for issue in issues:
        assert issue.labels == ["needs-triage"]  # each label added exactly once
        assert gh.boards[0].item_of(issue) is not None
    assert sum(1 for i in gh.boards[0].items) == 5  # no duplicate items


def test_a_delivery_that_keeps_failing_ends_failed_then_replays(bot: Bot) -> None:
    gh = bot.gh
    bot.services.settings.admin_token = SecretStr(TOKEN)
    issue = gh.add_issue(REPO, title="Partner page")
    gh.fail_next(1000, status=502, match="/graphql")
    delivery = bot.post("issues", gh.webhook("issues", "opened", issue=issue))
    worker = bot.worker
    worker.retry_base_seconds = 0
    worker.max_attempts = 3
    for _ in range(10):
        worker.run_once()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    shown = bot.client.get(f"/deliveries/{delivery}", headers=auth).json()
    assert shown["status"] == "failed" and shown["attempts"] == 3
    assert "GitHub" in shown["last_error"] and "502" in shown["last_error"]
    assert issue.labels == []

    gh.faults.clear()  # GitHub is back
    replayed = bot.client.post(f"/deliveries/{delivery}/replay", headers=auth)
    assert replayed.status_code == 202
    worker.run_until_idle()
    shown = bot.client.get(f"/deliveries/{delivery}", headers=auth).json()
    assert shown["status"] == "done" and shown["last_error"] is None
    assert issue.labels == ["needs-triage"]
