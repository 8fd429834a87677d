"""Scheduled re-evaluations: a delivery boardwatch sends itself for a moment to come.

When a rule's verdict will change with time alone (a grace period ends, an item turns
stale), the evaluation that found the moment stores a delivery of event `boardwatch.review`
in the queue, `scheduled` until that moment. It is durable (a restart keeps it), one per
issue and moment (its id is made of both), and claimed by exactly one worker once due, in
turn with the issue's webhooks (it has their subject). Its payload has the shape of a
webhook's, so the worker reads it like one; the handler re-reads the issue from GitHub.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from service.store.deliveries import DeliveryQueue, NewDelivery, issue_subject

REVIEW_EVENT = "boardwatch.review"
REVIEW_ACTION = "due"


class Review(BaseModel):
    """A re-evaluation of one issue at one moment."""

    model_config = ConfigDict(frozen=True)

    repo: str
    number: int
    node_id: str | None = None
    installation_id: int | None = None
    at: datetime

    @property
    def subject(self) -> str:
        return issue_subject(self.repo, self.number, self.node_id)

    @property
    def due(self) -> datetime:
        """`at` rounded up to the second: never before the moment, and a stable id."""
        return datetime.fromtimestamp(math.ceil(self.at.timestamp()), UTC)

    @property
    def id(self) -> str:
        digest = hashlib.sha256(self.subject.encode()).hexdigest()[:24]
        return f"review-{digest}-{int(self.due.timestamp())}"

    def delivery(self) -> NewDelivery:
        payload = {
            "action": REVIEW_ACTION,
            "repository": {"full_name": self.repo},
            "issue": {"number": self.number, "node_id": self.node_id},
            "installation": (
                {"id": self.installation_id} if self.installation_id is not None else None
            ),
            "review_at": self.due.isoformat(),
        }
        return NewDelivery(
            id=self.id,
            event=REVIEW_EVENT,
            action=REVIEW_ACTION,
            subject=self.subject,
            installation_id=self.installation_id,
            payload=json.dumps(payload),
        )


def plan_review(
    queue: DeliveryQueue, subject: str, review: Review | None, *, now: datetime | None = None
) -> None:
    """Keep the issue's one scheduled re-evaluation at `review` (none when None)."""
    if review is None:
        queue.unschedule(subject, REVIEW_EVENT)
    else:
        queue.schedule(review.delivery(), review.due, now=now)
