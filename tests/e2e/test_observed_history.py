"""What the evaluation records in the Status history, and the time in status it then sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.evaluation import load_snapshot
from service.gateway.client import issue_from_rest
from service.handlers.context import evaluation
from service.store import history
from tests.support.bot import Bot

REPO = "acme/tracker"


def test_a_status_change_is_recorded_once_and_time_in_status_starts_now(bot: Bot) -> None:
    gh, engine = bot.gh, bot.services.store.engine
    board = gh.boards[0]
    issue = gh.add_issue(REPO, title="Campaign")
    item = gh.add_item(board, issue, Status="Todo")
    week_ago = datetime.now(UTC) - timedelta(days=7)
    history.record_status(
        engine,
        repo=REPO,
        number=1,
        item_id=item.id,
        old=None,
        new="Todo",
        at=week_ago,
        actor="alice",
        source="webhook",
    )
    gh.set_value(board, item, "Status", "In Progress")  # moved on the board
    now = datetime.now(UTC)
    ev = evaluation(bot.services, None, REPO, now=now)
    as_read = issue_from_rest(REPO, gh.issue_json(issue))

    snapshot, _ = load_snapshot(ev, as_read, actor="bob", source="webhook")
    assert snapshot.status_since == now  # not the week-old Todo
    assert history.last(engine, REPO, 1, "status") == ("In Progress", now)
    again, _ = load_snapshot(ev, as_read)
    assert again.status_since == now
    assert [e.new_value for e in history.load_history(engine)] == ["Todo", "In Progress"]


def test_read_only_evaluation_records_nothing(bot: Bot) -> None:
    gh, engine = bot.gh, bot.services.store.engine
    issue = gh.add_issue(REPO, title="Plan only")
    gh.add_item(gh.boards[0], issue, Status="Todo")
    ev = evaluation(bot.services, None, REPO)
    ev.read_only = True
    snapshot, _ = load_snapshot(ev, issue_from_rest(REPO, gh.issue_json(issue)))
    assert snapshot.status_since == ev.now
    assert history.load_history(engine) == []
