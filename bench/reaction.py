"""Reaction time (issue 17): from a slash command's webhook to the bot's first write on the
fake GitHub, for `boardwatch serve` (SQLite, its own worker process) and for `serve` (web only)
+ a separate `boardwatch worker`, on SQLite and on PostgreSQL.

Each command is a real `issue_comment.created` webhook for an `/estimate 3h` comment, sent when
the worker is idle (the previous command's delivery is done); the clock runs from sending the
webhook (the comment and the webhook's body are made before) to the first write request (REST
or GraphQL mutation) the fake GitHub receives, on a new connection each time, as GitHub sends. The
poll interval stays at its default (BOARDWATCH_POLL_SECONDS=0.5): the worker is woken by the
delivery itself, not by its poll.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from bench.intake import pg_schema
from bench.support import ROOT, free_ports, median, percentile, serve_process, stop, table
from service.store import Store
from tests.fakegithub import FakeGitHub, graphql
from tests.fakegithub.server import Call
from tests.support.webhooks import headers

SECRET = "bench-secret"
REPO = "acme/tracker"


class FirstWrite:
    """When the fake GitHub received its first write since `arm()`."""

    def __init__(self, gh: FakeGitHub) -> None:
        self._seen = threading.Event()
        self._at = 0.0
        record = gh._record

        def stamped(call: Call) -> None:
            if call.write and not self._seen.is_set():
                self._at = time.perf_counter()
                self._seen.set()
            record(call)

        gh._record = stamped  # type: ignore[method-assign]

    def arm(self) -> None:
        self._seen.clear()

    def wait(self, seconds: float) -> float:
        if not self._seen.wait(seconds):
            raise RuntimeError(f"no write reached the fake GitHub within {seconds:.0f} s")
        return self._at


class Sender:
    """Sends a command's webhook as GitHub does: one request, a new connection each time."""

    def __init__(self, base: str) -> None:
        self._base = base
        # One client for the run: building one loads the CA bundle, about 20 ms of the bench's
        # own CPU that is no part of the bot's reaction (and was once inside the clock).
        self._client = httpx.Client(headers={"Connection": "close"})

    def prepare(self, gh: FakeGitHub, number: int) -> tuple[str, bytes]:
        """A new `/estimate 3h` comment on issue `number`, and its signed webhook's body."""
        issue = gh.issue(REPO, number)
        made = gh.add_comment(issue, "/estimate 3h", author="alice")
        body = gh.webhook("issue_comment", "created", issue=issue, comment=made)
        return str(uuid.uuid4()), json.dumps(body).encode()

    def send(self, delivery: str, body: bytes) -> None:
        answer = self._client.post(
            f"{self._base}/webhook",
            content=body,
            headers=headers(body, "issue_comment", delivery=delivery, secret=SECRET),
        )
        answer.raise_for_status()

    def close(self) -> None:
        self._client.close()


def _wait_done(store: Store, delivery: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while (row := store.deliveries.get(delivery)) is None or row.status not in ("done", "failed"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"delivery {delivery} did not finish")
        time.sleep(0.05)


@contextmanager
def _worker_process(env: dict[str, str], module: str) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", module, "worker"],
        cwd=ROOT,
        env={**os.environ, **env, "BOARDWATCH_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        stop(process, 20)


def run(setup: str, commands: int, module: str) -> list[tuple[float, float]]:
    """Milliseconds from each command's webhook to the first write it causes, and to the
    moment a worker claimed its delivery."""
    gh = FakeGitHub()
    gh.add_repo(REPO, collaborators={"alice": "write"})
    gh.add_board("acme", 1)
    created = datetime.now(UTC) - timedelta(hours=1)
    for n in range(commands + 1):
        gh.add_issue(REPO, title=f"Post {n}", created_at=created)
    graphql.execute(gh, "{ viewer { login } }", None, "alice")  # build the fake's schema now
    # The schema is a large object graph that lives as long as this process: frozen, this
    # process's full collections no longer walk it (they took up to 0.46 s, and the fake
    # GitHub answered nothing meanwhile: the slowest "reactions" were the fake's pauses).
    gc.collect()
    gc.freeze()
    first_write = FirstWrite(gh)
    times: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder, gh.running(), ExitStack() as stack:
        env = {
            **gh.env(),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOARDWATCH_PROJECT": "acme/1",
            "BOARDWATCH_REPOSITORY": REPO,
            "BOARDWATCH_SECRETS_FILE": f"{folder}/none.json",
            "BOARDWATCH_WORKERS": "1",
        }
        if setup == "PostgreSQL":
            env["BOARDWATCH_DATABASE_URL"] = stack.enter_context(pg_schema())
        else:
            env["BOARDWATCH_DATABASE_URL"] = f"sqlite:///{folder}/reaction.db"
        separate = setup != "SQLite"  # web only, and a `boardwatch worker` of its own
        if separate:
            Store.open(env["BOARDWATCH_DATABASE_URL"]).close()  # migrated before both start
        (port,) = free_ports(1)
        web_env = {**env, "BOARDWATCH_WORKERS": "0"} if separate else env
        served = stack.enter_context(serve_process(web_env, port, module=module))
        if separate:
            stack.enter_context(_worker_process(env, module))
        store = Store.open(env["BOARDWATCH_DATABASE_URL"], migrate_schema=False)
        sender = Sender(served.url)
        stack.callback(sender.close)
        try:
            # Warm-up: the worker learns the bot's login and the repository's settings.
            delivery, body = sender.prepare(gh, commands + 1)
            sender.send(delivery, body)
            _wait_done(store, delivery, seconds=120)
            for number in range(1, commands + 1):
                delivery, body = sender.prepare(gh, number)
                time.sleep(0.2)  # the worker is idle, waiting
                first_write.arm()
                sent, sent_at = time.perf_counter(), time.time()
                sender.send(delivery, body)
                wrote = (first_write.wait(30) - sent) * 1000
                _wait_done(store, delivery)
                row = store.deliveries.get(delivery)
                assert row is not None and row.started_at is not None
                times.append((wrote, (row.started_at.timestamp() - sent_at) * 1000))
        finally:
            store.close()
    return times


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench reaction")
    parser.add_argument("--commands", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    setups = {
        ("SQLite", "service.cli"): "`serve` (web + 1 worker process), SQLite",
        ("SQLite", "bench.pollonly"): "the same, poll only (before)",
        ("SQLite worker", "service.cli"): "`serve` (web only) + `boardwatch worker`, SQLite",
        ("PostgreSQL", "service.cli"): "`serve` (web only) + `boardwatch worker`, PostgreSQL",
        ("PostgreSQL", "bench.pollonly"): "the same, poll only (before)",
    }
    results: dict[tuple[str, str], list[list[tuple[float, float]]]] = {s: [] for s in setups}
    for _ in range(args.rounds):
        for setup in setups:
            results[setup].append(run(setup[0], args.commands, setup[1]))
    rows = []
    for setup, rounds in results.items():
        every = [wrote for times in rounds for wrote, _ in times]
        claimed = [claim for times in rounds for _, claim in times]
        rows.append(
            [
                setups[setup],
                len(every),
                f"{percentile(every, 50):.0f}",
                f"{percentile(every, 90):.0f}",
                f"{percentile(every, 99):.0f}",
                f"{max(every):.0f}",
                f"{percentile(claimed, 50):.0f}",
                f"{percentile(claimed, 99):.0f}",
                ", ".join(f"{median([w for w, _ in times]):.0f}" for times in rounds),
            ]
        )
    header = [
        "setup",
        "commands",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "claimed p50 ms",
        "claimed p99 ms",
        "p50 per round",
    ]
    return table(header, rows) + (
        f"\n\n{args.rounds} round(s) of {args.commands} `/estimate 3h` commands (after one warm-up "
        "command), one at a time with the worker idle; time from sending the "
        "`issue_comment.created` webhook to the first write the fake GitHub receives "
        "(claimed: to the moment a worker claimed the delivery, the wakeup's part). "
        "BOARDWATCH_POLL_SECONDS=0.5 (the default). Poll only: the same commands with the wakeup "
        "turned off (`bench/pollonly.py`). Fake GitHub in the bench process, all on "
        "loopback on the same 2 cores."
    )


if __name__ == "__main__":
    print(main())
