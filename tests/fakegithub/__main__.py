"""`python -m tests.fakegithub [--port P] [--latency-ms N] [--seed demo|empty]`: run the fake."""

from __future__ import annotations

import argparse
import threading
from datetime import date, timedelta

from tests.fakegithub.server import TOKEN, FakeGitHub
from tests.support.live import serving

SEEDS = ("demo", "empty")


def seed_demo(fake: FakeGitHub) -> None:
    """The tracker `acme/tracker` and board `acme/1`: a few issues in every Status."""
    fake.add_repo("acme/tracker", collaborators={"alice": "write", "bob": "triage"})
    board = fake.add_board("acme", 1)
    soon = date.today() + timedelta(days=5)
    stories = [
        ("Launch blog post", ["type: blog"], {"Status": "Todo", "Estimate": 3}),
        ("Spring campaign", ["type: campaign"], {"Status": "In Progress", "Target date": soon}),
        ("Newsletter #12", [], {"Status": "Blocked", "Estimate": 2}),
        ("Conference talk", [], {"Status": "Done", "Estimate": 8}),
        ("Request from Sales: one-pager", ["request"], {}),
    ]
    for title, labels, values in stories:
        issue = fake.add_issue("acme/tracker", title=title, labels=labels, assignees=["alice"])
        if values:
            fake.add_item(board, issue, **{k.replace(" ", "_"): v for k, v in values.items()})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakegithub")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--seed", choices=SEEDS, default="demo", help="the state to start with")
    args = parser.parse_args(argv)
    fake = FakeGitHub(latency_ms=args.latency_ms)
    if args.seed == "demo":
        seed_demo(fake)
    with serving(fake.asgi(), port=args.port) as base:
        fake.base_url = base
        print(f"fake GitHub at {base} (GraphQL {base}/graphql), token {TOKEN}", flush=True)
        if args.seed == "demo":
            print("  repository acme/tracker, board acme/1; Ctrl-C stops", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
