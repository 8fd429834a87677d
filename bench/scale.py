"""Scale: worker throughput (1, 2, 4 processes, GitHub at 20 ms), API calls per event kind,
and the memory of a `serve` process after 10,000 deliveries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.support import ROOT, free_ports, median, serve_process, table
from service.compose import worker_for
from service.intake.signature import sign
from service.store import NewDelivery, Store
from tests.fakegithub import FakeGitHub

SECRET = "bench-secret"
REPO = "acme/tracker"
AGO = datetime.now(UTC) - timedelta(days=1)


def _in_order_tracker(gh: FakeGitHub, issues: int) -> None:
    """Issues that already satisfy every default rule: each delivery needs one read."""
    gh.add_repo(REPO, collaborators={"alice": "write"})
    board = gh.add_board("acme", 1)
    for n in range(issues):
        issue = gh.add_issue(
            REPO, title=f"T{n}", labels=["type: blog"], assignees=["alice"], created_at=AGO
        )
        gh.add_item(board, issue, Status="Todo", Estimate=3)


def _env(gh: FakeGitHub, database_url: str, folder: str) -> dict[str, str]:
    return {
        **gh.env(),
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DATABASE_URL": database_url,
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_WORKERS": "1",
        "BOARDWATCH_POLL_SECONDS": "0.02",
        "BOARDWATCH_LOG_LEVEL": "WARNING",
        "BOARDWATCH_SECRETS_FILE": f"{folder}/none.json",
    }


def workers_rate(processes: int, deliveries: int, latency_ms: float) -> float:
    """Deliveries processed per second by `processes` worker processes."""
    gh = FakeGitHub(latency_ms=latency_ms)
    _in_order_tracker(gh, deliveries)
    with tempfile.TemporaryDirectory() as folder, gh.running():
        url = f"sqlite:///{folder}/workers.db"
        store = Store.open(url)
        for number in range(1, deliveries + 1):
            payload = gh.webhook("issues", "edited", issue=gh.issue(REPO, number))
            store.deliveries.add(
                NewDelivery(
                    id=str(uuid.uuid4()),
                    event="issues",
                    action="edited",
                    subject=f"issue:{payload['issue']['node_id']}",
                    payload=json.dumps(payload),
                )
            )
        env = {**os.environ, **_env(gh, url, folder)}
        started = time.perf_counter()
        running = [
            subprocess.Popen(
                [sys.executable, "-m", "service.cli", "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(processes)
        ]
        try:
            while store.deliveries.pending():
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for process in running:
                process.terminate()
                process.wait(20)
        counts = store.deliveries.counts()
        store.close()
    if counts["done"] != deliveries:
        raise RuntimeError(f"not every delivery was done: {counts}")
    return deliveries / elapsed


def api_calls_per_event() -> list[list[Any]]:
    """Reads and writes of one delivery of each kind, on a fresh in-process service."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.engine.holder import RulesetHolder
    from service.gateway.factory import GatewayFactory
    from service.handlers import build_registry
    from service.services import Services
    from service.settings import Settings
    from tests.support.webhooks import headers

    gh = FakeGitHub()
    _in_order_tracker(gh, 1)
    board = gh.boards[0]
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as folder, gh.running():
        settings = Settings(_env_file=None, **_env(gh, f"sqlite:///{folder}/c.db", folder))  # type: ignore[arg-type]
        store = Store.open(settings.database_url)
        services = Services(
            settings, store, RulesetHolder.load("rules"), _gateways=GatewayFactory(settings)
        )
        registry = build_registry(services)
        worker = worker_for(services, registry)
        app = create_app(settings, services=services, registry=registry, start_worker=False)
        with TestClient(app) as client:

            def run(label: str, event: str, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                delivery = str(uuid.uuid4())
                client.post(
                    "/webhook",
                    content=body,
                    headers=headers(body, event, delivery=delivery, secret=SECRET),
                )
                worker.run_until_idle()
                cost = store.deliveries.get(delivery).outcome["github"]
                rows.append(
                    [label, f"{event}.{payload.get('action')}", cost["reads"], cost["writes"]]
                )

            in_order = gh.issue(REPO, 1)
            run(
                "warm-up (learns the bot's login once per process)",
                "issues",
                gh.webhook("issues", "edited", issue=in_order),
            )
            run(
                "issue already in order (the floor)",
                "issues",
                gh.webhook("issues", "edited", issue=in_order),
            )
            fresh = gh.add_issue(REPO, title="New request", created_at=AGO)
            run(
                "new request: to the board, needs-triage",
                "issues",
                gh.webhook("issues", "opened", issue=fresh),
            )
            run(
                "same request edited again (converged)",
                "issues",
                gh.webhook("issues", "edited", issue=fresh),
            )
            item = board.item_of(fresh)
            gh.set_value(board, item, "Status", "Todo")
            run(
                "Status set on the board (triage done)",
                "projects_v2_item",
                gh.webhook("projects_v2_item", "edited", item=(board, item), sender="alice"),
            )
            comment = gh.add_comment(fresh, "/estimate 3h")
            run(
                "`/estimate 3h` comment",
                "issue_comment",
                gh.webhook("issue_comment", "created", issue=fresh, comment=comment),
            )
            fresh.state, fresh.closed_at = "closed", datetime.now(UTC)
            run("issue closed: Status Done", "issues", gh.webhook("issues", "closed", issue=fresh))
        store.close()
    return rows


async def _flood(base: str, count: int) -> None:
    body = json.dumps(
        {
            "action": "edited",
            "issue": {"number": 1, "node_id": "I_x"},
            "repository": {"full_name": REPO},
        }
    ).encode()
    signature = sign(SECRET, body)
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        semaphore = asyncio.Semaphore(16)

        async def one() -> None:
            async with semaphore:
                headers = {
                    "X-GitHub-Event": "issues",
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": signature,
                }
                answer = await client.post("/webhook", content=body, headers=headers)
                assert answer.status_code == 202

        await asyncio.gather(*(one() for _ in range(count)))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_memory(deliveries: int) -> tuple[float, float]:
    """RSS of one `serve` process (web only) before and after `deliveries` deliveries."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOARDWATCH_DRY_RUN": "true",
            "BOARDWATCH_WORKERS": "0",
            "BOARDWATCH_DATABASE_URL": f"sqlite:///{folder}/memory.db",
        }
        [port] = free_ports(1)
        with serve_process(env, port) as served:
            before = _rss_mb(served.pid)
            asyncio.run(_flood(served.url, deliveries))
            after = _rss_mb(served.pid)
    return before, after


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    counts = (1, 2, 4)
    rates: dict[int, list[float]] = {n: [] for n in counts}
    for _ in range(args.rounds):
        for n in counts:
            rates[n].append(workers_rate(n, args.deliveries, args.latency_ms))
    one = median(rates[1])
    workers_table = table(
        ["worker processes", "deliveries/s (median)", "vs 1 worker", "per round"],
        [
            [n, f"{median(r):.1f}", f"{median(r) / one:.2f}", ", ".join(f"{x:.1f}" for x in r)]
            for n, r in rates.items()
        ],
    )
    calls_table = table(
        ["delivery", "event", "GitHub reads", "GitHub writes"], api_calls_per_event()
    )
    before, after = serve_memory(10_000)
    memory_table = table(
        ["serve process RSS", "MB"],
        [["after start", f"{before:.0f}"], ["after 10,000 deliveries", f"{after:.0f}"]],
    )
    return "\n\n".join(
        [
            f"### Workers ({args.deliveries} deliveries of issues already in order, fake GitHub "
            f"answering after {args.latency_ms:g} ms, SQLite, {args.rounds} rounds)",
            workers_table,
            "### GitHub API calls per delivery (default ruleset)",
            calls_table,
            "### Memory",
            memory_table,
        ]
    )


if __name__ == "__main__":
    print(main())
