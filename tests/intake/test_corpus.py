"""Every real payload example is accepted over real HTTP, parsed, stored and processed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from service.intake.events import Envelope, Routing, subject_of
from service.store import Store
from service.worker import Worker
from tests.support.apps import make_app, subject_recorder
from tests.support.live import serving
from tests.support.webhooks import corpus_event, corpus_files, headers

FILES = corpus_files()


def test_the_corpus_is_there() -> None:
    # 84 octokit examples + 5 projects_v2 + extra variants: a missing folder must not pass.
    assert len(FILES) >= 90, f"webhook corpus not found or incomplete: {len(FILES)} files"


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_parses(path: Path) -> None:
    body = path.read_bytes()
    routing = Routing.model_validate_json(body)  # what intake reads
    envelope = Envelope.model_validate_json(body)  # what the worker reads
    subject = subject_of(corpus_event(path), routing)
    assert subject and ":" in subject
    assert routing.action == envelope.action
    # The issue intake names is the issue the handlers are given.
    subject_issue = routing.subject_issue
    if envelope.issue is None:
        assert subject_issue is None
    else:
        assert subject_issue is not None
        assert (subject_issue.number, subject_issue.node_id) == (
            envelope.issue.number,
            envelope.issue.node_id,
        )


def test_every_example_is_accepted_stored_and_processed(store: Store) -> None:
    registry, seen = subject_recorder()
    app = make_app(store, registry)
    answers: dict[str, int] = {}
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        for i, path in enumerate(FILES):
            body = path.read_bytes()
            event = corpus_event(path)
            answer = client.post(
                "/webhook", content=body, headers=headers(body, event, delivery=f"c-{i}")
            )
            answers[f"{event}/{path.name}"] = answer.status_code
            expected = 200 if event == "ping" else 202
            assert answer.status_code == expected, (path, answer.text)
    stored = [f for f in FILES if corpus_event(f) != "ping"]
    counts = store.deliveries.counts()
    assert counts["queued"] + counts["ignored"] == len(stored)
    handled = sum(1 for f in stored if corpus_event(f) in {"issues", "issue_comment"}) + sum(
        1 for f in stored if corpus_event(f) == "projects_v2_item"
    )
    assert counts["queued"] == handled

    worker = Worker(store.deliveries, registry, retry_base_seconds=0)
    assert worker.run_until_idle() == handled
    counts = store.deliveries.counts()
    assert counts["done"] == handled and counts["failed"] == 0 and counts["queued"] == 0
    assert {job.delivery.subject for job in seen} == {
        store.deliveries.get(job.delivery.id).subject for job in seen
    }
    closed_2017 = next(j for j in seen if j.payload.get("issue", {}).get("node_id") is None)
    assert closed_2017.delivery.subject.startswith("issue:")
