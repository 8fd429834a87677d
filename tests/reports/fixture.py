"""A fixture board with known history, for the report tests (frozen time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.store import history, notes
from tests.support.bot import Bot

REPO = "acme/tracker"
# Monday of 2026-W48, 08:00 UTC: the digest reviews 2026-W47 (Nov 16 - Nov 22).
AT = datetime(2026, 11, 23, 8, tzinfo=UTC)


def day(n: int, hour: int = 10) -> datetime:
    """A moment `n` days before AT (negative: after)."""
    return (AT - timedelta(days=n)).replace(hour=hour)


def build_board(bot: Bot) -> None:
    gh, engine = bot.gh, bot.services.store.engine
    board = gh.boards[0]

    def task(title, *, status=None, created=30, labels=(), assignees=(), body="", **values):
        issue = gh.add_issue(
            REPO,
            title=title,
            body=body,
            labels=list(labels),
            assignees=list(assignees),
            created_at=day(created),
        )
        gh.add_item(board, issue, Status=status, **values)
        return issue

    def moved(issue, old, new, when, actor="alice"):
        history.record(
            engine,
            kind="status",
            repo=REPO,
            number=issue.number,
            item_id=board.item_of(issue).id,
            old=old,
            new=new,
            at=when,
            actor=actor,
            source="webhook",
        )

    blog = task(
        "Blog: autumn recap", status="Done", labels=["type: blog"], assignees=["alice"], Estimate=4
    )
    moved(blog, None, "In Progress", day(9))
    moved(blog, "In Progress", "Done", day(3))  # 6 days
    blog.state, blog.closed_at = "closed", day(3)

    email = task(
        "Newsletter #12",
        status="Done",
        labels=["type: email"],
        assignees=["bob"],
        Estimate=3,
        Target_date="2026-11-20",
    )
    moved(email, None, "In Progress", day(5))
    moved(email, "In Progress", "Done", day(4))  # 1 day, due Nov 20, done Nov 19
    email.state, email.closed_at = "closed", day(4)

    video = task(
        "Launch video", status="Done", labels=["type: video"], assignees=["alice"], Estimate=8
    )
    moved(video, None, "In Progress", day(12))
    moved(video, "In Progress", "Done", day(2))  # 10 days

    old = task("Old done post", status="Done", labels=["type: blog"], assignees=["bob"])
    moved(old, "In Progress", "Done", day(20))  # before the week: not in "done"

    task(
        "Webinar deck",
        status="In Progress",
        labels=["type: event"],
        assignees=["alice"],
        Estimate=6,
        Target_date="2026-11-27",
    )
    legal = task(
        "Partner page", status="Blocked", labels=["type: web"], assignees=["bob"], Estimate=5
    )
    moved(legal, "In Progress", "Blocked", day(2), actor="bob")
    notes.set_note(engine, REPO, legal.number, "blocked_reason", "waiting for legal review")
    task("Request: trade fair flyer", created=3)
    task(
        "Social post: product launch",
        status="Todo",
        labels=["type: social"],
        body="### Copy\nNew!\n",
        Estimate=1,
        Target_date="2026-11-20",
    )  # overdue
    task(
        "Case study",
        status="In Progress",
        assignees=[],
        Estimate=12,
        labels=["type: blog", "stale"],
    )
