"""GitHub's closing reasons and native structure end to end: webhooks in, the fake's state out.

Cancelled work leaves the board (archived, never Done) and comes back when it is reopened; an
issue typed with GitHub's issue
types satisfies the rules that ask for a type; sub-issue progress and open dependencies are
read from the issue as GitHub sends it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.gateway.accounting import ledger
from service.reconcile import sweep
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for
from tests.support.bot import Bot

REPO = "acme/tracker"
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "webhooks"


@pytest.mark.parametrize("reason", ["not_planned", "duplicate"])
def test_work_closed_as_not_planned_or_duplicate_is_archived_not_done(
    bot: Bot, reason: str
) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(
        REPO, title="Dropped", labels=["type: blog"], assignees=["alice"], created_at=AN_HOUR_AGO
    )
    gh.add_item(board, issue, Status="In Progress", Estimate=1)
    issue.state, issue.state_reason, issue.closed_at = "closed", reason, gh.clock()

    delivery = bot.send("issues", "closed", issue=issue)

    item = gh.item_of(board, issue)
    assert item is not None and item.archived
    assert item.values["Status"] == "In Progress"  # never Done
    assert delivery.outcome["rules"]["cancelled-archived"] == "failing"
    assert [c["kind"] for c in delivery.outcome["changes"]] == ["archive_item"]
    # GitHub then sends `projects_v2_item.archived`: nothing more to do.
    mark = gh.mark()
    again = bot.send("projects_v2_item", "archived", item=(board, board.item_of(issue)))
    assert gh.writes_since(mark) == []
    assert again.outcome["rules"]["cancelled-archived"] == "holds"


def test_reopened_work_comes_back_into_the_boards_views(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(
        REPO, title="Dropped", labels=["type: blog"], assignees=["alice"], created_at=AN_HOUR_AGO
    )
    gh.add_item(board, issue, Status="In Progress", Estimate=1)
    issue.state, issue.state_reason, issue.closed_at = "closed", "not_planned", gh.clock()
    bot.send("issues", "closed", issue=issue)
    archived = gh.item_of(board, issue)
    assert archived is not None and archived.archived

    issue.state, issue.state_reason, issue.closed_at = "open", "reopened", None
    delivery = bot.send("issues", "reopened", issue=issue)

    item = gh.item_of(board, issue)
    assert item is not None and not item.archived
    assert item.id == archived.id and item.values["Status"] == "In Progress"
    assert delivery.outcome["rules"]["open-unarchived"] == "failing"
    assert [c["kind"] for c in delivery.outcome["changes"]] == ["unarchive_item"]
    [restore] = gh.graphql_calls(operation="UnarchiveItem")
    assert restore.write
    # GitHub then sends `projects_v2_item.restored`: nothing more to do.
    mark = gh.mark()
    again = bot.send("projects_v2_item", "restored", item=(board, board.item_of(issue)))
    assert gh.writes_since(mark) == []
    assert again.outcome["rules"]["open-unarchived"] == "holds"


def test_the_sweep_restores_reopened_work_whose_webhook_was_lost(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    reopened = gh.add_issue(REPO, title="Back on", labels=["type: blog"], created_at=AN_HOUR_AGO)
    cancelled = gh.add_issue(REPO, title="Dropped", created_at=AN_HOUR_AGO)
    for issue in (reopened, cancelled):
        gh.add_item(board, issue, Status="Todo", Estimate=1)
        board.item_of(issue).archived = True
    reopened.state_reason = "reopened"
    cancelled.state, cancelled.state_reason, cancelled.closed_at = (
        "closed",
        "not_planned",
        gh.clock(),
    )

    sweep(bot.services)

    back, dropped = gh.item_of(board, reopened), gh.item_of(board, cancelled)
    assert back is not None and not back.archived and back.values["Status"] == "Todo"
    assert dropped is not None and dropped.archived
    assert len(gh.graphql_calls(operation="AddItem")) == 0  # restored, never added again


def test_completed_work_stays_on_the_board_as_done(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(REPO, labels=["type: blog"], assignees=["alice"], created_at=AN_HOUR_AGO)
    gh.add_item(board, issue, Status="In Progress", Estimate=1)
    issue.state, issue.state_reason, issue.closed_at = "closed", "completed", gh.clock()
    bot.send("issues", "closed", issue=issue)
    item = gh.item_of(board, issue)
    assert item is not None and not item.archived and item.values["Status"] == "Done"


def test_an_issue_typed_with_githubs_issue_types_satisfies_the_type_rule(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(
        REPO, title="Launch video", body="Estimate: 6h", assignees=["alice"], created_at=AN_HOUR_AGO
    )
    gh.add_item(board, issue, Status="In Progress")
    bot.send("issues", "opened", issue=issue)
    assert "incomplete" in issue.labels
    [comment] = gh.bot_comments(issue)
    assert "`type: ` label" in comment.body

    issue.issue_type = "Video"
    typed = bot.send("issues", "typed", issue=issue, type=gh.shapes.issue_type(issue))

    assert typed.status == "done"
    assert typed.outcome["rules"]["tracked-task"] == "holds"
    assert "incomplete" not in issue.labels
    assert not any(label.startswith("type: ") for label in issue.labels)  # no label added
    assert "has an owner and a type now" in gh.bot_comments(issue)[0].body


def test_githubs_typed_example_is_accepted_and_evaluated(bot: Bot) -> None:
    """The real `issues.typed` payload (octokit/webhooks.net), pointed at the fake's repo."""
    gh = bot.gh
    issue = gh.add_issue(REPO, title="Feature request", created_at=AN_HOUR_AGO)
    payload = json.loads((CORPUS / "issues" / "typed.json").read_text())
    payload["repository"] = gh.repository_json(gh.repos[REPO])
    payload["issue"].update(number=issue.number, node_id=issue.node_id)
    payload.pop("installation", None)

    guid = bot.post("issues", payload)
    bot.worker.run_until_idle()
    delivery = bot.services.store.deliveries.get(guid)

    assert delivery is not None and delivery.status == "done", delivery
    assert delivery.outcome["rules"]["on-board"] == "failing"
    assert gh.item_of(gh.boards[0], issue) is not None
    # Evaluated like any issue event: on the board, waiting for triage.
    assert issue.labels == ["needs-triage"]


def test_an_open_dependency_is_a_blocked_reason(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(REPO, title="Press kit", body="Estimate: 1h", created_at=AN_HOUR_AGO)
    gh.add_item(board, issue, Status="Blocked")
    bot.send("issues", "edited", issue=issue)
    assert gh.bot_comments(issue), "no reason yet: the blocked-reason rule asks for one"

    issue.blocked_by_open = issue.blocked_by_total = 1
    delivery = bot.send("issues", "edited", issue=issue)

    assert delivery.outcome["rules"]["blocked-reason"] == "holds"
    assert gh.bot_comments(issue) == []


def test_native_structure_is_read_through_graphql_and_rest(tracker: Tracker) -> None:
    """A launch with 3 of 6 sub-issues done, blocked by one open issue (of two)."""
    gh = tracker.gh
    launch = gh.add_issue(REPO, title="Autumn launch")
    launch.issue_type, launch.sub_issues_total, launch.sub_issues_completed = "Launch", 6, 3
    launch.blocked_by_open, launch.blocked_by_total = 1, 2
    gh.add_item(tracker.board, launch, Status="In Progress")
    gateway = factory_for(gh).for_installation(None)
    board = gateway.get_board(tracker.project)

    [item] = list(gateway.list_items(board))
    rest = gateway.get_issue(REPO, launch.number)

    for read in (item.issue, rest):
        assert read is not None
        assert read.issue_type == "Launch"
        assert read.sub_issues is not None
        assert (read.sub_issues.completed, read.sub_issues.total) == (3, 6)
        assert read.blocked_by_open == 1


def test_dry_run_records_the_archive_and_sends_nothing(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    gh.add_item(tracker.board, issue, Status="Todo")
    gateway = factory_for(gh, BOARDWATCH_DRY_RUN="true").for_installation(None)
    board = gateway.get_board(tracker.project)
    item = gateway.get_item(board, issue.node_id)
    assert item is not None
    mark = gh.mark()
    with ledger() as book:
        gateway.archive_item(board, item.id)
    assert gh.writes_since(mark) == []
    assert not tracker.board.items[0].archived
    [planned] = book.as_outcome()["planned_writes"]
    assert planned == {"operation": "ArchiveItem", "boardId": board.id, "itemId": item.id}


def test_dry_run_records_the_restore_and_sends_nothing(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    gh.add_item(tracker.board, issue, Status="Todo")
    tracker.board.items[0].archived = True
    gateway = factory_for(gh, BOARDWATCH_DRY_RUN="true").for_installation(None)
    board = gateway.get_board(tracker.project)
    item = gateway.get_item(board, issue.node_id)
    assert item is not None and item.archived
    mark = gh.mark()
    with ledger() as book:
        gateway.unarchive_item(board, item.id)
    assert gh.writes_since(mark) == []
    assert tracker.board.items[0].archived
    [planned] = book.as_outcome()["planned_writes"]
    assert planned == {"operation": "UnarchiveItem", "boardId": board.id, "itemId": item.id}


LAUNCH_RULES = """\
version: 1
rules:
  - name: launch-progress
    description: A launch is finished when its sub-issues are.
    when: {state: open, issue_type: {one_of: [Launch]}}
    require: {sub_issues: {all_done: true}}
    comment:
      body: |
        Launch progress: {{ issue.sub_issues.completed }}/{{ issue.sub_issues.total }}
        {{ missing_list }}
"""


def test_a_launch_shows_its_sub_issue_progress(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", LAUNCH_RULES)
    launch = gh.add_issue(REPO, title="Autumn launch", body="Estimate: 1h", created_at=AN_HOUR_AGO)
    launch.issue_type, launch.sub_issues_total, launch.sub_issues_completed = "Launch", 6, 3
    gh.add_item(gh.boards[0], launch, Status="In Progress")

    bot.send("issues", "typed", issue=launch, type=gh.shapes.issue_type(launch))

    [comment] = [c for c in gh.bot_comments(launch) if "launch-progress" in c.body]
    assert "Launch progress: 3/6" in comment.body
    assert "every sub-issue done (3 of 6 sub-issues done)" in comment.body

    launch.sub_issues_completed = 6
    done = bot.send("issues", "edited", issue=launch)
    assert done.outcome["rules"]["launch-progress"] == "holds"
    assert not [c for c in gh.bot_comments(launch) if "launch-progress" in c.body]


def test_the_sweep_archives_cancelled_work_that_was_marked_done(bot: Bot) -> None:
    """Closed as not planned before closing reasons were read, and set Done then."""
    gh = bot.gh
    board = gh.boards[0]
    cancelled = gh.add_issue(REPO, title="Dropped", created_at=AN_HOUR_AGO)
    finished = gh.add_issue(REPO, title="Shipped", created_at=AN_HOUR_AGO)
    for issue, reason in ((cancelled, "not_planned"), (finished, "completed")):
        gh.add_item(board, issue, Status="Done")
        issue.state, issue.state_reason, issue.closed_at = "closed", reason, gh.clock()

    report = sweep(bot.services)

    assert report.issues == 1  # finished work is skipped as before
    dropped, shipped = gh.item_of(board, cancelled), gh.item_of(board, finished)
    assert dropped is not None and dropped.archived
    assert shipped is not None and not shipped.archived


WEBHOOK_SCHEMAS = json.loads((CORPUS / "openapi-webhooks.api.github.com.json").read_text())


def required_keys(schema: str) -> set[str]:
    """The keys GitHub's webhook description says a payload always has."""
    return set(WEBHOOK_SCHEMAS["components"]["schemas"][schema]["required"])


def test_a_blocked_by_link_evaluates_the_blocked_issue_again(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    blocked = gh.add_issue(REPO, title="Press kit", body="Estimate: 1h", created_at=AN_HOUR_AGO)
    blocker = gh.add_issue(REPO, title="Legal review", created_at=AN_HOUR_AGO)
    gh.add_item(board, blocked, Status="Blocked")
    gh.add_item(board, blocker, Status="In Progress", Estimate=1)
    bot.send("issues", "edited", issue=blocked)
    assert gh.bot_comments(blocked)  # Blocked, and no reason given yet

    blocked.blocked_by_open = blocked.blocked_by_total = 1
    repository = gh.repository_json(gh.repos[REPO])
    payload = gh.webhook(
        "issue_dependencies",
        "blocked_by_added",
        blocked_issue_id=blocked.id,
        blocked_issue=gh.issue_json(blocked),
        blocking_issue_id=blocker.id,
        blocking_issue=gh.issue_json(blocker),
        blocking_issue_repo=repository,
        repository=repository,
        organization=gh.shapes.organization("acme"),
    )
    assert required_keys("webhook-issue-dependencies-blocked-by-added") <= set(payload)
    guid = bot.post("issue_dependencies", payload)
    bot.worker.run_until_idle()
    delivery = bot.services.store.deliveries.get(guid)

    assert delivery is not None and delivery.status == "done", delivery
    assert delivery.subject == f"issue:{blocked.node_id}"
    assert delivery.outcome["rules"]["blocked-reason"] == "holds"
    assert gh.bot_comments(blocked) == []


def test_a_new_sub_issue_evaluates_the_parent_again(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", LAUNCH_RULES)
    launch = gh.add_issue(REPO, title="Autumn launch", created_at=AN_HOUR_AGO)
    launch.issue_type = "Launch"
    part = gh.add_issue(REPO, title="Landing page", created_at=AN_HOUR_AGO)
    gh.add_item(gh.boards[0], launch, Status="In Progress", Estimate=1)
    launch.sub_issues_total = 1
    repository = gh.repository_json(gh.repos[REPO])
    payload = gh.webhook(
        "sub_issues",
        "sub_issue_added",
        sub_issue_id=part.id,
        sub_issue=gh.issue_json(part),
        sub_issue_repo=repository,
        parent_issue_id=launch.id,
        parent_issue=gh.issue_json(launch),
        repository=repository,
    )
    assert required_keys("webhook-sub-issues-sub-issue-added") <= set(payload)
    guid = bot.post("sub_issues", payload)
    bot.worker.run_until_idle()
    delivery = bot.services.store.deliveries.get(guid)

    assert delivery is not None and delivery.status == "done", delivery
    assert delivery.subject == f"issue:{launch.node_id}"
    assert delivery.outcome["rules"]["launch-progress"] == "failing"
    [comment] = [c for c in gh.bot_comments(launch) if "launch-progress" in c.body]
    assert "0 of 1 sub-issues done" in comment.body
