"""The digest end to end against the fake GitHub: golden markdown and JSON, posting once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from service.reports.digest import digest_at, post_digest
from service.reports.render import MAX_BODY, render_json
from tests.reports.fixture import AT, REPO, build_board
from tests.support.bot import Bot

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"  # UPDATE_GOLDEN=1 pytest tests/reports


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{name} has no golden file yet; UPDATE_GOLDEN=1 writes it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 to accept"


@pytest.fixture
def board(bot: Bot) -> Bot:
    build_board(bot)
    return bot


def gateway(bot: Bot):
    return bot.services.gateways.for_installation(None)


# The first Thursday of December: the monthly review of November.
DECEMBER_3 = AT.replace(month=12, day=3)


@pytest.mark.parametrize(("kind", "at"), [("week", AT), ("month", DECEMBER_3)])
def test_golden_markdown_and_json(board: Bot, kind: str, at) -> None:
    report = digest_at(board.services, gateway(board), kind, at)
    check_golden(f"{kind}.md", report.markdown)
    check_golden(f"{kind}.json", render_json(report.summary))


def test_the_weekly_numbers(board: Bot) -> None:
    s = digest_at(board.services, gateway(board), "week", AT).summary
    assert s.period == "2026-W47"
    # oldest first: done Nov 19, Nov 20, Nov 21
    assert [r.title for r in s.done] == ["Newsletter #12", "Blog: autumn recap", "Launch video"]
    assert s.done_by_person == {"alice": 2, "bob": 1}
    assert s.done_by_type == {"blog": 1, "email": 1, "video": 1}
    # cycle times 6, 1 and 10 days: median 6, p90 (nearest rank) 10
    assert (s.kpis.cycle_time_median_days, s.kpis.cycle_time_p90_days) == (6.0, 10.0)
    assert [r.title for r in s.blocked] == ["Partner page"]
    assert s.blocked[0].note == "waiting for legal review"
    assert [r.title for r in s.triage] == ["Request: trade fair flyer"]
    assert s.triage[0].days == 2.9  # created Nov 20 10:00, report Nov 23 08:00
    assert [(r.title, r.days) for r in s.deadlines] == [
        ("Social post: product launch", -3),
        ("Webinar deck", 4),
    ]
    assert [r.title for r in s.stale] == ["Case study"]
    assert s.kpis.wip_by_person == {"(unassigned)": 1, "alice": 1}
    targets = {t.name: (t.done, t.met, t.window) for t in s.targets}
    # two blog posts done in November so far (Nov 3 and Nov 20)
    assert targets == {"Blog posts": (2, False, "2026-11")}
    # emails are a metric now: the one issue labelled `type: email` is not 1 of 30 emails
    assert s.metrics is not None
    [emails] = s.metrics.targets
    assert (emails.name, emails.value, emails.met) == ("Emails", None, None)
    assert s.status_counts == {"Done": 4, "In Progress": 2, "Blocked": 1, "No Status": 1, "Todo": 1}
    # the chart ends with the reviewed week: W46 none, W47 three (W45: "Old done post", Nov 3)
    assert list(s.done_per_week.items())[-3:] == [("2026-W45", 1), ("2026-W46", 0), ("2026-W47", 3)]
    # only "Newsletter #12" was seen leaving "no Status" in the week: created Oct 24, In
    # Progress Nov 18 (25 d); "Partner page" already had a Status when history began
    assert s.kpis.time_to_triage_median_days == 25.0


def test_the_monthly_review_checks_the_content_calendar(board: Bot) -> None:
    s = digest_at(board.services, gateway(board), "month", DECEMBER_3).summary
    assert s.period == "2026-11"
    assert [r.title for r in s.adherence.on_time] == ["Newsletter #12"]
    assert [r.title for r in s.adherence.open] == [
        "Social post: product launch",
        "Webinar deck",
    ]
    assert s.done_previous_period == 0 and len(s.done) == 4


def test_posting_twice_makes_one_issue_and_next_week_closes_the_previous(board: Bot) -> None:
    gh, services = board.gh, board.services
    first = post_digest(gateway(board), REPO, digest_at(services, gateway(board), "week", AT))
    mark = gh.mark()
    again = post_digest(gateway(board), REPO, digest_at(services, gateway(board), "week", AT))
    assert gh.writes_since(mark) == []  # nothing changed: no write at all
    assert (first.action, again.action) == ("created", "unchanged")
    assert first.issue_number == again.issue_number
    digests = [i for i in gh.repos[REPO].issues.values() if "digest" in i.labels]
    assert [i.title for i in digests] == ["Weekly digest · 2026-W48"]
    next_week = AT.replace(day=30)
    newer = post_digest(
        gateway(board), REPO, digest_at(services, gateway(board), "week", next_week)
    )
    old = gh.issue(REPO, first.issue_number)
    assert old.state == "closed"
    assert f"Superseded by #{newer.issue_number}" in old.comments[-1].body
    assert gh.issue(REPO, newer.issue_number).title == "Weekly digest · 2026-W49"


def test_slash_digest_regenerates_the_digest_issue(board: Bot) -> None:
    gh = board.gh
    posted = post_digest(
        gateway(board), REPO, digest_at(board.services, gateway(board), "week", AT)
    )
    issue = gh.issue(REPO, posted.issue_number)
    issue.body = "someone broke it"
    made = gh.add_comment(issue, "/digest", author="lead")
    delivery = board.send("issue_comment", "created", issue=issue, comment=made, sender="lead")
    assert issue.body.startswith("# Weekly digest · 2026-W48")
    assert delivery.outcome["commands"]["ran"][0]["ok"] is True
    assert made.reactions == [(gh.bot_login, "+1")]


def test_a_huge_board_stays_under_the_issue_size_limit(bot: Bot) -> None:
    gh = bot.gh
    board_ = gh.boards[0]
    for n in range(1500):
        issue = gh.add_issue(REPO, title=f"Request {n} " + "x" * 60, created_at=AT)
        gh.add_item(board_, issue)
    report = digest_at(bot.services, gateway(bot), "week", AT)
    assert len(report.markdown) <= MAX_BODY
    assert "… and" in report.markdown and "more on [the board]" in report.markdown
    assert len(report.summary.triage) == 1500


def test_empty_board_sections_say_so(bot: Bot) -> None:
    report = digest_at(bot.services, gateway(bot), "week", AT)
    text = report.markdown
    for phrase in (
        "Nothing was finished in this period.",
        "Nothing in progress.",
        "Nothing is blocked.",
        "No deadline in the next 14 days.",
        "Every request has a Status.",
        "Every open item follows the rules.",
        "boardwatch has no Status history yet",
    ):
        assert phrase in text
    data = json.loads(render_json(report.summary))
    assert data["kpis"]["cycle_time_median_days"] is None
