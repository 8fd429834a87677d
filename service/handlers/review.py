"""`boardwatch.review`: a re-evaluation the service scheduled for itself (see `store.reviews`).

Nothing happened on GitHub; time passed (a grace period ended, an item may have turned
stale). The payload only names the issue, so its current state is read from GitHub.
"""

from __future__ import annotations

from typing import Any

from service.gateway.errors import NotFound
from service.handlers.context import evaluate_issue
from service.services import Services
from service.worker import Job, PermanentError


def on_review(services: Services, job: Job) -> dict[str, Any]:
    envelope = job.envelope
    repo, ref = envelope.repo, envelope.issue
    if repo is None or ref is None:
        raise PermanentError("a scheduled review without its repository or issue")
    installation = envelope.installation.id if envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    try:
        issue = gateway.get_issue(repo, ref.number)
    except NotFound:
        return {"skipped": f"{repo}#{ref.number} is gone"}
    # The boards the issue is on now: the same as any event about it.
    return evaluate_issue(
        services, installation, issue, delivery_id=job.delivery.id, source="timer"
    )
