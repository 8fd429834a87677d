"""An idle worker hears of a new delivery at once (issue 17), not at its next poll.

Every test sets BOARDWATCH_POLL_SECONDS=30 and expects the delivery taken within a few
seconds: only a wakeup can do that. Two deliveries each time: the second one certainly
arrives while the worker waits (it went idle after the first).
"""

from __future__ import annotations

import json
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from service.app import create_app
from service.store import Store
from service.store.wakeup import wakes_through_store
from tests.fakegithub.plugin import Tracker
from tests.support.apps import make_services, make_settings, subject_recorder
from tests.support.databases import pg_schema_url
from tests.support.processes import Cluster
from tests.support.webhooks import SECRET, encode, headers

POLL = "30"
WOKEN_WITHIN = 8.0  # seconds: far below the poll, with room for a loaded machine
STARTED_WITHIN = 60.0  # a worker process's first start


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:.0f} s")
        time.sleep(0.02)


def taken(store: Store, delivery: str) -> Callable[[], bool]:
    def check() -> bool:
        row = store.deliveries.get(delivery)
        return row is not None and row.started_at is not None

    return check


def test_worker_threads_of_the_web_process_are_woken_by_a_new_delivery(store: Store) -> None:
    registry, seen = subject_recorder()
    settings = make_settings(BOARDWATCH_WORKERS=1, BOARDWATCH_POLL_SECONDS=POLL)
    app = create_app(
        settings, services=make_services(settings, store), registry=registry, start_worker=True
    )
    with TestClient(app) as client:
        for number in (1, 2):
            body = encode(
                {
                    "action": "opened",
                    "issue": {"number": number, "node_id": f"I_{number}"},
                    "repository": {"full_name": "acme/tracker"},
                }
            )
            assert client.post("/webhook", content=body, headers=headers(body, "issues")).is_success
            wait_for(lambda n=number: len(seen) == n, WOKEN_WITHIN, f"delivery {number} handled")  # type: ignore[misc]


def _send(base: str, tracker: Tracker, title: str) -> str:
    issue = tracker.gh.add_issue(tracker.name, title=title)
    body = json.dumps(tracker.gh.webhook("issues", "opened", issue=issue)).encode()
    delivery = str(uuid.uuid4())
    answer = httpx.post(
        f"{base}/webhook", content=body, headers=headers(body, "issues", delivery=delivery)
    )
    assert answer.status_code == 202, answer.text
    return delivery


def _env(tracker: Tracker, url: str, folder: Path, workers: str) -> dict[str, str]:
    return {
        **tracker.gh.env(),
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DATABASE_URL": url,
        "BOARDWATCH_PROJECT": tracker.project,
        "BOARDWATCH_REPOSITORY": tracker.name,
        "BOARDWATCH_WORKERS": workers,
        "BOARDWATCH_POLL_SECONDS": POLL,
        "BOARDWATCH_SECRETS_FILE": str(folder / "none.json"),
        "BOARDWATCH_LOG_LEVEL": "WARNING",
    }


def _two_deliveries_taken_at_once(base: str, tracker: Tracker, url: str) -> None:
    store = Store.open(url, migrate_schema=False)
    try:
        first = _send(base, tracker, "First request")
        wait_for(taken(store, first), STARTED_WITHIN, "the first delivery taken")
        wait_for(lambda: store.deliveries.pending() == 0, STARTED_WITHIN, "the first finished")
        time.sleep(0.5)  # the worker is back in its wait
        second = _send(base, tracker, "Second request")
        wait_for(taken(store, second), WOKEN_WITHIN, "the second delivery taken")
    finally:
        store.close()


def test_serve_wakes_its_worker_processes_through_the_named_pipe(
    tracker: Tracker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/boardwatch.db"
    cluster = Cluster(_env(tracker, url, tmp_path, workers="1"), tmp_path)
    try:
        web = cluster.serve()
        assert web.url is not None
        _two_deliveries_taken_at_once(web.url, tracker, url)
        assert stat.S_ISFIFO((tmp_path / "boardwatch.db.wakeup").stat().st_mode)
    finally:
        cluster.stop()


def test_where_no_named_pipe_can_be_made_serve_wakes_its_workers_through_its_own_pipes(
    tracker: Tracker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/boardwatch.db"
    (tmp_path / "boardwatch.db.wakeup").write_text("a file where the named pipe would go")
    cluster = Cluster(_env(tracker, url, tmp_path, workers="1"), tmp_path)
    try:
        web = cluster.serve()
        assert web.url is not None
        _two_deliveries_taken_at_once(web.url, tracker, url)
    finally:
        cluster.stop()


@pytest.mark.parametrize(
    ("url", "rings"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:5432/test", True),
        ("sqlite:///{folder}/boardwatch.db", True),
        ("sqlite:///{folder}/taken.db", False),  # a file is where the named pipe would go
        ("sqlite://", False),  # in memory: no file to put a named pipe beside
    ],
)
def test_which_databases_wake_every_worker_themselves(
    tmp_path: Path, url: str, rings: bool
) -> None:
    (tmp_path / "taken.db.wakeup").write_text("")
    engine = create_engine(url.format(folder=tmp_path))  # connects to nothing
    try:
        assert wakes_through_store(engine) is rings
    finally:
        engine.dispose()


def test_separate_worker_processes_on_sqlite_are_woken_through_a_named_pipe(
    tracker: Tracker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/boardwatch.db"
    Store.open(url).close()  # migrated before two processes start on it
    cluster = Cluster(_env(tracker, url, tmp_path, workers="0"), tmp_path)
    try:
        web = cluster.serve()  # web only: a separate `boardwatch worker` takes the deliveries
        cluster.worker()
        assert web.url is not None
        _two_deliveries_taken_at_once(web.url, tracker, url)
    finally:
        cluster.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from pg_schema_url()


@pytest.mark.postgres
def test_separate_worker_processes_are_woken_by_listen_notify(
    tracker: Tracker, tmp_path: Path, pg_url: str
) -> None:
    Store.open(pg_url).close()  # migrated before two processes start on it
    cluster = Cluster(_env(tracker, pg_url, tmp_path, workers="0"), tmp_path)
    try:
        web = cluster.serve()  # web only: the deliveries reach the worker through PostgreSQL
        cluster.worker()
        assert web.url is not None
        _two_deliveries_taken_at_once(web.url, tracker, pg_url)
    finally:
        cluster.stop()
