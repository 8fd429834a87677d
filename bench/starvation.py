"""Starvation (issue 12): intake latency while a worker evaluates a worst-case issue, against
intake latency with the worker idle, in the same run and the same `serve` process.

The worst case is the one issue 12 found: an evaluation that holds the GIL for a long time in
one regex call (the heading regex took 128 s on one long heading line). The regex itself is
gone from the rules engine, so the evaluation is injected the way the end-to-end test does:
`tests.worker.slowserve` runs the real `boardwatch serve`, whose worker first spends about
HOLD seconds in one backtracking regex match on an issue titled `SLOW HOLD`.

Each round: paced signed webhooks with the worker idle, then the slow delivery is sent and,
once a worker has claimed it, the same paced webhooks again. The webhooks are of an event no
rule handles (`watch`), so they are stored and answered exactly like any other but give the
worker nothing to do: "idle" really is idle.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from bench.support import free_ports, median, percentile, serve_process, table
from service.store import Store
from tests.fakegithub import FakeGitHub, graphql
from tests.support.webhooks import headers

SECRET = "bench-secret"
REPO = "acme/tracker"
BODY = json.dumps(
    {
        "action": "started",
        "repository": {"full_name": REPO},
        "sender": {"login": "alice", "type": "User"},
    }
).encode()


async def paced(base: str, seconds: float, rate: float) -> list[float]:
    """Open loop at a fixed rate; milliseconds from sending to the 202, queueing included."""
    # The client lets idle connections go before the server's keep-alive (5 s) closes them,
    # or a request sent just as the server closes one fails ("disconnected").
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def send() -> None:
            started = time.perf_counter()
            answer = await client.post(
                "/webhook",
                content=BODY,
                headers=headers(BODY, "watch", secret=SECRET),
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 202:
                raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.text}")

        tasks = []
        started = time.perf_counter()
        for i in itertools.count():
            if i >= seconds * rate:
                break
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send()))
        await asyncio.gather(*tasks)
    return latencies


def send_slow(base: str, gh: FakeGitHub, issue: object) -> str:
    body = json.dumps(gh.webhook("issues", "opened", issue=issue)).encode()
    delivery = str(uuid.uuid4())
    answer = httpx.post(
        f"{base}/webhook",
        content=body,
        headers=headers(body, "issues", delivery=delivery, secret=SECRET),
    )
    answer.raise_for_status()
    return delivery


def wait_status(store: Store, delivery: str, status: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (row := store.deliveries.get(delivery)) is None or row.status != status:
        if time.monotonic() > deadline:
            raise RuntimeError(f"delivery {delivery} never became {status}")
        time.sleep(0.05)


def run(rounds: int, seconds: float, rate: float) -> list[dict[str, float]]:
    hold = 3 * seconds + 10  # outlasts the busy phase with room for the regex's calibration
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    created = datetime.now(UTC) - timedelta(hours=1)
    slow = [gh.add_issue(REPO, title=f"SLOW {hold:g}", created_at=created) for _ in range(rounds)]
    graphql.execute(gh, "{ viewer { login } }", None, "alice")  # build the fake's schema now
    results = []
    with tempfile.TemporaryDirectory() as folder, gh.running():
        url = f"sqlite:///{folder}/starvation.db"
        env = {
            **gh.env(),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOARDWATCH_DATABASE_URL": url,
            "BOARDWATCH_PROJECT": "acme/1",
            "BOARDWATCH_REPOSITORY": REPO,
            "BOARDWATCH_WORKERS": "1",
            "BOARDWATCH_POLL_SECONDS": "0.05",
            "BOARDWATCH_EVALUATION_SECONDS": str(hold * 4),
            "BOARDWATCH_SECRETS_FILE": f"{folder}/none.json",
        }
        (port,) = free_ports(1)
        with serve_process(env, port, module="tests.worker.slowserve") as served:
            store = Store.open(url, migrate_schema=False)
            asyncio.run(paced(served.url, 1.0, rate))  # warm-up
            for issue in slow:
                idle = asyncio.run(paced(served.url, seconds, rate))
                delivery = send_slow(served.url, gh, issue)
                wait_status(store, delivery, "running", 60)
                time.sleep(0.5)  # into the regex, past the handler's first steps
                busy = asyncio.run(paced(served.url, seconds, rate))
                row = store.deliveries.get(delivery)
                if row is None or row.status != "running":
                    raise RuntimeError(
                        f"the slow evaluation ended before the busy phase did: {row}"
                    )
                results.append(
                    {
                        "idle_p50": percentile(idle, 50),
                        "idle_p99": percentile(idle, 99),
                        "busy_p50": percentile(busy, 50),
                        "busy_p99": percentile(busy, 99),
                        "busy_max": max(busy),
                    }
                )
                # Let the worker finish (or the next round would queue behind it).
                wait_status(store, delivery, "done", hold * 4)
            store.close()
    return results


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench starvation")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args(argv)
    results = run(args.rounds, args.seconds, args.rate)

    def column(key: str) -> str:
        return f"{median([r[key] for r in results]):.1f}"

    ratio = median([r["busy_p99"] for r in results]) / median([r["idle_p99"] for r in results])
    rows = [
        [
            "worker idle",
            column("idle_p50"),
            column("idle_p99"),
            "—",
            ", ".join(f"{r['idle_p99']:.1f}" for r in results),
        ],
        [
            "worker in a GIL-holding evaluation",
            column("busy_p50"),
            column("busy_p99"),
            column("busy_max"),
            ", ".join(f"{r['busy_p99']:.1f}" for r in results),
        ],
    ]
    header = ["intake while", "p50 ms", "p99 ms", "max ms", "p99 per round"]
    return table(header, rows) + (
        f"\n\nbusy p99 / idle p99: {ratio:.2f} (target: within 2×). {args.rounds} rounds; each "
        f"{args.seconds:.0f} s of signed webhooks at {args.rate:.0f}/s per phase, open loop, "
        "time from sending to the 202. One `serve` process with one worker process, SQLite, "
        "loopback, load generator and fake GitHub on the same 2 cores."
    )


if __name__ == "__main__":
    print(main())
