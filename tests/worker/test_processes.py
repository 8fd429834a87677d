"""Evaluation can never starve intake (issue 12), on a real `boardwatch serve` process.

The workers of `tests.worker.slowserve` burn CPU, holding the GIL, on issues titled
`SLOW n` or `HANG`, the way a pathological issue body did (see that module).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.store import Delivery, Store
from tests.fakegithub import FakeGitHub, graphql
from tests.support.processes import Cluster, Process
from tests.support.webhooks import SECRET, headers

REPO = "acme/tracker"
AGO = datetime.now(UTC) - timedelta(hours=1)
SLOW_SERVE = "tests.worker.slowserve"

pytestmark = pytest.mark.slow


@contextmanager
def slow_service(tmp_path: Path, gh: FakeGitHub, **env: str) -> Iterator[tuple[Process, Store]]:
    url = f"sqlite:///{tmp_path}/slow.db"
    # The fake builds GitHub's GraphQL schema on first use (seconds): not inside a budget.
    graphql.execute(gh, "{ viewer { login } }", None, "alice")
    with gh.running():
        cluster = Cluster(
            {
                **gh.env(),
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "BOARDWATCH_DATABASE_URL": url,
                "BOARDWATCH_PROJECT": "acme/1",
                "BOARDWATCH_REPOSITORY": REPO,
                "BOARDWATCH_POLL_SECONDS": "0.05",
                "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
                **env,
            },
            tmp_path,
        )
        try:
            web = cluster.serve(module=SLOW_SERVE)
            store = Store.open(url, migrate_schema=False)
            try:
                yield web, store
            finally:
                store.close()
        finally:
            cluster.stop()


def send(web: Process, gh: FakeGitHub, action: str, issue: object) -> str:
    body = json.dumps(gh.webhook("issues", action, issue=issue)).encode()
    delivery = str(uuid.uuid4())
    answer = httpx.post(
        f"{web.url}/webhook",
        content=body,
        headers=headers(body, "issues", delivery=delivery),
        timeout=10,
    )
    assert answer.status_code == 202, answer.text
    return delivery


def wait_for(store: Store, delivery: str, statuses: set[str], seconds: float) -> Delivery:
    deadline = time.monotonic() + seconds
    while True:
        row = store.deliveries.get(delivery)
        if row is not None and row.status in statuses:
            return row
        assert time.monotonic() < deadline, f"{delivery} is {row.status if row else None}"
        time.sleep(0.05)


def test_webhooks_get_their_202_in_time_while_a_worker_holds_the_gil_for_20_s(
    tmp_path: Path,
) -> None:
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    slow = gh.add_issue(REPO, title="SLOW 20", created_at=AGO)
    others = [gh.add_issue(REPO, title=f"T{n}", created_at=AGO) for n in range(300)]
    with slow_service(tmp_path, gh, BOARDWATCH_WORKERS="1") as (web, store):
        slow_delivery = send(web, gh, "opened", slow)
        wait_for(store, slow_delivery, {"running"}, 30)
        # Prepared before the clock starts, so only the answers are timed.
        bodies = [json.dumps(gh.webhook("issues", "opened", issue=i)).encode() for i in others]

        def post(body: bytes) -> tuple[str, int, float]:
            delivery = str(uuid.uuid4())
            started = time.monotonic()
            try:
                answer = httpx.post(
                    f"{web.url}/webhook",
                    content=body,
                    headers=headers(body, "issues", delivery=delivery),
                    timeout=10,  # GitHub's patience
                )
                code = answer.status_code
            except httpx.TimeoutException:
                code = 0
            return delivery, code, time.monotonic() - started

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(post, bodies))
        sent_by = datetime.now(UTC)

        assert [code for _, code, _ in results] == [202] * len(others)
        assert max(seconds for _, _, seconds in results) < 10
        ids = [delivery for delivery, _, _ in results]
        assert store.deliveries.known(ids) == set(ids)
        # The slow evaluation really ran all along: it started before the first webhook
        # and was still running when the last 202 came.
        row = store.deliveries.get(slow_delivery)
        assert row.status == "running" or row.finished_at > sent_by


def test_an_evaluation_over_budget_fails_at_once_and_the_issue_moves_on(tmp_path: Path) -> None:
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    slow = gh.add_issue(REPO, title="SLOW 60", created_at=AGO)
    hung = gh.add_issue(REPO, title="HANG", created_at=AGO)
    # 5 s: far below the slow ones, and enough for a real evaluation on a busy machine.
    env = {"BOARDWATCH_WORKERS": "2", "BOARDWATCH_EVALUATION_SECONDS": "5"}
    with slow_service(tmp_path, gh, **env) as (web, store):
        first_slow = send(web, gh, "opened", slow)
        first_hung = send(web, gh, "opened", hung)
        wait_for(store, first_slow, {"running"}, 30)
        wait_for(store, first_hung, {"running"}, 30)
        # Later deliveries of the same issues, after someone fixed them; they wait for now.
        slow.title, hung.title = "Fixed", "Fixed too"
        later_slow = send(web, gh, "edited", slow)
        later_hung = send(web, gh, "edited", hung)

        # The regex checks for signals: the worker's own timer stops it.
        failed = wait_for(store, first_slow, {"failed", "done"}, 20)
        assert failed.status == "failed" and failed.attempts == 1
        assert failed.last_error.startswith(
            f"evaluation of {failed.subject} exceeded its 5 s budget"
        )
        assert "stopped by the worker" in failed.last_error
        assert f"boardwatch replay {first_slow}" in failed.last_error
        later = wait_for(store, later_slow, {"done", "failed"}, 20)
        assert later.status == "done", later.last_error

        # The C loop does not: the supervisor kills the process past the grace period,
        # records the failure and starts a new worker, which takes the later delivery.
        killed = wait_for(store, first_hung, {"failed", "done"}, 40)
        assert killed.status == "failed" and killed.attempts == 1
        assert "exceeded its 5 s budget" in killed.last_error
        assert "killed the worker process" in killed.last_error
        assert wait_for(store, later_hung, {"done", "failed"}, 30).status == "done"

        # What the worker processes counted reaches the web process's /metrics, with its own.
        counted = deliveries_counted(httpx.get(f"{web.url}/metrics", timeout=10).text)
        assert counted[("issues", "queued")] == 4  # counted by the web process at intake
        assert counted[("issues", "done")] == 2  # counted by the worker processes
        assert counted[("issues", "failed")] >= 1
    assert "needs-triage" in slow.labels and "needs-triage" in hung.labels


def deliveries_counted(exposition: str) -> dict[tuple[str, str], float]:
    """`boardwatch_deliveries_total` by (event, status), from a /metrics page."""
    return {
        (sample.labels["event"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "boardwatch_deliveries"
        for sample in family.samples
        if sample.name == "boardwatch_deliveries_total"
    }


def children_of(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def test_a_killed_serve_leaves_no_worker_behind_even_one_stuck_in_c_code(tmp_path: Path) -> None:
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    hung = gh.add_issue(REPO, title="HANG", created_at=AGO)
    with slow_service(tmp_path, gh, BOARDWATCH_WORKERS="1") as (web, store):
        wait_for(store, send(web, gh, "opened", hung), {"running"}, 30)
        workers = children_of(web.popen.pid)
        assert workers
        web.kill()  # SIGKILL: no clean-up; the stuck worker cannot even run a Python thread
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            assert time.monotonic() < deadline, "a worker outlived its serve process"
            time.sleep(0.1)
