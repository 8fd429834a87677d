"""Intake: sustained signed deliveries per second and time to the 202, SQLite vs PostgreSQL.

One `boardwatch serve` process (web only, BOARDWATCH_WORKERS=0, so the numbers are the
intake path: verify, store, answer), loaded over loopback by an asyncio client with a fixed
number of concurrent connections. Several rounds; medians reported side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid

import httpx
from sqlalchemy import create_engine, text

from bench.support import PG_URL, median, percentile, serve_process, table
from service.intake.signature import sign

SECRET = "bench-secret"
BODY = json.dumps(
    {
        "action": "labeled",
        "issue": {"number": 1, "node_id": "I_bench", "title": "Bench", "state": "open"},
        "label": {"name": "type: blog"},
        "repository": {"full_name": "acme/tracker"},
        "sender": {"login": "alice", "type": "User"},
    }
).encode()
SIGNATURE = sign(SECRET, BODY)
# The target load of the issue: latency is measured while sending exactly this many a second.
PACED_RATE = 500.0


async def _load(base: str, seconds: float, concurrency: int) -> tuple[int, float, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            headers = {
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": SIGNATURE,
                "Content-Type": "application/json",
            }
            start = time.perf_counter()
            answer = await client.post("/webhook", content=BODY, headers=headers)
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 202:
                raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.text}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(latencies), elapsed, [latency * 1000 for latency in latencies]


async def _paced(base: str, seconds: float, rate: float) -> tuple[int, float, list[float]]:
    """Open loop: send at a fixed `rate` whatever the answers; latency includes any queueing."""
    latencies: list[float] = []
    total = int(seconds * rate)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)

    async def one(client: httpx.AsyncClient) -> None:
        headers = {
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": SIGNATURE,
            "Content-Type": "application/json",
        }
        start = time.perf_counter()
        answer = await client.post("/webhook", content=BODY, headers=headers)
        latencies.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 202:
            raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.text}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return len(latencies), elapsed, latencies


def _pg_schema() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop(schema: str) -> None:
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def measure(database_url: str, *, seconds: float, concurrency: int, port: int) -> dict:
    env = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DRY_RUN": "true",
        "BOARDWATCH_WORKERS": "0",
        "BOARDWATCH_DATABASE_URL": database_url,
    }
    with serve_process(env, port) as base:
        asyncio.run(_load(base, 1.0, concurrency))  # warm-up: connections, caches
        count, elapsed, _ = asyncio.run(_load(base, seconds, concurrency))
        _, _, paced = asyncio.run(_paced(base, seconds, PACED_RATE))
    return {
        "rate": count / elapsed,
        "p50": percentile(paced, 50),
        "p99": percentile(paced, 99),
    }


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench intake")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    results: dict[str, list[dict]] = {"SQLite": [], "PostgreSQL": []}
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            results["SQLite"].append(
                measure(
                    f"sqlite:///{folder}/bench.db",
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                    port=18400 + round_,
                )
            )
        schema, url = _pg_schema()
        try:
            results["PostgreSQL"].append(
                measure(
                    url, seconds=args.seconds, concurrency=args.concurrency, port=18450 + round_
                )
            )
        finally:
            _drop(schema)
    rows = []
    sqlite_rate = median([r["rate"] for r in results["SQLite"]])
    for name, runs in results.items():
        rate = median([r["rate"] for r in runs])
        rows.append(
            [
                name,
                f"{rate:.0f}",
                f"{median([r['p50'] for r in runs]):.1f}",
                f"{median([r['p99'] for r in runs]):.1f}",
                f"{rate / sqlite_rate:.2f}",
                ", ".join(f"{r['rate']:.0f}" for r in runs),
            ]
        )
    return table(
        [
            "database",
            "max deliveries/s (median)",
            f"p50 ms at {PACED_RATE:.0f}/s",
            f"p99 ms at {PACED_RATE:.0f}/s",
            "rate vs SQLite",
            "per round",
        ],
        rows,
    ) + (
        f"\n\n{args.rounds} rounds. Max rate: {args.seconds:.0f} s closed loop with "
        f"{args.concurrency} concurrent connections. Latency: {args.seconds:.0f} s open loop at "
        f"{PACED_RATE:.0f} deliveries/s (time from sending to the 202, queueing included). "
        "One `serve` process (BOARDWATCH_WORKERS=0), loopback, client on the same machine."
    )


if __name__ == "__main__":
    print(main())
