"""The meeting's sections end to end: `/highlight` through POST /webhook into the next digest,
and a launch, the week's plan and the gantt as the digest renders them from the fake GitHub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.commands.parser import MAX_HIGHLIGHT
from service.reports.digest import digest_at
from service.store import notes
from tests.reports.fixture import AT, REPO
from tests.support.bot import Bot


def gateway(bot: Bot):
    return bot.services.gateways.for_installation(None)


def link(bot: Bot, issue) -> str:
    return f"[#{issue.number}]({bot.gh.web_url}/{REPO}/issues/{issue.number})"


def test_highlight_goes_into_the_next_digest_only(bot: Bot) -> None:
    gh = bot.gh
    issue = gh.add_issue(
        REPO, title="Spring | campaign", created_at=datetime.now(UTC) - timedelta(hours=1)
    )
    gh.add_item(gh.boards[0], issue, Status="In Progress")

    def say(text: str, author: str = "alice"):
        made = gh.add_comment(issue, text, author=author)
        bot.send("issue_comment", "created", issue=issue, comment=made, sender=author)
        return made

    first = say("/highlight 1,000 sign-ups")
    assert first.reactions == [(gh.bot_login, "+1")]
    say('/highlight "2,000 sign-ups | <img src=x> in a week"', author="bob")  # replaces it
    stored = notes.dated_notes(bot.services.store.engine, notes.HIGHLIGHT)[(REPO, issue.number)]
    assert (stored.value, stored.actor) == ("2,000 sign-ups | <img src=x> in a week", "bob")

    now = datetime.now(UTC)
    # The digest posted next Monday reviews this week: it reads the sentence, escaped.
    text = digest_at(bot.services, gateway(bot), "week", now + timedelta(days=7)).markdown
    assert "## ✨ Highlights (1)" in text
    assert (
        f"- **2,000 sign-ups \\| \\<img src=x\\> in a week** — {link(bot, issue)} "
        "Spring \\| campaign · highlighted by bob"
    ) in text
    assert "1,000 sign-ups" not in text
    # The digest of last week does not.
    assert "## ✨ Highlights (0)" in digest_at(bot.services, gateway(bot), "week", now).markdown


def test_a_too_long_highlight_is_refused_with_the_limit(bot: Bot) -> None:
    gh = bot.gh
    issue = gh.add_issue(REPO, title="Campaign", created_at=datetime.now(UTC) - timedelta(hours=1))
    gh.add_item(gh.boards[0], issue, Status="In Progress")
    made = gh.add_comment(issue, "/highlight " + "w" * (MAX_HIGHLIGHT + 1))
    bot.send("issue_comment", "created", issue=issue, comment=made, sender="alice")
    assert made.reactions == [(gh.bot_login, "confused")]
    reply = next(c.body for c in gh.bot_comments(issue) if "boardwatch:reply-" in c.body)
    assert f"the sentence has {MAX_HIGHLIGHT + 1} characters; at most {MAX_HIGHLIGHT}" in reply
    assert notes.dated_notes(bot.services.store.engine, notes.HIGHLIGHT) == {}


LAUNCH_BODY = """\
## Steps
- [x] brief
- [x] landing page
- [x] visuals
- [ ] press release
- [ ] newsletter
- [ ] social posts
"""


def test_launch_plan_and_gantt_in_the_digest(bot: Bot) -> None:
    gh = bot.gh
    board = gh.boards[0]
    # The team's pace: two items done in each of the last five weeks.
    for week in range(1, 6):
        for n in range(2):
            done = gh.add_issue(REPO, title=f"Done {week}.{n}", created_at=AT - timedelta(days=60))
            done.state, done.closed_at = "closed", AT - timedelta(weeks=week, days=-1)
            gh.add_item(board, done, Status="Done")
    launch = gh.add_issue(
        REPO,
        title="Launch: product v2",
        body=LAUNCH_BODY,
        labels=["type: launch"],
        assignees=["alice"],
        created_at=AT - timedelta(days=20),
    )
    gh.add_item(board, launch, Status="In Progress", Target_date="2026-12-01")
    post = gh.add_issue(
        REPO,
        title="Post: v2 is here; read #1",
        labels=["type: social"],
        assignees=["bob"],
        created_at=AT - timedelta(days=3),
    )
    gh.add_item(board, post, Status="Todo", Target_date="2026-11-26")

    text = digest_at(bot.services, gateway(bot), "week", AT).markdown

    # 3 open steps at two a week: done within 2 weeks, after the due date (in 8 days)
    assert (
        f"- ⚠️ {link(bot, launch)} Launch: product v2 — alice · 3 of 6 steps done "
        "(task list) · due 2026-12-01 (in 8 d) · done by 2026-12-07 (85% likely, 5 weeks of "
        "pace) · ⚠️ at risk: forecast 2026-12-07 is after its due date"
    ) in text
    assert (
        "## 🗓️ Planned this week (Nov 23 – Nov 29)\n\n"
        f"**bob**\n- {link(bot, post)} Post: v2 is here; read #&#8203;1 — bob · due 2026-11-26"
    ) in text
    gantt = (
        "```mermaid\ngantt\n"
        "    title Target dates, Nov 23 – Dec 20\n"
        "    dateFormat YYYY-MM-DD\n"
        "    axisFormat %b %d\n"
        "    section social\n"
        f"    {post.number} · Post v2 is here read 1 :2026-11-26, 1d\n"
        "    section launch\n"
        f"    {launch.number} · Launch product v2 :active, 2026-12-01, 1d\n"
        "```"
    )
    assert gantt in text
    # the order of the meeting
    order = [
        "✨ Highlights",
        "🎉 Done",
        "📊 KPIs",
        "🚀 Launches",
        "🗓️ Planned",
        "⛔ Blocked",
        "📅 Upcoming",
        "```mermaid\ngantt",
        "📥 Waiting",
    ]
    positions = [text.index(heading) for heading in order]
    assert positions == sorted(positions)
