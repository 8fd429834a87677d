"""What the evaluation records in the Status history, and the time in status it then sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.gateway.client import issue_from_rest
from service.handlers.context import pipeline_for
from service.store import history
from tests.support.bot import Bot

REPO = "acme/tracker"


def test_a_status_change_is_recorded_once_and_time_in_status_starts_now(bot: Bot) -> None:
    gh, engine = bot.gh, bot.services.store.engine
    board = gh.boards[0]
    issue = gh.add_issue(REPO, title="Campaign")
    item = gh.add_item(board, issue, Status="Todo")
    week_ago = datetime.now(UTC) - timedelta(days=7)
    history.record(
        engine,
        kind="status",
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
    pipeline = pipeline_for(bot.services, None, REPO, now=now)
    as_read = issue_from_rest(REPO, gh.issue_json(issue))

    reading = pipeline.read(as_read)
    assert reading.snapshot.status_since == now  # not the week-old Todo
    assert [e.new_value for e in history.load_history(engine)] == ["Todo"]  # reading writes not
    pipeline.run(as_read, actor="bob", source="webhook")
    assert history.last(engine, REPO, 1, "status") == ("In Progress", now)
    again = pipeline.read(as_read)
    assert again.snapshot.status_since == now and again.observations == ()
    pipeline.run(as_read)
    assert [e.new_value for e in history.load_history(engine)] == ["Todo", "In Progress"]


def test_read_only_evaluation_records_nothing(bot: Bot) -> None:
    gh, engine = bot.gh, bot.services.store.engine
    issue = gh.add_issue(REPO, title="Plan only")
    gh.add_item(gh.boards[0], issue, Status="Todo")
    pipeline = pipeline_for(bot.services, None, REPO, read_only=True)
    outcome = pipeline.run(issue_from_rest(REPO, gh.issue_json(issue)))
    assert outcome.plan is not None and outcome.changes is None
    assert history.load_history(engine) == []
