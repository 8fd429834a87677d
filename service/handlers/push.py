"""`push` events: re-read a repository's `.github/boardwatch.yml` when a push changes it."""

from __future__ import annotations

from typing import Any

from service.engine.loader import REPO_RULES_PATH, load_override
from service.services import Services
from service.store import repo_rules
from service.store.repo_rules import RepoRules
from service.worker import Job


def touches_rules(commits: list[dict[str, Any]]) -> bool:
    return any(
        REPO_RULES_PATH in (c.get(kind) or [])
        for c in commits
        for kind in ("added", "modified", "removed")
    )


def on_push(services: Services, job: Job) -> dict[str, Any]:
    envelope, payload = job.envelope, job.payload
    repo = envelope.repo
    default = (payload.get("repository") or {}).get("default_branch")
    if repo is None or envelope.ref != f"refs/heads/{default}":
        return {"skipped": "not a push to the default branch"}
    if not touches_rules(envelope.commits or []):
        return {"skipped": f"{REPO_RULES_PATH} unchanged"}
    gateway = services.gateways.for_installation(
        envelope.installation.id if envelope.installation else None
    )
    text = gateway.get_file(repo, REPO_RULES_PATH, ref=payload.get("after"))
    error = None
    if text is not None:
        result = load_override(services.rules.ruleset, text, f"{repo}:{REPO_RULES_PATH}")
        if not result.ok:
            error = "\n".join(str(e) for e in result.errors)
    repo_rules.put(
        services.store.engine,
        RepoRules(repo=repo, source=text, sha=payload.get("after"), error=error),
    )
    # An invalid file is kept for the record; `for_repository` keeps the last good rules.
    services.rules.for_repository(repo, text)
    return {"rules": "removed" if text is None else ("invalid" if error else "reloaded")}
