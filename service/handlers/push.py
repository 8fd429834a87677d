"""`push` events: re-read a repository's `.github/boardwatch.yml` when a push changes it.

`refresh` is also how a repository's rules are read the first time. The store keeps the
text last seen (with why it was refused) apart from the last text that loaded, so an
invalid push never replaces good rules, on any replica, across restarts.
"""

from __future__ import annotations

import logging
from typing import Any

from service.engine.loader import REPO_RULES_PATH, render_errors
from service.gateway.protocol import GitHubGateway
from service.services import Services
from service.store import repo_rules
from service.store.repo_rules import RepoRules
from service.worker import Job

log = logging.getLogger(__name__)


def touches_rules(commits: list[dict[str, Any]]) -> bool:
    return any(
        REPO_RULES_PATH in (c.get(kind) or [])
        for c in commits
        for kind in ("added", "modified", "removed")
    )


def refresh(
    services: Services,
    gateway: GitHubGateway,
    repo: str,
    *,
    ref: str | None = None,
    installation_id: int | None = None,
) -> RepoRules:
    """Read `repo`'s rule file (at `ref`), check it over the defaults, and store the result.

    A good file that says `board: ORG/NUMBER` makes `repo` a tracker of that board;
    `installation_id` (the installation that sees `repo`) is kept for the board's jobs.
    """
    engine = services.store.engine
    text = gateway.get_file(repo, REPO_RULES_PATH, ref=ref)
    if text is None:  # no file: the defaults apply
        row = RepoRules(repo=repo, source=None, sha=ref, installation_id=installation_id)
    else:
        result = services.rules.check_repository(repo, text)
        if result.ok and result.ruleset is not None:
            row = RepoRules(
                repo=repo,
                source=text,
                sha=ref,
                good_source=text,
                good_sha=ref,
                board=result.ruleset.board.project,
                installation_id=installation_id,
            )
        else:
            known = repo_rules.get(engine, repo)
            error = render_errors(result.errors)
            row = RepoRules(
                repo=repo,
                source=text,
                sha=ref,
                error=error,
                good_source=known.good_source if known else None,
                good_sha=known.good_sha if known else None,
                board=known.board if known else None,
                installation_id=installation_id,
            )
            log.error(
                "INVALID RULES in %s:%s at %s; %s apply until it is fixed:\n%s",
                repo,
                REPO_RULES_PATH,
                ref or "the default branch",
                row.applies,
                error,
            )
    repo_rules.put(engine, row)
    return row


def on_push(services: Services, job: Job) -> dict[str, Any]:
    envelope, payload = job.envelope, job.payload
    repo = envelope.repo
    default = (payload.get("repository") or {}).get("default_branch")
    if repo is None or envelope.ref != f"refs/heads/{default}":
        return {"skipped": "not a push to the default branch"}
    if not touches_rules(envelope.commits or []):
        return {"skipped": f"{REPO_RULES_PATH} unchanged"}
    installation = envelope.installation.id if envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    row = refresh(services, gateway, repo, ref=payload.get("after"), installation_id=installation)
    if row.source is None:
        return {"rules": "removed", "applies": row.applies}
    if row.error is not None:
        return {"rules": "invalid", "errors": row.error.splitlines(), "applies": row.applies}
    if row.board is not None:
        return {"rules": "reloaded", "applies": row.applies, "board": row.board}
    return {"rules": "reloaded", "applies": row.applies}
