"""The digest end to end against the fake GitHub: golden markdown and JSON, posting once."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from service.reports.digest import digest_at, post_digest
from service.reports.render import MAX_BODY, render_json, render_markdown
from service.reports.summary import Summary
from tests.reports.fixture import AT, DECEMBER_3, REPO, build_board, into_december
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


@pytest.mark.parametrize(("kind", "at"), [("week", AT), ("month", DECEMBER_3)])
def test_golden_markdown_and_json(board: Bot, kind: str, at) -> None:
    """The whole report as a person reads it. The figures in it are the hand-computed ones
    below; after a deliberate change of layout, `UPDATE_GOLDEN=1 pytest tests/reports`
    rewrites the golden files (review their diff before committing)."""
    if kind == "month":
        into_december(board)
    report = digest_at(board.services, gateway(board), kind, at)
    check_golden(f"{kind}.md", report.markdown)
    check_golden(f"{kind}.json", render_json(report.summary))


def figures(s: Summary) -> dict:
    """Every figure of a report, by the name the tables below use."""
    numbers = lambda rows: [r.number for r in rows]  # noqa: E731
    return {
        "period": s.period,
        "as_of": s.as_of,
        "done": numbers(s.done),
        "done_by_person": s.done_by_person,
        "done_by_type": s.done_by_type,
        "opened": s.kpis.opened,
        "closed": s.kpis.closed,
        "cycle_time_median": s.kpis.cycle_time_median_days,
        "cycle_time_p90": s.kpis.cycle_time_p90_days,
        "cycle_times_measured": s.kpis.cycle_times_measured,
        "time_to_triage_median": s.kpis.time_to_triage_median_days,
        "triaged_measured": s.kpis.triaged_measured,
        "tracked": (s.kpis.tracked_in_order, s.kpis.tracked_tasks, s.kpis.tracked_in_order_share),
        "wip": s.kpis.wip_by_person,
        "targets": {t.name: (t.done, t.required, t.met, t.window) for t in s.targets},
        "attention": {r.number: r.rules for r in s.attention},
        "attention_owners": s.attention_owners,
        "triage": [(r.number, r.author, r.type, r.days) for r in s.triage],
        "in_progress": [(r.number, r.days, r.estimate_hours, r.target_date) for r in s.in_progress],
        "blocked": [(r.number, r.note, r.days) for r in s.blocked],
        "stale": [(r.number, r.days) for r in s.stale],
        "deadlines": [(r.number, r.days) for r in s.deadlines],
        "status_counts": s.status_counts,
        "done_per_week": {k: v for k, v in s.done_per_week.items() if v},
        "chart_weeks": (min(s.done_per_week), max(s.done_per_week)),
        "calendar": None
        if s.adherence is None
        else (numbers(s.adherence.on_time), numbers(s.adherence.late), numbers(s.adherence.open)),
        "done_previous_period": s.done_previous_period,
    }


# The weekly digest of 2026-W47 (Nov 16-22), made Monday Nov 23 08:00: worked out by hand
# from fixture.build_board. Issues: 1 Blog, 2 Newsletter, 3 Launch video, 4 Old done post,
# 5 Webinar deck, 6 Partner page, 7 Request, 8 Social post, 9 Case study, 10 Podcast
# (cancelled).
WEEK = {
    "period": "2026-W47",
    "as_of": AT,
    # done Nov 19, 20, 21; the cancelled podcast (Done, closed as not planned) is not done
    "done": [2, 1, 3],
    "done_by_person": {"alice": 2, "bob": 1},
    "done_by_type": {"email": 1, "blog": 1, "video": 1},
    "opened": 1,  # 7, created Nov 20
    "closed": 3,  # 1, 2 and the cancelled 10
    # In Progress -> Done: 1: Nov 14 -> 20 (6 d), 2: Nov 18 -> 19 (1 d), 3: Nov 11 -> 21 (10 d)
    "cycle_time_median": 6.0,
    "cycle_time_p90": 10.0,
    "cycle_times_measured": 3,
    # first Status in the week, from created Oct 24 10:00: 2 on Nov 18 (25 d), 10 on Nov 17
    # (24 d)
    "time_to_triage_median": 24.5,
    "triaged_measured": 2,
    # tracked (estimate over 2 h): 3, 5, 6, 9; 9 has no owner and is stale
    "tracked": (3, 4, 0.75),
    "wip": {"(unassigned)": 1, "alice": 1},
    # blog posts done in November to the end of W47: 4 (Nov 3) and 1 (Nov 20); Emails is a
    # metric target (checked below), not a count of issues
    "targets": {"Blog posts": (2, 4, False, "2026-11")},
    # 5 was worked on yesterday (the activity note), so it is not stale
    "attention": {7: ["triage"], 8: ["social-post"], 9: ["tracked-task", "stale"]},
    "attention_owners": {"carol": 1},
    # created Nov 20 10:00, 2 d 22 h before the digest, by alice, no type yet
    "triage": [(7, "alice", None, 2.9)],
    "in_progress": [(5, None, 6.0, date(2026, 11, 27)), (9, None, 12.0, None)],
    "blocked": [(6, "waiting for legal review", 1.9)],  # Blocked since Nov 21 10:00
    # a person last acted on 9 on Nov 11 10:00 (the bot's label since does not count)
    "stale": [(9, 11.9)],
    "deadlines": [(8, -3), (5, 4)],  # due Nov 20 and Nov 27
    "status_counts": {"Done": 5, "In Progress": 2, "Blocked": 1, "No Status": 1, "Todo": 1},
    "done_per_week": {"2026-W45": 1, "2026-W47": 3},
    "chart_weeks": ("2026-W40", "2026-W47"),
    "calendar": None,
    "done_previous_period": None,
}

# The monthly review of November, made Thursday Dec 3 08:00 after fixture.into_december: the
# board as it stood at the end of November (Dec 1 00:00), from the history. Since then 5 was
# done (Dec 2), 6 unblocked (Dec 1) and 11 opened (Dec 1): none of that shows.
MONTH = {
    "period": "2026-11",
    "as_of": datetime(2026, 12, 1, tzinfo=UTC),
    "done": [4, 2, 1, 3],  # Nov 3, 19, 20, 21
    "done_by_person": {"alice": 2, "bob": 2},
    "done_by_type": {"blog": 2, "email": 1, "video": 1},
    "opened": 1,  # 7 (11 opened in December)
    "closed": 3,  # 1, 2, 10 (5 closed in December)
    "cycle_time_median": 6.0,  # 6, 1, 10 d; 4 has no recorded start
    "cycle_time_p90": 10.0,
    "cycle_times_measured": 3,
    # first Status in November: 3 (18 d), 1 (21 d), 10 (24 d), 2 (25 d), 7 (Nov 25: 5 d)
    "time_to_triage_median": 21.0,
    "triaged_measured": 5,
    # 5 was stale at the month's end (last activity Nov 22 10:00, 8.6 d before)
    "tracked": (2, 4, 0.5),
    "wip": {"(unassigned)": 1, "alice": 1},
    "targets": {"Blog posts": (2, 4, False, "2026-11")},
    "attention": {
        5: ["stale"],
        7: ["estimate"],  # triaged Todo on Nov 25, no estimate
        8: ["social-post"],
        9: ["tracked-task", "stale"],
    },
    "attention_owners": {"alice": 1, "carol": 1},
    "triage": [],
    "in_progress": [(5, None, 6.0, date(2026, 11, 27)), (9, None, 12.0, None)],
    "blocked": [(6, "waiting for legal review", 9.6)],  # since Nov 21 10:00
    # 9's comment of Dec 2 hides when it was last touched before: from its creation (Oct 24)
    "stale": [(9, 37.6), (5, 8.6)],
    "deadlines": [(8, -11), (5, -4)],
    "status_counts": {"Done": 5, "In Progress": 2, "Todo": 2, "Blocked": 1},
    "done_per_week": {"2026-W45": 1, "2026-W47": 3},
    "chart_weeks": ("2026-W42", "2026-W49"),  # the week of Nov 30
    # due in November: 2 (Nov 20, done Nov 19), 8 (Nov 20) and 5 (Nov 27) still open
    "calendar": ([2], [], [8, 5]),
    "done_previous_period": 0,
}


def test_every_weekly_figure_is_the_hand_computed_one(board: Bot) -> None:
    s = digest_at(board.services, gateway(board), "week", AT).summary
    assert figures(s) == WEEK
    # emails are a metric now: the one issue labelled `type: email` is not 1 of 30 emails
    assert s.metrics is not None
    [emails] = s.metrics.targets
    assert (emails.name, emails.value, emails.met) == ("Emails", None, None)


def test_every_monthly_figure_is_the_hand_computed_one(board: Bot) -> None:
    into_december(board)
    s = digest_at(board.services, gateway(board), "month", DECEMBER_3).summary
    assert figures(s) == MONTH


def test_posting_twice_makes_one_issue_and_next_week_closes_the_previous(board: Bot) -> None:
    gh, services = board.gh, board.services
    first = post_digest(gateway(board), REPO, digest_at(services, gateway(board), "week", AT))
    mark = gh.mark()
    again = post_digest(gateway(board), REPO, digest_at(services, gateway(board), "week", AT))
    assert gh.writes_since(mark) == []  # nothing changed: no write at all
    assert (first.action, again.action) == ("created", "unchanged")
    assert first.issue_number == again.issue_number
    digests = [i for i in gh.repos[REPO].issues.values() if "digest" in i.labels]
    assert [i.title for i in digests] == ["Weekly digest · 2026-W47"]
    next_week = AT.replace(day=30)
    newer = post_digest(
        gateway(board), REPO, digest_at(services, gateway(board), "week", next_week)
    )
    old = gh.issue(REPO, first.issue_number)
    assert old.state == "closed"
    assert f"Superseded by #{newer.issue_number}" in old.comments[-1].body
    assert gh.issue(REPO, newer.issue_number).title == "Weekly digest · 2026-W48"


def test_slash_digest_regenerates_the_digest_issue(board: Bot) -> None:
    gh = board.gh
    posted = post_digest(
        gateway(board), REPO, digest_at(board.services, gateway(board), "week", AT)
    )
    issue = gh.issue(REPO, posted.issue_number)
    issue.body = "someone broke it"
    made = gh.add_comment(issue, "/digest", author="lead")
    delivery = board.send("issue_comment", "created", issue=issue, comment=made, sender="lead")
    assert issue.body.startswith("# Weekly digest · 2026-W47")
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


# What GitHub notifies: an @ that follows no word character, then a login.
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9-]*)")


def test_a_large_board_notifies_nobody_unless_asked_and_then_only_who_must_act(bot: Bot) -> None:
    gh = bot.gh
    people = [f"person{n}" for n in range(6)]
    for n in range(3000):
        owner = people[n % 6]
        issue = gh.add_issue(
            REPO,
            title=f"Post {n} for @{owner}, see #{n}",
            assignees=[owner],
            created_at=AT - timedelta(days=40),
        )
        # every third item waits for triage (it needs attention); the others are in order
        gh.add_item(gh.boards[0], issue, **({"Status": "Todo", "Estimate": 1} if n % 3 else {}))
    report = digest_at(bot.services, gateway(bot), "week", AT)
    assert len(report.summary.attention) == 1000
    assert MENTION.findall(report.markdown) == []
    loud = render_markdown(report.summary, report.title, report.period.describe(), mention=True)
    # items 0, 3, 6, ... need attention: their owners are person0 and person3
    assert set(MENTION.findall(loud)) == {"person0", "person3"}
    assert report.summary.attention_owners == {"person0": 500, "person3": 500}
