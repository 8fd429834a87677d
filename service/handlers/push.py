"""`push` events: re-read a repository's `.github/boardwatch.yml` and its metrics CSV
(`.github/boardwatch-metrics.csv`) when a push changes them.

`refresh` is also how a repository's rules are read the first time. The store keeps the
text last seen (with why it was refused) apart from the last text that loaded, so an
invalid push never replaces good rules, on any replica, across restarts.
"""

from __future__ import annotations

import logging
from typing import Any

from service.engine.loader import REPO_RULES_PATH, render_errors
from service.gateway.protocol import GitHubGateway
from service.reports.metrics_csv import METRICS_CSV_PATH, refresh_metrics
from service.reports.targets import TargetsError, load_targets
from service.services import Services
from service.store import repo_rules
from service.store.repo_rules import RepoRules
from service.worker import Job

log = logging.getLogger(__name__)


def touches(commits: list[dict[str, Any]], path: str) -> bool:
    return any(
        path in (c.get(kind) or []) for c in commits for kind in ("added", "modified", "removed")
    )


def touches_rules(commits: list[dict[str, Any]]) -> bool:
    return touches(commits, REPO_RULES_PATH)


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
    commits = envelope.commits or []
    rules, metrics = touches_rules(commits), touches(commits, METRICS_CSV_PATH)
    if not rules and not metrics:
        return {"skipped": f"{REPO_RULES_PATH} unchanged"}
    installation = envelope.installation.id if envelope.installation else None
    gateway = services.gateways.for_installation(installation)
    outcome: dict[str, Any] = {}
    if rules:
        row = refresh(
            services, gateway, repo, ref=payload.get("after"), installation_id=installation
        )
        if row.source is None:
            outcome.update(rules="removed", applies=row.applies)
        elif row.error is not None:
            outcome.update(rules="invalid", errors=row.error.splitlines(), applies=row.applies)
        else:
            outcome.update(rules="reloaded", applies=row.applies)
            if row.board is not None:
                outcome["board"] = row.board
    if metrics:
        outcome["metrics"] = _read_metrics(services, gateway, repo, payload)
    return outcome


def _read_metrics(
    services: Services, gateway: GitHubGateway, repo: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Store the values of the pushed metrics CSV; bad rows are reported with their line."""
    try:
        declared = [m.name for m in load_targets(services.settings.rules_dir).metrics]
    except TargetsError as exc:
        log.error("INVALID TARGETS: %s", exc)
        return {"read": 0, "errors": [f"the targets file is invalid: {exc}"]}
    pusher = (payload.get("pusher") or {}).get("name") or (payload.get("sender") or {}).get("login")
    read = refresh_metrics(
        services.store.engine, gateway, repo, declared, ref=payload.get("after"), actor=pusher
    )
    return {"read": len(read.values), "errors": read.lines()}
