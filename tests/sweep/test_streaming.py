"""The sweep reads the board a page at a time while it evaluates, and re-reads for free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.reconcile import sweep
from tests.support.bot import Bot

REPO = "acme/tracker"
AGO = datetime.now(UTC) - timedelta(days=1)


def _in_order(bot: Bot, count: int) -> None:
    gh = bot.gh
    board = gh.boards[0]
    for n in range(count):
        issue = gh.add_issue(
            REPO, title=f"T{n}", labels=["type: blog"], assignees=["alice"], created_at=AGO
        )
        gh.add_item(board, issue, Status="Todo", Estimate=3)


def test_items_are_evaluated_as_their_page_arrives(bot: Bot) -> None:
    gh = bot.gh
    _in_order(bot, 250)
    mark = gh.mark()
    pages_read: list[int] = []
    totals: set[int | None] = set()

    def progress(done: int, total: int | None, what: str) -> None:
        # The board lookup brings the first page of items; ListItems the following ones.
        board_reads = gh.graphql_calls(mark, "GetOrgBoard") + gh.graphql_calls(mark, "ListItems")
        pages_read.append(len(board_reads))
        totals.add(total)

    report = sweep(bot.services, progress=progress)
    assert report.issues == 250 and report.writes == 0
    # The first item was evaluated with one page read, the last with all three.
    assert (pages_read[0], pages_read[99], pages_read[100], pages_read[-1]) == (1, 1, 2, 3)
    assert totals == {None}  # not known before the last page
    assert report.results == []  # a sweep that applies keeps counts, not every outcome


def test_a_second_sweep_of_an_unchanged_tracker_reads_its_issues_as_304s(bot: Bot) -> None:
    gh = bot.gh
    _in_order(bot, 3)
    sweep(bot.services)
    mark = gh.mark()
    report = sweep(bot.services)
    assert (report.reads, report.not_modified, report.writes) == (2, 1, 0)
    assert [(c.path, c.status) for c in gh.calls_since(mark)] == [
        ("/graphql", 200),
        ("/repos/acme/tracker/issues", 304),
    ]
    assert report.as_dict()["not_modified"] == 1
