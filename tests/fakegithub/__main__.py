"""`python -m tests.fakegithub [--port P] [--latency-ms N]`: run the fake with a demo tracker."""

from __future__ import annotations

import argparse
import threading

from tests.fakegithub.server import TOKEN, FakeGitHub
from tests.support.live import serving


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakegithub")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeGitHub(latency_ms=args.latency_ms)
    fake.add_repo("acme/tracker", collaborators={"alice": "write"})
    board = fake.add_board("acme", 1)
    issue = fake.add_issue("acme/tracker", title="Launch blog post", labels=["type: blog"])
    fake.add_item(board, issue, Status="Todo", Estimate=3)
    with serving(fake.asgi(), port=args.port) as base:
        print(f"fake GitHub at {base} (GraphQL {base}/graphql), token {TOKEN}")
        print("  board acme/1, repository acme/tracker; Ctrl-C stops")
        threading.Event().wait()


if __name__ == "__main__":
    main()
