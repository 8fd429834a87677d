"""Scheduled re-evaluations in the queue: one per issue, durable, claimed once when due."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from service.store import Store
from service.store.deliveries import utcnow
from service.store.reviews import REVIEW_EVENT, Review, plan_review

SUBJECT = "issue:I_1"


def review(at: datetime, **kw: object) -> Review:
    return Review.model_validate(
        {"repo": "acme/tracker", "number": 1, "node_id": "I_1", "at": at, **kw}
    )


def scheduled(store: Store) -> list[tuple[str, datetime]]:
    return [(d.id, d.available_at) for d in store.deliveries.list(status="scheduled")]


def test_a_review_waits_until_its_moment_then_one_worker_claims_it(store: Store) -> None:
    # Far enough ahead that a stalled fsync on a busy disk cannot carry the first claim past
    # it (with 1 s, a CI run once claimed it early).
    soon = utcnow() + timedelta(seconds=3)
    plan_review(store.deliveries, SUBJECT, review(soon))
    [(found, due)] = scheduled(store)
    assert due >= soon and due - soon < timedelta(seconds=1)  # rounded up to the second
    assert store.deliveries.claim("w1", 30) is None  # not before its moment
    assert store.deliveries.counts()["scheduled"] == 1
    assert store.deliveries.pending() == 0  # a plan, not work waiting

    deadline = utcnow() + timedelta(seconds=10)
    claimed = None
    while claimed is None and utcnow() < deadline:
        time.sleep(0.05)
        claimed = store.deliveries.claim("w1", 30)
    assert claimed is not None and claimed.id == found and claimed.event == REVIEW_EVENT
    assert claimed.subject == SUBJECT and claimed.status == "running"
    assert store.deliveries.claim("w2", 30) is None


def test_the_same_issue_and_moment_is_stored_once(store: Store) -> None:
    at = utcnow() + timedelta(hours=1)
    for _ in range(3):
        plan_review(store.deliveries, SUBJECT, review(at))
    assert len(scheduled(store)) == 1


def test_a_new_moment_replaces_the_issues_scheduled_one(store: Store) -> None:
    later, sooner = utcnow() + timedelta(days=7), utcnow() + timedelta(minutes=30)
    plan_review(store.deliveries, SUBJECT, review(later))
    plan_review(store.deliveries, "issue:I_2", review(later, number=2, node_id="I_2"))
    plan_review(store.deliveries, SUBJECT, review(sooner))
    by_subject = {d.subject: d.available_at for d in store.deliveries.list(status="scheduled")}
    assert by_subject == {
        SUBJECT: review(sooner).due,
        "issue:I_2": review(later).due,  # another issue's is left alone
    }
    # Back to an earlier moment, then none at all: the freshest evaluation decides.
    plan_review(store.deliveries, SUBJECT, review(later))
    assert {d.subject: d.id for d in store.deliveries.list(status="scheduled")}[SUBJECT] == review(
        later
    ).id
    plan_review(store.deliveries, SUBJECT, None)
    assert [d.subject for d in store.deliveries.list(status="scheduled")] == ["issue:I_2"]


def test_a_review_survives_a_restart(database_url: str) -> None:
    first = Store.open(database_url)
    at = datetime.now(UTC) + timedelta(minutes=5)
    plan_review(first.deliveries, SUBJECT, review(at))
    first.close()
    second = Store.open(database_url)
    try:
        assert scheduled(second) == [(review(at).id, review(at).due)]
    finally:
        second.close()
