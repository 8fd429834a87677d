"""The exact GitHub calls of one delivery of each kind, and nothing read twice in one of them.

Each case starts from a service that has handled one delivery already (it knows the bot's
login, the repository's rules and the board's fields, as a running `serve` does), then sends
one webhook and compares the delivery's cost (`outcome.github`: reads, writes, reads GitHub
answered 304, calls by operation) with the table, and the fake GitHub's log of the requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.bot import Bot

REPO = "acme/tracker"
AGO = datetime.now(UTC) - timedelta(days=1)

Webhook = tuple[str, str | None, dict[str, Any]]


def _in_order(bot: Bot) -> Webhook:
    gh = bot.gh
    issue = gh.add_issue(
        REPO, title="T", labels=["type: blog"], assignees=["alice"], created_at=AGO
    )
    gh.add_item(gh.boards[0], issue, Status="Todo", Estimate=3)
    return "issues", "edited", {"issue": issue}


def _new_request(bot: Bot) -> Webhook:
    issue = bot.gh.add_issue(REPO, title="New request", created_at=AGO)
    return "issues", "opened", {"issue": issue}


def _edited_again(bot: Bot) -> Webhook:
    issue = bot.gh.add_issue(REPO, title="New request", created_at=AGO)
    bot.send("issues", "opened", issue=issue)
    return "issues", "edited", {"issue": issue}


def _status_set(bot: Bot) -> Webhook:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="New request", created_at=AGO)
    bot.send("issues", "opened", issue=issue)
    board = gh.boards[0]
    item = board.item_of(issue)
    gh.set_value(board, item, "Status", "Todo")
    return "projects_v2_item", "edited", {"item": (board, item)}


def _estimate_comment(bot: Bot) -> Webhook:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="New request", created_at=AGO)
    bot.send("issues", "opened", issue=issue)
    comment = gh.add_comment(issue, "/estimate 3h")
    return "issue_comment", "created", {"issue": issue, "comment": comment}


def _closed(bot: Bot) -> Webhook:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="New request", created_at=AGO)
    bot.send("issues", "opened", issue=issue)
    issue.state, issue.closed_at = "closed", datetime.now(UTC)
    return "issues", "closed", {"issue": issue}


def _command_after_the_permission_expired(bot: Bot) -> Webhook:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="New request", created_at=AGO)
    bot.send("issues", "opened", issue=issue)
    first = gh.add_comment(issue, "/estimate 3h")
    bot.send("issue_comment", "created", issue=issue, comment=first)
    bot.services.permissions.clear()  # as a minute later: the permission is looked up again
    comment = gh.add_comment(issue, "/estimate 5h")
    return "issue_comment", "created", {"issue": issue, "comment": comment}


def _board_edited(bot: Bot) -> Webhook:
    board = bot.gh.boards[0]
    payload = {
        "id": 1,
        "node_id": board.id,
        "number": board.number,
        "title": board.title,
        "owner": {"login": board.owner, "type": "Organization"},
    }
    return "projects_v2", "edited", {"projects_v2": payload}


@dataclass(frozen=True)
class Case:
    name: str
    prepare: Callable[[Bot], Webhook]
    reads: int
    writes: int
    not_modified: int = 0
    calls: dict[str, int] = field(default_factory=dict)


CASES = [
    Case("issue already in order", _in_order, 1, 0, calls={"GetIssueItems": 1}),
    Case(
        "new request: to the board, needs-triage",
        _new_request,
        1,
        2,
        calls={"GetIssueItems": 1, "AddItem": 1, "add_labels": 1},
    ),
    Case("same request edited again", _edited_again, 1, 0, calls={"GetIssueItems": 1}),
    Case(
        "Status set on the board (triage done)",
        _status_set,
        3,
        4,
        calls={
            "GetIssueItems": 1,  # the item, and the issue's items on other boards
            "get_label": 1,
            "create_label": 1,
            "add_labels": 1,
            "remove_label": 1,
            "list_comments": 1,
            "create_comment": 1,
        },
    ),
    Case(
        # The comments are listed once: the reply is created without listing them again.
        "`/estimate 3h` comment",
        _estimate_comment,
        4,
        5,
        calls={
            "GetIssueItems": 1,
            "list_comments": 1,
            "get_permission": 1,
            "get_label": 1,
            "create_label": 1,
            "SetFieldValue": 1,
            "add_labels": 1,
            "create_comment": 1,
            "add_reaction": 1,
        },
    ),
    Case(
        "issue closed: Status Done",
        _closed,
        1,
        2,
        calls={"GetIssueItems": 1, "SetFieldValue": 1, "remove_label": 1},
    ),
    Case(
        # The same permission answer as a minute ago: GitHub says 304, not charged.
        "second command after the permission expired",
        _command_after_the_permission_expired,
        2,
        2,
        1,
        calls={"GetIssueItems": 1, "get_permission": 1, "SetFieldValue": 1, "add_reaction": 1},
    ),
    Case("board edited (projects_v2): recorded, no call", _board_edited, 0, 0),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_calls_of_one_delivery(bot: Bot, case: Case) -> None:
    gh = bot.gh
    bot.send("issues", "edited", issue=gh.add_issue(REPO, title="warm-up", created_at=AGO))
    event, action, kw = case.prepare(bot)
    mark = gh.mark()
    delivery = bot.send(event, action, **kw)
    cost = delivery.outcome["github"]
    assert (cost["reads"], cost["writes"], cost.get("not_modified", 0)) == (
        case.reads,
        case.writes,
        case.not_modified,
    )
    assert cost["calls"] == case.calls
    sent = gh.calls_since(mark)
    assert len(sent) == case.reads + case.writes
    # Nothing is read twice in one evaluation: each read request (path, operation) once.
    reads = Counter((c.method, c.path, c.operation) for c in sent if not c.write)
    assert [r for r, n in reads.items() if n > 1] == []
