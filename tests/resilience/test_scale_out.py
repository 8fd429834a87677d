"""Several replicas on PostgreSQL: 2 `serve` + 3 `worker` processes, one killed mid-run.

2,000 signed deliveries about 200 issues go to both web processes at once. Afterwards every
delivery is done exactly once, no subject ran twice at the same time, and the fake GitHub
looks exactly as it does after one in-process worker handled the same deliveries.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from service.compose import worker_for
from service.handlers import build_registry
from service.store import Store
from tests.fakegithub import FakeGitHub
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services
from tests.support.processes import Cluster
from tests.support.webhooks import SECRET, headers

REPO = "acme/tracker"
ISSUES = 200
PER_ISSUE = 10
AGO = datetime.now(UTC) - timedelta(hours=2)
EVENTS = [("issues", "opened"), ("issues", "edited"), ("issues", "labeled")]

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def seed(gh: FakeGitHub) -> None:
    """The same 200 issues on any fake: a mix that makes every default rule act."""
    gh.add_repo(REPO, collaborators={"alice": "write"})
    board = gh.add_board("acme", 1)
    for n in range(ISSUES):
        kind = n % 5
        issue = gh.add_issue(
            REPO,
            title=f"Task {n}",
            body=["", "Estimate: 6h", "### Copy\nHi", "Estimate: 1h", "Blocked by: legal"][kind],
            labels=[[], ["type: blog"], ["type: social"], [], []][kind],
            assignees=[[], [], ["alice"], ["alice"], []][kind],
            created_at=AGO,
        )
        if kind in (1, 3, 4):
            status = {1: "In Progress", 3: "Todo", 4: "Blocked"}[kind]
            gh.add_item(board, issue, Status=status)


def payloads(gh: FakeGitHub) -> list[tuple[str, str, bytes]]:
    """(event, delivery id, body) for every delivery, in sending order."""
    out = []
    for round_ in range(PER_ISSUE):
        for number in range(1, ISSUES + 1):
            event, action = EVENTS[(number + round_) % len(EVENTS)]
            body = json.dumps(gh.webhook(event, action, issue=gh.issue(REPO, number))).encode()
            out.append((event, str(uuid.uuid4()), body))
    return out


def final_state(gh: FakeGitHub) -> dict[int, tuple]:
    board = gh.boards[0]
    state = {}
    for number, issue in gh.repos[REPO].issues.items():
        comments = tuple(sorted(c.body for c in gh.bot_comments(issue)))
        values = gh.item_values(board, issue)
        state[number] = (
            tuple(sorted(issue.labels)),
            tuple(sorted(issue.assignees)),
            tuple(sorted((values or {}).items())) if values is not None else None,
            comments,
        )
    return state


def single_process_state(tmp_path: Path) -> dict[int, tuple]:
    """What one in-process worker makes of the same deliveries."""
    gh = FakeGitHub()
    seed(gh)
    with gh.running():
        settings = settings_for(
            gh,
            GITHUB_WEBHOOK_SECRET=SECRET,
            BOARDWATCH_PROJECT="acme/1",
            BOARDWATCH_REPOSITORY=REPO,
        )
        store = Store.open(f"sqlite:///{tmp_path}/single.db")
        services = make_services(settings, store, _gateways=factory_for(gh))
        from fastapi.testclient import TestClient

        from service.app import create_app

        registry = build_registry(services)
        app = create_app(settings, services=services, registry=registry, start_worker=False)
        with TestClient(app) as client:
            for event, delivery, body in payloads(gh):
                answer = client.post(
                    "/webhook", content=body, headers=headers(body, event, delivery=delivery)
                )
                assert answer.status_code == 202
        worker_for(services, registry).run_until_idle()
        store.close()
        return final_state(gh)


def test_two_web_and_three_worker_processes_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    url = postgres_url
    expected = single_process_state(tmp_path)

    gh = FakeGitHub()
    seed(gh)
    with gh.running():
        env = {
            **gh.env(),
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "BOARDWATCH_DATABASE_URL": url,
            "BOARDWATCH_PROJECT": "acme/1",
            "BOARDWATCH_REPOSITORY": REPO,
            "BOARDWATCH_RULES_DIR": "rules",
            "BOARDWATCH_WORKERS": "2",
            "BOARDWATCH_LEASE_SECONDS": "3",
            "BOARDWATCH_POLL_SECONDS": "0.05",
            "BOARDWATCH_RETRY_BASE_SECONDS": "0.2",
            "BOARDWATCH_LOG_LEVEL": "WARNING",
            "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
        }
        cluster = Cluster(env, tmp_path)
        try:
            webs = [cluster.serve(BOARDWATCH_WORKERS="0") for _ in range(2)]
            workers = [cluster.worker() for _ in range(3)]
            sent = payloads(gh)

            def send(index_and_item: tuple[int, tuple[str, str, bytes]]) -> int:
                index, (event, delivery, body) = index_and_item
                base = webs[index % 2].url
                answer = httpx.post(
                    f"{base}/webhook",
                    content=body,
                    headers=headers(body, event, delivery=delivery),
                    timeout=30,
                )
                return answer.status_code

            with ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(send, pair) for pair in enumerate(sent)]
                for future in futures[: len(futures) // 2]:
                    future.result()
                # Mid-run, one worker dies without a word and another takes its place.
                workers[0].kill()
                workers.append(cluster.worker())
                codes = [future.result() for future in futures]
            assert set(codes) == {202}

            store = Store.open(url, migrate_schema=False)
            deadline = time.monotonic() + 600
            while store.deliveries.pending() and time.monotonic() < deadline:
                time.sleep(0.5)
            counts = store.deliveries.counts()
            assert counts["queued"] == counts["running"] == counts["failed"] == 0, counts
            assert counts["done"] + counts["ignored"] == len(sent)
            # Re-evaluations the rules scheduled for later (an item turning stale) aside.
            rows = [
                r
                for r in store.deliveries.list(limit=len(sent) * 2 + 10)
                if r.status != "scheduled"
            ]
            assert {r.id for r in rows} == {d for _, d, _ in sent}  # none lost, none extra
            by_subject = defaultdict(list)
            for row in rows:
                # A delivery folded into a later one of its subject never ran on its own.
                if row.status == "done" and "coalesced_into" not in (row.outcome or {}):
                    by_subject[row.subject].append((row.started_at, row.finished_at))
            for subject, spans in by_subject.items():
                spans.sort()
                for (_, end), (start, _) in pairwise(spans):
                    assert start >= end, f"{subject} ran twice at the same time"
            store.close()
        finally:
            cluster.stop()
        assert final_state(gh) == expected
