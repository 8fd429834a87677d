"""Dry-run at the transport: reads happen, writes are recorded where they would be sent."""

from __future__ import annotations

from service.gateway.accounting import ledger
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for

REPO = "acme/tracker"


def test_dry_run_records_writes_and_sends_none(tracker: Tracker) -> None:
    gh = tracker.gh
    issue = gh.add_issue(REPO, labels=["type: blog"])
    gateway = factory_for(gh, BOARDWATCH_DRY_RUN="true").for_installation(None)
    mark = gh.mark()
    with ledger() as book:
        board = gateway.get_board("acme/1")
        item = gateway.add_item(board, issue.node_id)
        gateway.set_field(board, item.id, "Status", "Todo")
        assert gateway.add_labels(REPO, 1, ["needs-triage"]) == ["needs-triage"]
        assert gateway.upsert_comment(REPO, 1, "estimate", "Please estimate").action == "created"
        gateway.ensure_label(REPO, "needs-triage", "fbca04")
    assert gh.writes_since(mark) == []
    assert issue.labels == ["type: blog"] and tracker.board.items == []
    assert book.writes == 0 and book.reads > 0
    planned = [w["operation"] for w in book.as_outcome()["planned_writes"]]
    assert planned == ["AddItem", "SetFieldValue", "add_labels", "create_comment", "create_label"]


def test_dry_run_decides_comments_and_labels_as_the_real_gateway_would(tracker: Tracker) -> None:
    # The same client code decides; only the requests that would write are not sent.
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
    assert estimate.action == "created"
    assert (digest.action, digest.comment_id) == ("updated", mine.id)
    assert (same.action, same.comment_id) == ("none", mine.id)
    assert gone.action == "none"  # nothing of the bot's to delete
    assert gh.writes_since(mark) == []
    assert book.as_outcome()["planned_writes"] == [
        {
            "operation": "create_label",
            "owner": "acme",
            "repo": "tracker",
            "body": {"name": "stale", "color": "cccccc", "description": "No activity"},
        },
        {
            "operation": "create_comment",
            "owner": "acme",
            "repo": "tracker",
            "issue_number": 1,
            "body": {"body": "<!-- boardwatch:estimate -->\nPlease estimate."},
        },
        {
            "operation": "update_comment",
            "owner": "acme",
            "repo": "tracker",
            "comment_id": mine.id,
            "body": {"body": "<!-- boardwatch:digest -->\nNew digest"},
        },
    ]
