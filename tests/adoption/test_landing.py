"""`/` tells a person what this is and where to go; `/docs` works without internet."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from service.landing import next_step
from service.store import NewDelivery, Store, report_posts
from tests.support.apps import make_app, make_settings, subject_recorder


def page(store: Store, **settings: object) -> str:
    registry, _ = subject_recorder()
    with TestClient(make_app(store, registry, **settings)) as client:
        answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_without_credentials_it_sends_a_person_to_setup(sqlite_store: Store) -> None:
    html = page(sqlite_store)
    assert 'href="/setup"' in html and 'href="/docs"' in html
    text = text_of(html)
    assert "No GitHub credentials are configured yet" in text
    assert "none yet: set BOARDWATCH_PROJECT" in text
    assert "dry run" in text


def test_it_names_the_board_tracker_queue_and_last_digest(sqlite_store: Store) -> None:
    queue = sqlite_store.deliveries
    queue.add(NewDelivery(id="d0", event="issues", subject="issue:x#0", payload="{}"))
    claimed = queue.claim("worker", 60)
    assert claimed is not None
    queue.finish(claimed, "worker", "failed", error="boom")
    for n in (1, 2):
        queue.add(NewDelivery(id=f"d{n}", event="issues", subject=f"issue:x#{n}", payload="{}"))
    with sqlite_store.engine.begin() as conn:
        report_posts.claim(conn, "weekly", "2026-W47", "test")
        report_posts.finish(conn, "weekly", "2026-W47", None)
        report_posts.claim(conn, "reconcile", "2026-11-23T10", "test")
        report_posts.finish(conn, "reconcile", "2026-11-23T10", None)
    html = page(
        sqlite_store,
        GITHUB_TOKEN="t",
        BOARDWATCH_PROJECT="acme/1",
        BOARDWATCH_REPOSITORY="acme/tracker",
        BOARDWATCH_DRY_RUN=False,
    )
    text = text_of(html)
    assert "Board acme/1" in text and "Tracker acme/tracker" in text
    assert 'href="https://github.com/acme/tracker"' in html
    assert "connected with a token" in text and "live: changes are made" in text
    assert "2 queued, 0 running" in text and "1 failed" in text
    assert "The weekly report for 2026-W47, posted" in text
    assert "No GitHub credentials" not in text


def test_what_people_configure_is_escaped(sqlite_store: Store) -> None:
    html = page(sqlite_store, GITHUB_API_URL='https://ghe.example/api/v3"><script>x()</script>')
    assert "<script>x()" not in html


def test_docs_work_offline(sqlite_store: Store) -> None:
    registry, _ = subject_recorder()
    with TestClient(make_app(sqlite_store, registry)) as client:
        docs = client.get("/docs")
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+\.(?:js|css))['"]""", docs.text)
        answers = {asset: client.get(asset) for asset in assets}
    assert docs.status_code == 200 and len(assets) >= 2
    assert all(asset.startswith("/") for asset in assets), assets  # nothing from a CDN
    assert all(a.status_code == 200 and len(a.content) > 1000 for a in answers.values())


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({}, "no GitHub credentials yet: open http://127.0.0.1:8000/setup to create"),
        (
            {"GITHUB_TOKEN": "t", "BOARDWATCH_PROJECT": "acme/1", "BOARDWATCH_REPOSITORY": "a/b"},
            "serving board acme/1, tracker a/b (dry run",
        ),
        (
            {"GITHUB_TOKEN": "t", "BOARDWATCH_DRY_RUN": False},
            "serving no board yet: set BOARDWATCH_PROJECT",
        ),
    ],
)
def test_serve_says_where_to_go_next(values: dict[str, object], says: str) -> None:
    line = next_step(make_settings(**values), "http://127.0.0.1:8000")
    assert says in line and "\n" not in line


def test_it_lists_every_board_it_serves(sqlite_store: Store) -> None:
    from service.store import repo_rules
    from service.store.repo_rules import RepoRules

    text = "version: 1\nboard: acme/2\ntimezone: Europe/Berlin\n"
    repo_rules.put(
        sqlite_store.engine,
        RepoRules(repo="acme/web", source=text, good_source=text, board="acme/2"),
    )
    text = text_of(page(sqlite_store, BOARDWATCH_PROJECT="acme/1", BOARDWATCH_REPOSITORY="acme/t"))
    assert "acme/1 : trackers acme/t (digests); time zone UTC" in text
    assert "acme/2 : trackers acme/web (digests); time zone Europe/Berlin" in text
