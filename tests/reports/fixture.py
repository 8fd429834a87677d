"""A fixture board with known history, for the report tests (frozen time).

`build_board` is the board on Monday 23 November 2026 (the weekly digest reviews W47);
`into_december` is what people did until the monthly review of November, on 3 December.
The figures every report must show are worked out by hand in `test_digest.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.store import history, notes
from tests.support.bot import Bot

REPO = "acme/tracker"
# Monday of 2026-W48, 08:00 UTC: the digest reviews 2026-W47 (Nov 16 - Nov 22).
AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
# The first Thursday of December: the monthly review of November.
DECEMBER_3 = datetime(2026, 12, 3, 8, tzinfo=UTC)


def day(n: int, hour: int = 10) -> datetime:
    """A moment `n` days before AT (negative: after)."""
    return (AT - timedelta(days=n)).replace(hour=hour)


def moved(bot: Bot, issue, old, new, when, actor="alice") -> None:
    """A Status change, as the pipeline records it from a person's board event."""
    history.record(
        bot.services.store.engine,
        kind="status",
        repo=REPO,
        number=issue.number,
        item_id=bot.gh.boards[0].item_of(issue).id,
        old=old,
        new=new,
        at=when,
        actor=actor,
        source="webhook",
    )


def active(bot: Bot, issue, when) -> None:
    """A person acted on the issue (the pipeline's activity note)."""
    engine = bot.services.store.engine
    notes.set_note(engine, REPO, issue.number, notes.ACTIVITY, when.isoformat())


def task(bot: Bot, title, *, status=None, created=30, labels=(), assignees=(), body="", **values):
    issue = bot.gh.add_issue(
        REPO,
        title=title,
        body=body,
        labels=list(labels),
        assignees=list(assignees),
        created_at=day(created),
    )
    bot.gh.add_item(bot.gh.boards[0], issue, Status=status, **values)
    return issue


def closed(issue, when, reason="completed") -> None:
    issue.state, issue.closed_at, issue.state_reason = "closed", when, reason


def build_board(bot: Bot) -> None:
    engine = bot.services.store.engine

    # 1
    blog = task(
        bot,
        "Blog: autumn recap",
        status="Done",
        labels=["type: blog"],
        assignees=["alice"],
        Estimate=4,
    )
    moved(bot, blog, None, "In Progress", day(9))
    moved(bot, blog, "In Progress", "Done", day(3))  # 6 days
    closed(blog, day(3))
    # 2
    email = task(
        bot,
        "Newsletter #12",
        status="Done",
        labels=["type: email"],
        assignees=["bob"],
        Estimate=3,
        Target_date="2026-11-20",
    )
    moved(bot, email, None, "In Progress", day(5))
    moved(bot, email, "In Progress", "Done", day(4))  # 1 day, due Nov 20, done Nov 19
    closed(email, day(4))
    # 3
    video = task(
        bot, "Launch video", status="Done", labels=["type: video"], assignees=["alice"], Estimate=8
    )
    moved(bot, video, None, "In Progress", day(12))
    moved(bot, video, "In Progress", "Done", day(2))  # 10 days
    # 4
    old = task(bot, "Old done post", status="Done", labels=["type: blog"], assignees=["bob"])
    moved(bot, old, "In Progress", "Done", day(20))  # before the week: not in "done"
    # 5: worked on yesterday: not stale
    webinar = task(
        bot,
        "Webinar deck",
        status="In Progress",
        labels=["type: event"],
        assignees=["alice"],
        Estimate=6,
        Target_date="2026-11-27",
    )
    active(bot, webinar, day(1))
    # 6
    legal = task(
        bot, "Partner page", status="Blocked", labels=["type: web"], assignees=["bob"], Estimate=5
    )
    moved(bot, legal, "In Progress", "Blocked", day(2), actor="bob")
    notes.set_note(engine, REPO, legal.number, notes.BLOCKED_REASON, "waiting for legal review")
    # 7
    task(bot, "Request: trade fair flyer", created=3)
    # 8: overdue, and its request is incomplete
    task(
        bot,
        "Social post: product launch",
        status="Todo",
        labels=["type: social"],
        assignees=["carol"],
        body="### Copy\nNew!\n",
        Estimate=1,
        Target_date="2026-11-20",
    )
    # 9: nobody touched it since Nov 11; the bot's `stale` label moved GitHub's updated_at
    study = task(
        bot, "Case study", status="In Progress", Estimate=12, labels=["type: blog", "stale"]
    )
    active(bot, study, day(12))
    study.updated_at = AT - timedelta(hours=1)
    # 10: cancelled: never done, never counted for the Emails target
    podcast = task(
        bot,
        "Podcast episode",
        status="Done",
        labels=["type: email"],
        assignees=["alice"],
        Estimate=2,
    )
    moved(bot, podcast, None, "In Progress", day(6))
    moved(bot, podcast, "In Progress", "Done", day(4))
    closed(podcast, day(4), "not_planned")


def into_december(bot: Bot) -> None:
    """What changed between the weekly digest and the monthly review."""
    gh = bot.gh
    board = gh.boards[0]
    webinar, legal, request, study = (gh.issue(REPO, n) for n in (5, 6, 7, 9))
    moved(bot, request, None, "Todo", day(-2))  # Nov 25: triaged after 5 days
    gh.add_item(board, request, Status="Todo")
    moved(bot, legal, "Blocked", "In Progress", day(-8), actor="bob")  # Dec 1
    gh.add_item(board, legal, Status="In Progress")
    moved(bot, webinar, "In Progress", "Done", day(-9))  # Dec 2
    gh.add_item(board, webinar, Status="Done")
    closed(webinar, day(-9))
    active(bot, study, day(-9))  # Dec 2: someone finally commented
    task(bot, "Holiday newsletter", created=-8, labels=["type: email"])  # 11, Dec 1
