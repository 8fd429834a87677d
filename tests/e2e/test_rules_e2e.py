"""The default rules end to end: webhooks in, the fake GitHub's final state out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.reconcile import sweep
from tests.support.bot import Bot

REPO = "acme/tracker"
# Older than every rule's grace period, so the rules enforce at once.
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


def test_a_new_issue_lands_on_the_board_with_no_status_and_needs_triage(bot: Bot) -> None:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="Newsletter for December", body="Please write it")
    delivery = bot.send("issues", "opened", issue=issue)

    board = gh.boards[0]
    assert gh.item_values(board, issue) == {}  # on the board, and no Status
    assert issue.labels == ["needs-triage"]
    assert delivery.outcome["rules"]["on-board"] == "failing"
    assert delivery.outcome["github"]["writes"] >= 2
    label = gh.repos[REPO].labels["needs-triage"]
    assert label.color == "fbca04"  # created with the rule's colour, not GitHub's default


def test_processing_the_same_state_again_makes_no_write(bot: Bot) -> None:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="Webinar")
    bot.send("issues", "opened", issue=issue)
    mark = gh.mark()
    again = bot.send("issues", "edited", issue=issue)
    assert gh.writes_since(mark) == []
    assert again.outcome["github"]["writes"] == 0
    assert again.outcome["changes"] == []


def test_fixing_a_violation_removes_the_label_and_resolves_the_comment(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(REPO, title="Launch video", body="Estimate: 6h", created_at=AN_HOUR_AGO)
    gh.add_item(board, issue, Status="In Progress")
    bot.send("issues", "opened", issue=issue)
    assert "incomplete" in issue.labels
    [comment] = gh.bot_comments(issue)
    assert "someone assigned to it" in comment.body and "`type: ` label" in comment.body

    issue.assignees = ["alice"]
    issue.labels.append("type: video")
    bot.send("issues", "labeled", issue=issue)

    assert "incomplete" not in issue.labels
    assert "type: video" in issue.labels
    comments = gh.bot_comments(issue)
    assert len(comments) <= 1  # resolved in place or deleted, never a second comment
    assert all(c.id == comment.id for c in comments)


def test_the_bots_own_events_cause_no_further_writes(bot: Bot) -> None:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="Event booth")
    bot.send("issues", "opened", issue=issue)
    mark = gh.mark()
    # GitHub now sends the events of the bot's own changes.
    own = bot.send("issues", "labeled", issue=issue, sender=gh.bot_login)
    board = gh.boards[0]
    item = board.item_of(issue)
    own_item = bot.send("projects_v2_item", "created", item=(board, item), sender=gh.bot_login)
    assert gh.calls_since(mark) == []
    assert own.outcome["skipped"].startswith("sent by boardwatch itself")
    assert own_item.outcome["skipped"].startswith("sent by boardwatch itself")


def test_closed_means_done(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(
        REPO, title="Old post", labels=["type: blog"], assignees=["alice"], created_at=AN_HOUR_AGO
    )
    gh.add_item(board, issue, Status="In Progress", Estimate=1)
    issue.state, issue.closed_at = "closed", gh.clock()
    bot.send("issues", "closed", issue=issue)
    assert gh.item_values(board, issue)["Status"] == "Done"


@pytest.mark.parametrize("reason", ["not_planned", "duplicate"])
def test_cancelled_or_duplicate_work_is_not_made_done(bot: Bot, reason: str) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(
        REPO, title="Dropped", labels=["type: blog"], assignees=["alice"], created_at=AN_HOUR_AGO
    )
    gh.add_item(board, issue, Status="In Progress", Estimate=1)
    issue.state, issue.state_reason, issue.closed_at = "closed", reason, gh.clock()
    delivery = bot.send("issues", "closed", issue=issue)
    assert gh.item_values(board, issue)["Status"] == "In Progress"
    assert delivery.outcome is not None
    assert delivery.outcome["rules"]["closed-done"] == "not_applicable"


def test_a_status_set_on_the_board_removes_needs_triage(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    issue = gh.add_issue(REPO, title="Case study", body="Estimate: 1h")
    bot.send("issues", "opened", issue=issue)
    assert "needs-triage" in issue.labels
    item = board.item_of(issue)
    gh.set_value(board, item, "Status", "Todo")
    delivery = bot.send("projects_v2_item", "edited", item=(board, item), sender="lead")
    assert "needs-triage" not in issue.labels
    assert delivery.outcome["rules"]["triage"] == "holds"


def test_a_second_reconcile_over_a_converged_board_makes_zero_writes(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    for n in range(5):
        issue = gh.add_issue(REPO, title=f"Task {n}", body="Estimate: 3h", created_at=AN_HOUR_AGO)
        if n % 2:
            gh.add_item(board, issue, Status="Todo")
    first = sweep(bot.services)
    assert first.writes > 0 and first.issues == 5
    assert all(board.item_of(i) for i in gh.repos[REPO].issues.values())
    mark = gh.mark()
    second = sweep(bot.services)
    assert second.writes == 0
    assert gh.writes_since(mark) == []
    # one page of board items, one page of open issues
    assert len(gh.calls_since(mark)) == 2


def test_ten_queued_edits_of_one_issue_make_one_evaluation(bot: Bot) -> None:
    issue = bot.gh.add_issue(REPO, title="Launch plan")
    bot.send("issues", "opened", issue=issue)
    ids = [bot.post("issues", bot.gh.webhook("issues", "edited", issue=issue)) for _ in range(10)]
    other = bot.gh.add_issue(REPO, title="Other")
    bot.gh.add_item(bot.gh.boards[0], other, Status="Todo")
    other_id = bot.post("issues", bot.gh.webhook("issues", "edited", issue=other))
    mark = bot.gh.mark()
    bot.worker.run_until_idle()
    reads = bot.gh.graphql_calls(mark, "GetIssueItems")
    assert len(reads) == 2  # one for the ten edits, one for the other issue
    stored = [bot.services.store.deliveries.get(i) for i in ids]
    assert all(d is not None and d.status == "done" for d in stored)
    ran = [d for d in stored if d is not None and "coalesced_into" not in (d.outcome or {})]
    assert [d.id for d in ran] == [ids[-1]]  # the newest payload ran
    assert all(
        d.outcome == {"coalesced_into": ids[-1]} for d in stored if d is not None and d not in ran
    )
    done = bot.services.store.deliveries.get(other_id)
    assert done is not None and "coalesced_into" not in (done.outcome or {})
