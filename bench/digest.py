"""Digest: GraphQL requests, time and peak memory of building the weekly digest of a big board.

A board of N items (5,000 by default) on the fake GitHub (real HTTP on loopback), with a
recorded Status history for every item. The issue's budget: at most 50 GraphQL requests to
summarise 5,000 items. Time is the median of several rounds; peak memory comes from a
separate round under tracemalloc (which slows Python down, so it is not timed).

    .venv/bin/python -m bench.digest [--items 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.support import ROOT, table
from service.engine.holder import RulesetHolder
from service.gateway.factory import GatewayFactory
from service.reports.digest import digest_at
from service.services import Services
from service.settings import Settings
from service.store import Store, history

sys.path.insert(0, str(ROOT))  # the fake GitHub lives with the tests
from tests.fakegithub import FakeGitHub

REPO = "acme/tracker"
AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
STATUSES = [None, "Todo", "In Progress", "Blocked", "Done"]
TYPES = ["blog", "email", "video", "social", "web"]
PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank"]
GRAPHQL_BUDGET = 50


def _board(gh: FakeGitHub, store: Store, items: int) -> None:
    gh.add_repo(REPO, collaborators={p: "write" for p in PEOPLE})
    board = gh.add_board("acme", 1)
    start = AT - timedelta(days=60)
    for n in range(items):
        status = STATUSES[n % len(STATUSES)]
        created = start + timedelta(hours=n % 1200)
        issue = gh.add_issue(
            REPO,
            title=f"Item {n}: " + "a realistic title of some length",
            body="### Copy\nSome text.\n",
            labels=[f"type: {TYPES[n % len(TYPES)]}"],
            assignees=[PEOPLE[n % len(PEOPLE)]] if n % 7 else [],
            created_at=created,
        )
        values: dict[str, object] = {"Status": status, "Estimate": n % 8 + 1}
        if n % 3 == 0:
            values["Target_date"] = date(2026, 11, 1) + timedelta(days=n % 45)
        gh.add_item(board, issue, **values)
        if status is None:
            continue
        item_id = board.item_of(issue).id
        began = created + timedelta(days=1)
        history.record(
            store.engine,
            kind="status",
            repo=REPO,
            number=issue.number,
            item_id=item_id,
            old=None,
            new="In Progress" if status in ("In Progress", "Done", "Blocked") else status,
            at=began,
            actor="alice",
            source="webhook",
        )
        if status in ("Done", "Blocked"):
            history.record(
                store.engine,
                kind="status",
                repo=REPO,
                number=issue.number,
                item_id=item_id,
                old="In Progress",
                new=status,
                at=min(began + timedelta(days=n % 20 + 1), AT - timedelta(hours=1)),
                actor="bob",
                source="webhook",
            )


def measure(items: int, rounds: int) -> dict[str, float]:
    gh = FakeGitHub()
    with gh.running(), tempfile.TemporaryDirectory() as scratch:
        store = Store.open(f"sqlite:///{Path(scratch) / 'bench.db'}")
        values = {
            **gh.env(),
            "BOARDWATCH_RULES_DIR": str(ROOT / "rules"),
            "BOARDWATCH_PROJECT": "acme/1",
            "BOARDWATCH_REPOSITORY": REPO,
        }
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        services = Services(
            settings=settings,
            store=store,
            rules=RulesetHolder.load(settings.rules_dir),
            _gateways=GatewayFactory(settings),
        )
        _board(gh, store, items)
        gateway = services.gateways.for_installation(None)

        mark = gh.mark()
        report = digest_at(services, gateway, "week", AT)
        cold = len(gh.graphql_calls(mark))
        rest = len(gh.calls_since(mark)) - cold
        # The gateway keeps the board's fields for the life of the process (as in `serve`).
        mark = gh.mark()
        digest_at(services, gateway, "week", AT)
        pages = len(gh.graphql_calls(mark, "ListItems"))
        warm = len(gh.graphql_calls(mark))
        on_board = sum(report.summary.status_counts.values())
        if on_board != items:
            raise RuntimeError(f"the digest saw {on_board} items of {items}")

        seconds = []
        for _ in range(rounds):
            started = time.perf_counter()
            digest_at(services, gateway, "week", AT)
            seconds.append(time.perf_counter() - started)

        tracemalloc.start()
        digest_at(services, gateway, "week", AT)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        store.close()
    return {
        "items": items,
        "cold": cold,
        "warm": warm,
        "pages": pages,
        "rest": rest,
        "seconds": statistics.median(seconds),
        "peak_mib": peak / 2**20,
        "chars": len(report.markdown),
    }


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.digest")
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    found = measure(options.items, options.rounds)

    def verdict(n: float) -> str:
        return f"{n} ({'within' if n <= GRAPHQL_BUDGET else 'OVER'} the budget of {GRAPHQL_BUDGET})"

    rows = [
        ("board items", found["items"]),
        ("GraphQL requests, board known (as in `serve`)", verdict(found["warm"])),
        ("  of which item pages (100 items a page)", found["pages"]),
        ("GraphQL requests, first run of a process (+ board lookup)", verdict(found["cold"])),
        ("REST requests", found["rest"]),
        ("time to build (median of rounds)", f"{found['seconds']:.2f} s"),
        ("peak Python memory (tracemalloc)", f"{found['peak_mib']:.1f} MiB"),
        ("markdown length", f"{found['chars']:,} chars"),
    ]
    return table(("measure", "value"), rows)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
