"""Intake: signed deliveries per second and time to the 202, for 1 and 2 `serve` processes,
on SQLite and on PostgreSQL.

Each `boardwatch serve` runs web only (BOARDWATCH_WORKERS=0), so the numbers are the intake
path: verify, store, answer. The load comes from an asyncio client on the same machine,
spread evenly over the processes. Several rounds; medians reported side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
import uuid
from contextlib import ExitStack

import httpx
from sqlalchemy import create_engine, text

from bench.support import PG_URL, free_ports, median, percentile, serve_process, table
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
# The target load: latency is measured while sending exactly this many a second.
PACED_RATE = 500.0


def _headers() -> dict[str, str]:
    return {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": SIGNATURE,
        "Content-Type": "application/json",
    }


async def _send(client: httpx.AsyncClient, latencies: list[float]) -> None:
    start = time.perf_counter()
    answer = await client.post("/webhook", content=BODY, headers=_headers())
    latencies.append((time.perf_counter() - start) * 1000)
    if answer.status_code != 202:
        raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.text}")


def _clients(bases: list[str], connections: int) -> list[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return [httpx.AsyncClient(base_url=b, limits=limits, timeout=30) for b in bases]


async def saturate(bases: list[str], seconds: float, concurrency: int) -> float:
    """Closed loop: `concurrency` senders as fast as answers come; returns deliveries/s."""
    clients = _clients(bases, concurrency)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def sender(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            await _send(client, latencies)

    started = time.perf_counter()
    await asyncio.gather(*(sender(clients[i % len(clients)]) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    for client in clients:
        await client.aclose()
    return len(latencies) / elapsed


async def paced(bases: list[str], seconds: float, rate: float) -> list[float]:
    """Open loop at a fixed rate whatever the answers; latency includes any queueing."""
    clients = _clients(bases, 64)
    latencies: list[float] = []
    tasks = []
    started = time.perf_counter()
    rotation = itertools.cycle(clients)
    for i in range(int(seconds * rate)):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_send(next(rotation), latencies)))
    await asyncio.gather(*tasks)
    for client in clients:
        await client.aclose()
    return latencies


def _pg_schema() -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return schema, f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop(schema: str) -> None:
    with create_engine(PG_URL).begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def measure(database_url: str, processes: int, *, seconds: float, concurrency: int) -> dict:
    env = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DRY_RUN": "true",
        "BOARDWATCH_WORKERS": "0",
        "BOARDWATCH_DATABASE_URL": database_url,
    }
    with ExitStack() as stack:
        bases = [stack.enter_context(serve_process(env, p)).url for p in free_ports(processes)]
        asyncio.run(saturate(bases, 1.0, concurrency))  # warm-up
        rate = asyncio.run(saturate(bases, seconds, concurrency))
        latencies = asyncio.run(paced(bases, seconds, PACED_RATE))
    return {"rate": rate, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench intake")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    setups = [("SQLite", 1), ("SQLite", 2), ("PostgreSQL", 1), ("PostgreSQL", 2)]
    results: dict[tuple[str, int], list[dict]] = {setup: [] for setup in setups}
    for _ in range(args.rounds):
        for database, processes in setups:
            options = {"seconds": args.seconds, "concurrency": args.concurrency}
            if database == "SQLite":
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite:///{folder}/bench.db"
                    results[(database, processes)].append(measure(url, processes, **options))
            else:
                schema, url = _pg_schema()
                try:
                    results[(database, processes)].append(measure(url, processes, **options))
                finally:
                    _drop(schema)
    base = median([r["rate"] for r in results[("SQLite", 1)]])
    rows = []
    for (database, processes), runs in results.items():
        rate = median([r["rate"] for r in runs])
        rows.append(
            [
                database,
                processes,
                f"{rate:.0f}",
                f"{median([r['p50'] for r in runs]):.1f}",
                f"{median([r['p99'] for r in runs]):.1f}",
                f"{rate / base:.2f}",
                ", ".join(f"{r['rate']:.0f}" for r in runs),
            ]
        )
    header = [
        "database",
        "serve processes",
        "max deliveries/s (median)",
        f"p50 ms at {PACED_RATE:.0f}/s",
        f"p99 ms at {PACED_RATE:.0f}/s",
        "rate vs SQLite ×1",
        "per round",
    ]
    return table(header, rows) + (
        f"\n\n{args.rounds} rounds, interleaved. Max rate: {args.seconds:.0f} s closed loop, "
        f"{args.concurrency} concurrent connections. Latency: {args.seconds:.0f} s open loop at "
        f"{PACED_RATE:.0f} deliveries/s, time from sending to the 202 (queueing included). "
        "Web only (BOARDWATCH_WORKERS=0), loopback, load generator on the same 2 cores."
    )


if __name__ == "__main__":
    print(main())
