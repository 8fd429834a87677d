"""A digest costs ⌈N/100⌉ + 3 GitHub requests for a board of N items, however big.

⌈N/100⌉ board reads (the board lookup brings the first 100 items, each further page 100
more), then one read of the tracker's metrics CSV, one listing of the digest issues, one
write. (The `digest` label is not read: GitHub creates it on first use, `boardwatch init`
gives it its colour.)
The benchmark (`bench/boardsize.py`) shows it for 50,000 items; here 1,000.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from service.reports.digest import scheduled_digest
from tests.fakegithub.plugin import Tracker
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services

AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
ITEMS = 1_000


def test_a_digest_of_1000_items_costs_ceil_n_over_100_plus_3_requests(
    tracker: Tracker, tmp_path
) -> None:
    from service.store import Store

    gh = tracker.gh
    for n in range(ITEMS):
        issue = gh.add_issue(tracker.name, title=f"Item {n}", created_at=AT - timedelta(days=3))
        gh.add_item(tracker.board, issue, Status=["Todo", "In Progress", "Done"][n % 3])
    settings = settings_for(
        gh, BOARDWATCH_PROJECT=tracker.project, BOARDWATCH_REPOSITORY=tracker.name
    )
    store = Store.open(f"sqlite:///{tmp_path}/digest.db")
    services = make_services(settings, store, _gateways=factory_for(gh))

    mark = gh.mark()
    posted = scheduled_digest(services, "week", AT)
    assert posted.action == "created"
    assert sum(posted.summary.status_counts.values()) == ITEMS
    sent = gh.calls_since(mark)
    assert len(sent) == math.ceil(ITEMS / 100) + 3
    assert len(gh.graphql_calls(mark)) == math.ceil(ITEMS / 100)
    assert [c.write for c in sent].count(True) == 1

    # The same digest again in this process: the board's fields are known, so the items
    # are ⌈N/100⌉ pages; the metrics CSV and the listing of digest issues (unchanged since
    # the run before, which found the issue made by the first) are answered 304; no write.
    scheduled_digest(services, "week", AT)
    mark = gh.mark()
    again = scheduled_digest(services, "week", AT)
    assert again.action == "unchanged"
    sent = gh.calls_since(mark)
    assert len(sent) == math.ceil(ITEMS / 100) + 2
    # (this tracker has no metrics CSV: its read is a 404, which has no ETag to reuse)
    assert [c.status for c in sent if c.path != "/graphql"] == [404, 304]
    store.close()
