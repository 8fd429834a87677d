"""GitHub (or a proxy) echoes the token in its error: it reaches no log, row, answer or comment."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from service import logs
from service.store.schema import deliveries
from tests.fakegithub import TOKEN
from tests.fakegithub.state import Issue
from tests.support.bot import Bot

REPO = "acme/tracker"
ADMIN = "admin-token-for-redaction"


@pytest.fixture
def process_log() -> Iterator[io.StringIO]:
    """The service's own JSON log lines (as `boardwatch serve` writes them), captured."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "github", "urllib3")}
    logs.configure("DEBUG")
    out = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    root.handlers += saved[0]  # pytest's caplog keeps capturing too
    try:
        yield out
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def issue(bot: Bot) -> Issue:
    made = bot.gh.add_issue(REPO, title="Launch", created_at=datetime.now(UTC) - timedelta(hours=1))
    bot.gh.add_item(bot.gh.boards[0], made, Status="In Progress")
    return made


def stored_text(bot: Bot) -> str:
    """Every stored delivery row, every column, as text."""
    with bot.services.store.engine.connect() as conn:
        rows = conn.execute(select(deliveries)).mappings().all()
    return json.dumps([dict(r) for r in rows], default=str)


def admin_answers(bot: Bot, delivery_id: str) -> str:
    # The bot fixture has no admin API; open it for this look.
    bot.client.app.state.settings.admin_token = SecretStr(ADMIN)
    sent = {"Authorization": f"Bearer {ADMIN}"}
    listed = bot.client.get("/deliveries", headers=sent)
    one = bot.client.get(f"/deliveries/{delivery_id}", headers=sent)
    assert listed.status_code == one.status_code == 200
    return listed.text + one.text


def test_a_failed_command_write_quotes_no_token_in_its_row_answer_or_log(
    bot: Bot,
    issue: Issue,
    process_log: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub logs answers at DEBUG
    # The board write of `/status Done` fails with an error that quotes the request's token;
    # the delivery is tried again and the second attempt writes it.
    bot.gh.echo_credentials_next(times=1, status=200, graphql=True, match="SetFieldValue")
    made = bot.gh.add_comment(issue, "/status Done", author="alice")
    delivery = bot.send("issue_comment", "created", issue=issue, comment=made, sender="alice")

    assert delivery.attempts == 2
    assert bot.gh.item_values(bot.gh.boards[0], issue)["Status"] == "Done"
    comments = "\n".join(c.body for c in bot.gh.bot_comments(issue))
    for place, text in {
        "comment": comments,
        "stored row": stored_text(bot),
        "admin answer": admin_answers(bot, delivery.id),
        "caplog": caplog.text,
        "process log": process_log.getvalue(),
    }.items():
        assert TOKEN not in text, place
    assert "Bad credentials" in caplog.text  # the failure was logged, redacted


def test_a_delivery_that_fails_for_good_stores_and_logs_no_token(
    bot: Bot, issue: Issue, process_log: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot.worker.max_attempts = 2
    bot.gh.echo_credentials_next(times=100, status=401)  # every REST call, every attempt
    delivery_id = bot.post("issues", bot.gh.webhook("issues", "edited", issue=issue))
    bot.worker.run_until_idle()
    found = bot.services.store.deliveries.get(delivery_id)
    assert found is not None and found.status == "failed"
    assert found.last_error is not None and "Authorization: token ***" in found.last_error
    assert "delivery failed for good" in process_log.getvalue()
    for place, text in {
        "stored row": stored_text(bot),
        "admin answer": admin_answers(bot, delivery_id),
        "caplog": caplog.text,
        "process log": process_log.getvalue(),
    }.items():
        assert TOKEN not in text, place
