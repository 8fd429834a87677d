"""`installation` and `installation_repositories` events: read the rule files of repositories
the App can now see, so a tracker naming a board is served before its first issue event."""

from __future__ import annotations

from typing import Any

from service.handlers.push import refresh
from service.services import Services
from service.worker import Job

# Repositories read per event at most; the others are read on their first event.
MAX_REPOSITORIES = 100


def on_installation_event(services: Services, job: Job) -> dict[str, Any]:
    payload = job.payload
    key = "repositories" if job.delivery.event == "installation" else "repositories_added"
    listed = payload.get(key)
    names = [
        str(r["full_name"])
        for r in (listed if isinstance(listed, list) else [])
        if isinstance(r, dict) and isinstance(r.get("full_name"), str)
    ]
    installation = job.envelope.installation.id if job.envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    boards = {}
    for repo in names[:MAX_REPOSITORIES]:
        row = refresh(services, gateway, repo, installation_id=installation)
        if row.board is not None:
            boards[repo] = row.board
    return {"read": len(names[:MAX_REPOSITORIES]), "trackers": boards}
