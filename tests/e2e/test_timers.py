"""Rules that act on time, end to end: a request opened in its grace period is looked at again
when the grace ends, with no other event; after a restart; once with two workers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from service.app import create_app
from service.compose import worker_for
from service.handlers import build_registry
from service.reconcile import sweep
from service.services import Services
from service.store import Store
from service.store.reviews import REVIEW_EVENT
from service.worker import Worker
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.fakegithub.state import Issue
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services
from tests.support.bot import Bot
from tests.support.webhooks import SECRET, encode, headers

REPO = "acme/tracker"
# The social-post rule of the default rules gives a new request 30 minutes of grace.
GRACE = timedelta(minutes=30)
# Long enough for the opened event to be processed inside the grace period, on a busy machine.
LEFT = timedelta(seconds=10)
# The issue's promise: problems reported within a minute of the grace period's end.
WITHIN = timedelta(minutes=1)


@dataclass
class Instance:
    """One running boardwatch (web + worker objects) on a database."""

    services: Services
    client: TestClient
    worker: Worker

    def post(self, event: str, payload: dict[str, object]) -> str:
        delivery = str(uuid.uuid4())
        body = encode(payload)
        answer = self.client.post(
            "/webhook", content=body, headers=headers(body, event, delivery=delivery)
        )
        assert answer.status_code == 202, answer.text
        return delivery


@contextmanager
def instance(gh: FakeGitHub, tracker: Tracker, database_url: str) -> Iterator[Instance]:
    settings = settings_for(
        gh,
        GITHUB_WEBHOOK_SECRET=SECRET,
        BOARDWATCH_PROJECT=tracker.project,
        BOARDWATCH_REPOSITORY=tracker.name,
        BOARDWATCH_WORKERS=0,
        BOARDWATCH_POLL_SECONDS=0.2,
    )
    store = Store.open(database_url)
    services = make_services(settings, store, _gateways=factory_for(gh))
    registry = build_registry(services)
    app = create_app(settings, services=services, registry=registry, start_worker=False)
    try:
        with TestClient(app) as client:
            yield Instance(services, client, worker_for(services, registry))
    finally:
        store.close()


def request_in_grace(gh: FakeGitHub) -> Issue:
    """A social post request missing Channels and Link, whose grace period ends in `LEFT`."""
    opened = datetime.now(UTC).replace(microsecond=0) - GRACE + LEFT
    return gh.add_issue(
        REPO,
        title="Post about the launch",
        labels=["type: social"],
        body="### Copy\n\nWe launch!\n\n### Publish date\n\n2026-12-01",
        created_at=opened,
    )


def wait_for(check: Callable[[], bool], until: datetime) -> bool:
    while not check():
        if datetime.now(UTC) > until:
            return False
        time.sleep(0.1)
    return True


def open_in_grace(bot: Instance, gh: FakeGitHub, issue: Issue) -> None:
    """Post `opened` and process it: the request is in grace, so nothing is said yet."""
    opened = bot.post("issues", gh.webhook("issues", "opened", issue=issue))
    bot.worker.run_until_idle()
    assert "needs-info" not in issue.labels
    assert gh.bot_comments(issue) == []
    grace_end = issue.created_at.replace(tzinfo=UTC) + GRACE
    outcome = bot.services.store.deliveries.get(opened)
    assert outcome is not None and outcome.outcome is not None
    assert outcome.outcome["rules"]["social-post"] == "grace"
    assert datetime.fromisoformat(outcome.outcome["review_at"]) == grace_end
    [review] = bot.services.store.deliveries.list(status="scheduled")
    assert review.event == REVIEW_EVENT
    assert review.available_at == grace_end


def labelled_after_grace(gh: FakeGitHub, issue: Issue, workers: list[Worker]) -> None:
    """With the workers running and no event at all, the request is told what it misses."""
    grace_end = issue.created_at.replace(tzinfo=UTC) + GRACE
    for worker in workers:
        worker.start()
    try:
        told = wait_for(lambda: "needs-info" in issue.labels, grace_end + WITHIN)
    finally:
        for worker in workers:
            worker.stop()
    assert told, "no label within a minute of the grace period's end"
    [comment] = gh.bot_comments(issue)
    assert "Channels" in comment.body and "Link" in comment.body
    assert "Copy" not in comment.body


def test_a_request_in_grace_is_labelled_when_the_grace_ends_with_no_other_event(
    fake_github: FakeGitHub, tracker: Tracker, tmp_path
) -> None:
    with instance(fake_github, tracker, f"sqlite:///{tmp_path}/bw.db") as bot:
        issue = request_in_grace(fake_github)
        open_in_grace(bot, fake_github, issue)
        labelled_after_grace(fake_github, issue, [bot.worker])
        [done] = [d for d in bot.services.store.deliveries.list() if d.event == REVIEW_EVENT]
        assert done.status == "done"
        assert done.outcome is not None and done.outcome["rules"]["social-post"] == "failing"
        # The request has nothing more that time alone changes: nothing is scheduled.
        assert bot.services.store.deliveries.list(status="scheduled") == []


def test_the_scheduled_review_survives_a_restart(
    fake_github: FakeGitHub, tracker: Tracker, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path}/bw.db"
    with instance(fake_github, tracker, url) as before:
        issue = request_in_grace(fake_github)
        open_in_grace(before, fake_github, issue)
    # A new process: new services, store connection and worker, the same database.
    with instance(fake_github, tracker, url) as after:
        labelled_after_grace(fake_github, issue, [after.worker])


def test_two_workers_evaluate_the_review_once(
    fake_github: FakeGitHub, tracker: Tracker, database_url: str
) -> None:
    with (
        instance(fake_github, tracker, database_url) as one,
        instance(fake_github, tracker, database_url) as two,
    ):
        issue = request_in_grace(fake_github)
        open_in_grace(one, fake_github, issue)
        mark = fake_github.mark()
        labelled_after_grace(fake_github, issue, [one.worker, two.worker])
        writes = [(c.method, c.path) for c in fake_github.writes_since(mark)]
        base = f"/repos/{REPO}/issues/{issue.number}"
        assert writes.count(("POST", f"{base}/labels")) == 1
        assert writes.count(("POST", f"{base}/comments")) == 1
        reviews = [d for d in one.services.store.deliveries.list() if d.event == REVIEW_EVENT]
        assert [d.status for d in reviews] == ["done"]
        assert reviews[0].attempts == 1


def test_work_in_progress_is_looked_at_when_its_week_without_activity_is_up(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    two_days_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    issue = gh.add_issue(
        REPO,
        title="Launch video",
        body="Estimate: 1h",
        labels=["type: video"],
        assignees=["alice"],
        created_at=two_days_ago,
    )
    gh.add_item(board, issue, Status="In Progress")
    bot.send("issues", "edited", issue=issue)
    # The stale rule asks for activity within 7 days: it fails 7 days after the last one.
    [review] = bot.services.store.deliveries.list(status="scheduled")
    assert review.available_at == two_days_ago + timedelta(days=7)

    comment = gh.add_comment(issue, "Rough cut is done", author="alice")
    bot.send("issue_comment", "created", issue=issue, comment=comment)
    # A person's comment is activity: the moment moves, and the issue keeps one review.
    [moved] = bot.services.store.deliveries.list(status="scheduled")
    assert moved.available_at == comment.created_at.replace(tzinfo=UTC) + timedelta(days=7)
    assert "stale" not in issue.labels


def test_the_sweep_schedules_what_time_will_change_and_plan_schedules_nothing(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    a_day_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    issue = gh.add_issue(
        REPO,
        title="Webinar",
        body="Estimate: 1h",
        labels=["type: event"],
        assignees=["alice"],
        created_at=a_day_ago,
    )
    gh.add_item(board, issue, Status="In Progress")
    preview = sweep(bot.services, read_only=True)
    [result] = preview.results
    assert result.review_at == a_day_ago + timedelta(days=7)
    assert bot.services.store.deliveries.list(status="scheduled") == []

    sweep(bot.services)
    [review] = bot.services.store.deliveries.list(status="scheduled")
    assert review.available_at == a_day_ago + timedelta(days=7)
    assert review.subject == f"issue:{issue.node_id}"
