"""Dry-run: reads happen, writes are recorded as planned and never sent."""

from __future__ import annotations

from service.gateway.accounting import ledger
from service.gateway.dry_run import DryRunGateway
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


def test_dry_run_records_writes_and_sends_none(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO, labels=["type: blog"])
    gateway = factory_for(gh, BOARDWATCH_DRY_RUN="true").for_installation(None)
    assert isinstance(gateway, DryRunGateway)
    mark = gh.mark()
    with ledger() as book:
        board = gateway.get_board("acme/1")
        item = gateway.get_item(board, issue.node_id, add=True)
        gateway.set_field(board, item.id, "Status", "Todo")
        assert gateway.add_labels(REPO, 1, ["needs-triage", "type: blog"]) == ["needs-triage"]
        assert gateway.upsert_comment(REPO, 1, "estimate", "Please estimate").action == "created"
        gateway.ensure_label(REPO, "needs-triage", "fbca04")
    assert gh.writes_since(mark) == []
    assert issue.labels == ["type: blog"] and tracker.board.items == []
    assert book.writes == 0 and book.reads > 0
    planned = [w["operation"] for w in book.as_outcome()["planned_writes"]]
    assert planned == [
        "add_to_board",
        "set_field",
        "add_labels",
        "comment_created",
        "ensure_label",
    ]


def test_dry_run_decides_comments_and_labels_as_the_real_gateway_would(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO)
    gh.add_label(REPO, "needs-triage")
    # A person quoting the marker does not make it the bot's comment.
    gh.add_comment(issue, "copied <!-- boardwatch:estimate --> by hand", author="alice")
    mine = gh.add_comment(issue, "<!-- boardwatch:digest -->\nOld digest", author=gh.bot_login)
    gateway = factory_for(gh, BOARDWATCH_DRY_RUN="true").for_installation(None)
    mark = gh.mark()
    with ledger() as book:
        assert gateway.ensure_label(REPO, "needs-triage", "fbca04") is False
        assert gateway.ensure_label(REPO, "stale", "cccccc", "No activity") is True
        estimate = gateway.upsert_comment(REPO, 1, "estimate", "Please estimate.")
        digest = gateway.upsert_comment(REPO, 1, "digest", "New digest")
        same = gateway.upsert_comment(REPO, 1, "digest", "Old digest")
        gone = gateway.upsert_comment(REPO, 1, "estimate", None)
    assert (estimate.action, estimate.comment_id) == ("created", None)
    assert (digest.action, digest.comment_id) == ("updated", mine.id)
    assert (same.action, same.comment_id) == ("none", mine.id)
    assert gone.action == "none"  # nothing of the bot's to delete
    assert gh.writes_since(mark) == []
    assert book.as_outcome()["planned_writes"] == [
        {
            "operation": "ensure_label",
            "repo": REPO,
            "name": "stale",
            "color": "cccccc",
            "description": "No activity",
        },
        {
            "operation": "comment_created",
            "repo": REPO,
            "number": 1,
            "key": "estimate",
            "body": "Please estimate.",
        },
        {
            "operation": "comment_updated",
            "repo": REPO,
            "number": 1,
            "key": "digest",
            "body": "New digest",
        },
    ]
