"""A burst (issue 17): 2,000 signed deliveries sent at the same moment, each on its own
connection, to one `boardwatch serve` (web only). GitHub counts a delivery as failed when its
answer takes more than 10 s; the table shows the time from the burst's start to each 202.

`serve` runs with its default connection cap (BOARDWATCH_HTTP_MAX_CONNECTIONS, 4,000), for which
it raises its open-file limit where needed.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid

import httpx

from bench.intake import PAYLOAD, SECRET, bare_process, pg_schema
from bench.support import free_ports, median, percentile, serve_process, table
from service.intake.signature import sign

GITHUB_TIMEOUT_MS = 10_000


async def _post(host: str, port: int, request: bytes) -> int:
    """One request on a connection of its own (as GitHub sends a delivery); the status code."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        headers = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in headers.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def burst(base: str, count: int) -> tuple[list[float], int]:
    """Milliseconds from the burst's start to each 202; and how many answers were not 202.

    A raw asyncio client: httpx's connection pool slows down sharply with thousands of
    connections (it alone made every answer take about a minute, even from a bare server).
    """
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    body = PAYLOAD.read_bytes()
    signature = sign(SECRET, body)
    requests = [
        (
            "POST /webhook HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            "Content-Type: application/json\r\n"
            "X-GitHub-Event: issues\r\n"
            f"X-GitHub-Delivery: {uuid.uuid4()}\r\n"
            f"X-Hub-Signature-256: {signature}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + body
        for _ in range(count)
    ]
    latencies: list[float] = []
    failed = 0
    gate = asyncio.Event()
    started = 0.0

    async def send(request: bytes) -> None:
        nonlocal failed
        await gate.wait()
        try:
            status = await _post(host, port, request)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            failed += 1
            return
        if status == 202:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            failed += 1

    tasks = [asyncio.create_task(send(r)) for r in requests]
    await asyncio.sleep(0)  # every task waits at the gate
    started = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    return latencies, failed


def summary(latencies: list[float], failed: int) -> dict[str, float]:
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "late": sum(1 for ms in latencies if ms > GITHUB_TIMEOUT_MS),
        "failed": failed,
    }


def run_one(kind: str, count: int) -> dict[str, float]:
    """One burst against a fresh server: `bare` (the yardstick), `SQLite` or `PostgreSQL`."""
    env = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DRY_RUN": "true",
        "BOARDWATCH_WORKERS": "0",
    }
    (port,) = free_ports(1)

    def measure() -> dict[str, float]:
        with serve_process(env, port) as served:
            return summary(*asyncio.run(burst(served.url, count)))

    if kind == "bare":
        with bare_process(port) as url:
            return summary(*asyncio.run(burst(url, count)))
    if kind == "SQLite":
        with tempfile.TemporaryDirectory() as folder:
            env["BOARDWATCH_DATABASE_URL"] = f"sqlite:///{folder}/burst.db"
            return measure()
    with pg_schema() as url:
        env["BOARDWATCH_DATABASE_URL"] = url
        return measure()


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench burst")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=2000)
    args = parser.parse_args(argv)
    kinds = ["bare", "SQLite", "PostgreSQL"]
    results: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for _ in range(args.rounds):
        for kind in kinds:
            results[kind].append(run_one(kind, args.deliveries))
    rows = []
    for kind, runs in results.items():
        rows.append(
            [
                "bare FastAPI 202" if kind == "bare" else f"boardwatch serve, {kind}",
                f"{median([r['p50'] for r in runs]):,.0f}",
                f"{median([r['p99'] for r in runs]):,.0f}",
                f"{max(r['max'] for r in runs):,.0f}",
                int(sum(r["late"] for r in runs)),
                int(sum(r["failed"] for r in runs)),
                ", ".join(f"{r['max']:,.0f}" for r in runs),
            ]
        )
    header = [
        "server",
        "p50 ms to 202 (median)",
        "p99 ms (median)",
        "slowest ms (all rounds)",
        "202s after 10 s",
        "not answered 202",
        "slowest per round",
    ]
    return table(header, rows) + (
        f"\n\n{args.rounds} rounds of {args.deliveries:,} deliveries (issues/opened.json, signed), "
        "all released at once, one connection each, from one asyncio client on the same 2 "
        "cores; time from the release to each 202. One uvicorn process each; `serve` web only."
    )


if __name__ == "__main__":
    print(main())
