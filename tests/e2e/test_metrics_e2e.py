"""The team's metrics end to end: `/metric` through POST /webhook, the tracker's metrics CSV
read on a push and before a digest, and the values in the digest's KPI section."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from service.reports.digest import digest_at
from service.reports.metrics_csv import METRICS_CSV_PATH, blob_sha
from service.store.metrics import load_values
from tests.e2e.test_repo_rules import push
from tests.fakegithub.state import Comment, Issue
from tests.support.bot import Bot

REPO = "acme/tracker"
TODAY = datetime.now(UTC).date()


def comment(bot: Bot, issue: Issue, body: str, author: str) -> Comment:
    made = bot.gh.add_comment(issue, body, author=author)
    bot.send("issue_comment", "created", issue=issue, comment=made, sender=author)
    return made


def replies(bot: Bot, issue: Issue) -> list[str]:
    return [c.body for c in bot.gh.bot_comments(issue) if "boardwatch:reply-" in c.body]


def digest_reviewing(bot: Bot, day: date) -> str:
    """The weekly digest posted on the Monday after the week of `day` (it reviews that week)."""
    monday = day - timedelta(days=day.weekday()) + timedelta(days=7)
    at = datetime.combine(monday, time(8), tzinfo=UTC)
    return digest_at(
        bot.services, bot.services.gateways.for_installation(None), "week", at
    ).markdown


def stored(bot: Bot) -> list[tuple]:
    return [
        (v.metric, v.day, v.value, v.actor, v.source, v.origin, v.line)
        for v in load_values(bot.services.store.engine, REPO)
    ]


def test_metric_by_a_triage_user_is_stored_confirmed_and_shown(bot: Bot) -> None:
    issue = bot.gh.add_issue(REPO, title="Weekly digest · 2026-W48")
    day = TODAY - timedelta(days=7)
    made = comment(bot, issue, f"/metric emails 12 {day}\n/metric MQLs 4.5 {day}", author="bob")
    assert made.reactions == [(bot.gh.bot_login, "+1")]
    assert replies(bot, issue) == []  # confirmed by the reaction alone
    where = f"/{REPO}/issues/{issue.number}#issuecomment-{made.id}"
    rows = stored(bot)
    assert [row[:5] for row in rows] == [
        ("emails", day, 12.0, "bob", "command"),
        ("mqls", day, 4.5, "bob", "command"),
    ]
    assert all(row[5].endswith(where) for row in rows)

    text = digest_reviewing(bot, day)
    assert "| emails | 12 | — | — |" in text
    assert "| mqls (MQLs) | 4.5 | — | — |" in text
    assert "❌ **Emails** (emails, at least 30 emails per week," in text
    assert ": 12 / 30 `████░░░░░░`" in text
    assert '    title "emails per week"' in text and "    line [0, 0, 0, 0, 0, 0, 0, 12]" in text


def test_a_metric_given_again_in_an_edited_comment_replaces_the_value(bot: Bot) -> None:
    issue = bot.gh.add_issue(REPO, title="Numbers")
    made = comment(bot, issue, "/metric signups 3", author="alice")
    made.body = "/metric signups 5"
    bot.send(
        "issue_comment",
        "edited",
        issue=issue,
        comment=made,
        sender="alice",
        changes={"body": {"from": "/metric signups 3"}},
    )
    # without a date: today in the team's time zone (UTC here)
    assert [row[:3] for row in stored(bot)] == [("signups", TODAY, 5.0)]


def test_metric_by_a_reader_is_refused_with_a_reply_saying_why(bot: Bot) -> None:
    issue = bot.gh.add_issue(REPO, title="Numbers")
    made = comment(bot, issue, "/metric emails 12", author="guest")
    assert made.reactions == [(bot.gh.bot_login, "confused")]
    [reply] = replies(bot, issue)
    assert "@guest" in reply and "triage, write, maintain or admin" in reply
    assert "the team's metrics" in reply and "your permission is `read`" in reply
    assert stored(bot) == []


def test_an_unknown_metric_or_a_bad_value_gets_the_right_form(bot: Bot) -> None:
    issue = bot.gh.add_issue(REPO, title="Numbers")
    made = comment(
        bot, issue, "/metric leads 3\n/metric emails many\n/metric emails 3 2999-01-01", "alice"
    )
    assert made.reactions == [(bot.gh.bot_login, "confused")]
    [reply] = replies(bot, issue)
    assert (
        "`leads` is not a metric of the targets file (declared: `emails`, `traffic`, `mqls`, "
        "`signups`)"
    ) in reply
    assert "`many` is not a plain number such as 12 or 1234.5" in reply
    assert "2999-01-01 is in the future" in reply
    assert "Write `/metric emails 12 [2026-11-20]`" in reply
    assert stored(bot) == []


CSV = (
    "date,metric,value\n"
    "2026-11-16,traffic,5120\n"
    "2026-11-1x,traffic,3\n"
    "2026-11-17,emails,20\n"
    "2026-11-10,emails,8\n"
)
BAD_ROW = f"{METRICS_CSV_PATH}:3: `2026-11-1x` is not a date YYYY-MM-DD; the row is skipped"


def test_a_push_of_the_csv_stores_its_rows_and_reports_a_bad_row_with_its_line(bot: Bot) -> None:
    bot.gh.add_file(REPO, METRICS_CSV_PATH, CSV)
    outcome = push(bot, [METRICS_CSV_PATH], after="sha-main-0")
    assert outcome["metrics"] == {"read": 3, "errors": [BAD_ROW]}
    assert "rules" not in outcome  # the rule file was not touched, nor read
    origin = f"{METRICS_CSV_PATH}@sha-main-0"
    assert stored(bot) == [
        ("emails", date(2026, 11, 10), 8.0, "lead", "csv", origin, 5),
        ("traffic", date(2026, 11, 16), 5120.0, "lead", "csv", origin, 2),
        ("emails", date(2026, 11, 17), 20.0, "lead", "csv", origin, 4),
    ]
    # the file is the truth for its rows: a row taken out of it is gone
    bot.gh.add_file(REPO, METRICS_CSV_PATH, "date,metric,value\n2026-11-17,emails,21\n")
    bot.gh.repos[REPO].branch_shas["main"] = "sha-main-1"
    assert push(bot, [METRICS_CSV_PATH], after="sha-main-1")["metrics"] == {
        "read": 1,
        "errors": [],
    }
    assert stored(bot) == [
        ("emails", date(2026, 11, 17), 21.0, "lead", "csv", f"{METRICS_CSV_PATH}@sha-main-1", 2)
    ]


def test_the_digest_reads_the_csv_from_the_tracker_and_lists_its_bad_rows(bot: Bot) -> None:
    bot.gh.add_file(REPO, METRICS_CSV_PATH, CSV)  # no push seen: the digest reads it itself
    text = digest_reviewing(bot, date(2026, 11, 18))
    kpis = text[text.index("## 📊 KPIs") : text.index("## 🎯 Targets")]
    assert "| emails | 20 | 8 | +12 (+150%) |" in kpis
    assert "| traffic (visits) | 5,120 | — | — |" in kpis
    assert "> - " + BAD_ROW.replace("`", "\\`") in kpis
    assert "- ❌ **Emails** (emails, at least 30 emails per week, 2026-W47): 20 / 30" in text
    assert {row[5] for row in stored(bot)} == {f"{METRICS_CSV_PATH}@{blob_sha(CSV)}"}
    # a second digest of the unchanged file writes nothing: the values keep where they came from
    before = [v.recorded_at for v in load_values(bot.services.store.engine, REPO)]
    digest_reviewing(bot, date(2026, 11, 18))
    assert [v.recorded_at for v in load_values(bot.services.store.engine, REPO)] == before
