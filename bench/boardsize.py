"""Board size: GitHub requests, CPU seconds and peak memory of a digest and a sweep, by N items.

The fake GitHub (real HTTP on loopback) holds a board of N items, all already in order for
the default rules. Each measurement runs in a fresh child process (`boardwatch` as a one-shot
run: the board is looked up first), so its CPU time and its peak RSS (`ru_maxrss`) are its
own; the fake GitHub runs in this process and counts the requests.

- digest: the weekly digest, built and posted (`scheduled_digest`), the `digest` label
  already there (as after the first week).
- sweep: `reconcile` over the whole board (the board's items, then the tracker's open issues
  for any not on the board); nothing to change.

    .venv/bin/python -m bench boardsize [--items 5000 50000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.support import ROOT, table

sys.path.insert(0, str(ROOT))  # the fake GitHub lives with the tests
from tests.fakegithub import FakeGitHub

REPO = "acme/tracker"
AT = datetime(2026, 11, 23, 8, tzinfo=UTC)
STATUSES = ["Todo", "In Progress"]


def _board(gh: FakeGitHub, items: int) -> None:
    """`items` issues on board acme/1, each already satisfying every default rule."""
    gh.add_repo(REPO, collaborators={"alice": "write"})
    gh.add_label(REPO, "digest")
    board = gh.add_board("acme", 1)
    created = AT - timedelta(days=2)
    for n in range(items):
        issue = gh.add_issue(
            REPO,
            title=f"Item {n}: a realistic title of some length",
            labels=["type: blog"],
            assignees=["alice"],
            created_at=created,
        )
        gh.add_new_item(board, issue, Status=STATUSES[n % len(STATUSES)], Estimate=3)


def _child(kind: str) -> dict[str, Any]:
    """Run one digest or sweep in this (child) process; its CPU time and peak RSS."""
    from service.reconcile import sweep
    from service.reports.digest import scheduled_digest
    from service.services import Services
    from service.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = Services.from_settings(settings)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started_rss = before.ru_maxrss
    if kind == "digest":
        digest = scheduled_digest(services, "week", AT)
        seen = sum(digest.summary.status_counts.values())
    else:
        report = sweep(services, now=AT)
        seen = report.issues
        if report.writes:
            raise RuntimeError(f"the sweep wrote {report.writes} times on a board in order")
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seen": seen,
        "cpu": cpu,
        "rss_mib": after.ru_maxrss / 1024,
        "start_mib": started_rss / 1024,
    }


def measure(kind: str, gh: FakeGitHub, folder: str) -> dict[str, Any]:
    env = {
        **os.environ,
        **gh.env(),
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{folder}/{kind}-{time.monotonic_ns()}.db",
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_RULES_DIR": str(ROOT / "rules"),
        "BOARDWATCH_SECRETS_FILE": f"{folder}/none.json",
        "BOARDWATCH_LOG_LEVEL": "WARNING",
    }
    mark = gh.mark()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.boardsize", "--child", kind],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed: {done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    sent = gh.calls_since(mark)
    found["requests"] = len(sent)
    found["graphql"] = sum(1 for c in sent if c.path == "/graphql")
    found["rest"] = found["requests"] - found["graphql"]
    found["writes"] = sum(1 for c in sent if c.write)
    found["wall"] = time.perf_counter() - started
    return found


def main(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench boardsize")
    parser.add_argument("--items", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument(
        "--runs", nargs="+", choices=["sweep", "digest"], default=["sweep", "digest"]
    )
    parser.add_argument("--child", choices=["digest", "sweep"], help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        return json.dumps(_child(options.child))
    rows: list[list[object]] = []
    for items in options.items:
        gh = FakeGitHub()
        _board(gh, items)
        with gh.running(), tempfile.TemporaryDirectory() as folder:
            # The sweep first: the digest's own issue is an open issue not on the board.
            for kind in [k for k in ("sweep", "digest") if k in options.runs]:
                found = measure(kind, gh, folder)
                if found["seen"] != items:
                    raise RuntimeError(f"{kind} saw {found['seen']} items of {items}")
                budget = math.ceil(items / 100) + 3
                rows.append(
                    [
                        kind,
                        f"{items:,}",
                        found["requests"],
                        f"{found['graphql']} / {found['rest']} / {found['writes']}",
                        f"{budget} ({'within' if found['requests'] <= budget else 'over'})"
                        if kind == "digest"
                        else "—",
                        f"{found['cpu']:.1f}",
                        f"{found['cpu'] / items * 1000:.2f}",
                        f"{found['rss_mib']:.0f}",
                        f"{found['rss_mib'] - found['start_mib']:.0f}",
                    ]
                )
    return table(
        (
            "run",
            "items",
            "GitHub requests",
            "GraphQL / REST / writes",
            "budget ⌈N/100⌉+3",
            "CPU s",
            "CPU ms per item",
            "peak RSS MiB",
            "RSS growth MiB",
        ),
        rows,
    )


if __name__ == "__main__":
    print(main(sys.argv[1:]))
