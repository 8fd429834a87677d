"""Every slash command end to end: a comment webhook in, the fake GitHub's state out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.commands.intents import MAX_COMMANDS
from service.store import notes
from tests.fakegithub.state import Comment, Issue
from tests.support.bot import Bot

REPO = "acme/tracker"
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def issue(bot: Bot) -> Issue:
    """A triaged task in progress, on the board, older than every grace period."""
    made = bot.gh.add_issue(REPO, title="Spring campaign", created_at=AN_HOUR_AGO)
    bot.gh.add_item(bot.gh.boards[0], made, Status="In Progress")
    return made


def comment(bot: Bot, issue: Issue, body: str, author: str = "alice") -> tuple[Comment, dict]:
    made = bot.gh.add_comment(issue, body, author=author)
    delivery = bot.send("issue_comment", "created", issue=issue, comment=made, sender=author)
    return made, delivery.outcome


def values(bot: Bot, issue: Issue) -> dict:
    return bot.gh.item_values(bot.gh.boards[0], issue) or {}


def replies(bot: Bot, issue: Issue) -> list[str]:
    return [c.body for c in bot.gh.bot_comments(issue) if "boardwatch:reply-" in c.body]


def test_estimate_sets_the_field_and_needs_estimate_disappears(bot: Bot, issue: Issue) -> None:
    bot.send("issues", "edited", issue=issue)
    assert "needs-estimate" in issue.labels
    made, outcome = comment(bot, issue, "/estimate 1.5h")
    assert values(bot, issue)["Estimate"] == 1.5
    assert "needs-estimate" not in issue.labels
    assert made.reactions == [(bot.gh.bot_login, "+1")]
    assert outcome["commands"]["ran"] == [
        {"line": "/estimate 1.5h", "ok": True, "message": "Estimate set to 1.5h"}
    ]
    assert replies(bot, issue) == []  # nothing to say: no reply


def test_status_matches_options_case_insensitively(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/status done")
    assert values(bot, issue)["Status"] == "Done"


def test_an_unknown_status_gets_a_reply_listing_the_valid_ones(bot: Bot, issue: Issue) -> None:
    made, _ = comment(bot, issue, "/status Someday")
    assert values(bot, issue)["Status"] == "In Progress"
    assert made.reactions == [(bot.gh.bot_login, "confused")]
    [reply] = replies(bot, issue)
    assert "`Someday` is not a Status of this board" in reply
    assert "`Todo`, `In Progress`, `Blocked`, `Done`" in reply
    assert "Write `/status In Progress`" in reply


def test_assign_me_others_and_unassign(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/assign me @bob")
    assert issue.assignees == ["alice", "bob"]
    comment(bot, issue, "/unassign @bob")
    assert issue.assignees == ["alice"]


def test_type_replaces_another_type_label(bot: Bot, issue: Issue) -> None:
    issue.labels.append("type: blog")
    comment(bot, issue, "/type social")
    assert "type: social" in issue.labels and "type: blog" not in issue.labels
    made, _ = comment(bot, issue, "/type podcast")
    assert "`podcast` is not a work type" in replies(bot, issue)[0]
    assert made.reactions[-1][1] == "confused"


def test_blocked_records_the_reason_and_unblock_clears_it(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/blocked waiting for legal review")
    assert values(bot, issue)["Status"] == "Blocked"
    engine = bot.services.store.engine
    assert notes.get_notes(engine, REPO, issue.number)["blocked_reason"] == (
        "waiting for legal review"
    )
    # The blocked-reason rule holds thanks to the note: no comment asks for a reason.
    assert not [c for c in bot.gh.bot_comments(issue) if "blocked-reason" in c.body]
    comment(bot, issue, "/unblock")
    assert values(bot, issue)["Status"] == "In Progress"
    assert "blocked_reason" not in notes.get_notes(engine, REPO, issue.number)


def test_target_sets_the_date(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/target 2026-12-01")
    assert values(bot, issue)["Target date"] == "2026-12-01"


def test_help_lists_commands_and_the_rules_of_this_issue(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/help")
    [reply] = replies(bot, issue)
    assert "| `/estimate` |" in reply and "| `/blocked` |" in reply
    assert "**estimate**" in reply and "❌ not yet" in reply
    assert "**triage**" in reply and "✅ holds" in reply


def test_digest_outside_a_digest_issue_is_refused(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/digest")
    assert "works in a digest issue" in replies(bot, issue)[0]


def test_people_without_triage_permission_get_one_polite_reply(bot: Bot, issue: Issue) -> None:
    made, outcome = comment(bot, issue, "/estimate 3h\n/status Done", author="guest")
    assert "Estimate" not in values(bot, issue)
    assert values(bot, issue)["Status"] == "In Progress"
    [reply] = replies(bot, issue)
    assert "@guest" in reply and "triage, write, maintain or admin" in reply and "read" in reply
    assert made.reactions == [(bot.gh.bot_login, "confused")]
    assert [r["ok"] for r in outcome["commands"]["ran"]] == [False, False]


def test_triage_permission_is_enough(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/estimate 2h", author="bob")
    assert values(bot, issue)["Estimate"] == 2


def test_the_bot_never_obeys_itself(bot: Bot, issue: Issue) -> None:
    mark = bot.gh.mark()
    made = bot.gh.add_comment(issue, "/status Done", author=bot.gh.bot_login)
    bot.send("issue_comment", "created", issue=issue, comment=made, sender=bot.gh.bot_login)
    assert values(bot, issue)["Status"] == "In Progress"
    # Only learning who the bot is (once per process) may be asked of GitHub.
    assert [c.path for c in bot.gh.calls_since(mark)] in ([], ["/user"])


def test_several_commands_run_in_order(bot: Bot, issue: Issue) -> None:
    _, outcome = comment(bot, issue, "/status Todo\n/estimate 4h\n/status Blocked\n/assign me")
    assert values(bot, issue)["Status"] == "Blocked"
    assert values(bot, issue)["Estimate"] == 4
    assert [r["line"] for r in outcome["commands"]["ran"]] == [
        "/status Todo",
        "/estimate 4h",
        "/status Blocked",
        "/assign me",
    ]


def test_an_edited_comment_runs_only_the_new_commands(bot: Bot, issue: Issue) -> None:
    made, _ = comment(bot, issue, "/estimate 3h")
    bot.gh.set_value(bot.gh.boards[0], bot.gh.boards[0].item_of(issue), "Estimate", 5)
    before = made.body
    made.body = "/estimate 3h\n/target 2026-12-24"
    delivery = bot.send(
        "issue_comment",
        "edited",
        issue=issue,
        comment=made,
        changes={"body": {"from": before}},
    )
    assert values(bot, issue)["Estimate"] == 5  # the old /estimate did not run again
    assert values(bot, issue)["Target date"] == "2026-12-24"
    assert [r["line"] for r in delivery.outcome["commands"]["ran"]] == ["/target 2026-12-24"]


def test_commands_in_a_new_issue_body_run_too(bot: Bot) -> None:
    made = bot.gh.add_issue(REPO, title="Webinar", body="Details below.\n/estimate 6h\n/type event")
    bot.send("issues", "opened", issue=made)
    assert values(bot, made)["Estimate"] == 6
    assert "type: event" in made.labels


def test_a_template_hint_in_an_html_comment_is_no_command(bot: Bot) -> None:
    body = "## Request\nA webinar.\n<!--\nKnow the effort? Write:\n/estimate 3h\n-->\n"
    made = bot.gh.add_issue(REPO, title="Webinar", body=body)
    delivery = bot.send("issues", "opened", issue=made)
    assert "commands" not in delivery.outcome
    assert "Estimate" not in (values(bot, made))


def test_the_outcome_lists_the_writes_made(bot: Bot, issue: Issue) -> None:
    _, outcome = comment(bot, issue, "/estimate 2h\n/type social\n/status In Progress")
    assert outcome["commands"]["writes"] == ["board Estimate = 2.0", "label + type: social"]


def test_status_costs_one_item_read_and_one_write_path(bot: Bot, issue: Issue) -> None:
    comment(bot, issue, "/estimate 1h")  # the first command learns the permission and comments
    mark = bot.gh.mark()
    comment(bot, issue, "/status Done")
    assert len(bot.gh.graphql_calls(mark, "GetIssueItems")) == 1
    assert len(bot.gh.graphql_calls(mark, "SetFieldValue")) == 1
    assert values(bot, issue)["Status"] == "Done"


def test_a_comment_of_a_thousand_commands_runs_ten_and_gets_one_short_reply(
    bot: Bot, issue: Issue
) -> None:
    lines = [f"/estimate {n}h\n" if n % 2 else f"/status Someday {n}\n" for n in range(1, 1001)]
    body = "".join(lines)
    assert len(body) < 65_536
    # The same issue, given only the first ten lines: what the cap allows.
    twin = bot.gh.add_issue(REPO, title="Spring campaign", created_at=AN_HOUR_AGO)
    bot.gh.add_item(bot.gh.boards[0], twin, Status="In Progress")
    mark = bot.gh.mark()
    comment(bot, twin, "".join(lines[:MAX_COMMANDS]))
    allowed = bot.gh.writes_since(mark)

    mark = bot.gh.mark()
    made, outcome = comment(bot, issue, body)
    writes = bot.gh.writes_since(mark)
    assert len(writes) <= len(allowed)
    # Five `/estimate`s among the ten: one plan, so the last one is written, once.
    assert len([c for c in writes if c.operation == "SetFieldValue"]) == 1
    assert len(outcome["commands"]["ran"]) == MAX_COMMANDS
    assert outcome["commands"]["ignored"] == 1000 - MAX_COMMANDS
    assert values(bot, issue)["Estimate"] == 9  # the last /estimate of the first ten
    [reply] = replies(bot, issue)
    assert len(reply) < 65_536
    assert "990 more commands were ignored: at most 10 commands run per comment." in reply
    assert reply.count("is not a Status of this board") == 5
    assert made.reactions == [(bot.gh.bot_login, "confused")]


@pytest.mark.parametrize("amount", ["9" * 400, "8" + "0" * 300, "8e300", "1001h"])
def test_an_estimate_out_of_range_gets_a_clear_reply_and_the_delivery_ends_done(
    bot: Bot, issue: Issue, amount: str
) -> None:
    made = bot.gh.add_comment(issue, f"/estimate {amount}", author="alice")
    delivery = bot.send("issue_comment", "created", issue=issue, comment=made, sender="alice")
    assert delivery.status == "done"
    assert "Estimate" not in values(bot, issue)
    [reply] = replies(bot, issue)
    assert f"`{amount}` is not a duration" in reply
    assert "Write `/estimate 3h`" in reply and "at most 1000h" in reply
    assert made.reactions == [(bot.gh.bot_login, "confused")]


def test_a_command_line_of_65_kb_is_one_short_error(bot: Bot, issue: Issue) -> None:
    _, outcome = comment(bot, issue, "/status " + "x" * 65_000)
    [ran] = outcome["commands"]["ran"]
    assert ran["ok"] is False and "a command line has at most 1,000" in ran["message"]
    [reply] = replies(bot, issue)
    assert len(reply) < 1_000
    assert values(bot, issue)["Status"] == "In Progress"
