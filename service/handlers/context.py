"""From a job to a `Pipeline`: the installation's gateway, the repository's rules, the board."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from service.commands.intents import DeclaredMetrics
from service.domain.models import Issue
from service.engine.model import Ruleset
from service.gateway.protocol import GitHubGateway
from service.handlers.push import refresh
from service.pipeline import Pipeline
from service.reports.digest import regenerate_digest
from service.reports.targets import TargetsError, load_targets
from service.services import Services
from service.store import repo_rules

log = logging.getLogger(__name__)


def is_tracker(services: Services, repo: str | None) -> bool:
    """Rules apply to the tracker repository (every repository when none is configured)."""
    wanted = services.settings.repository
    return repo is not None and (wanted is None or wanted.casefold() == repo.casefold())


def rules_for(services: Services, gateway: GitHubGateway, repo: str) -> Ruleset:
    """The default rules, overridden by the repository's own file when it has one."""
    known = repo_rules.get(services.store.engine, repo)
    if known is None:
        known = refresh(services, gateway, repo)
    # The last rules that loaded, from the store: the same on every replica and after restarts.
    return services.rules.for_repository(repo, known.good_source)


def pipeline_for(
    services: Services,
    installation_id: int | None,
    repo: str | None,
    *,
    delivery_id: str | None = None,
    now: datetime | None = None,
    read_only: bool = False,
) -> Pipeline:
    gateway = services.gateways.for_installation(installation_id)
    ruleset = rules_for(services, gateway, repo) if repo else services.rules.ruleset
    project = services.settings.project
    return Pipeline(
        gateway=gateway,
        engine=services.store.engine,
        ruleset=ruleset,
        board=gateway.get_board(project) if project else None,
        bot_login=services.gateways.bot_login(installation_id),
        now=now or datetime.now(UTC),
        permissions=services.permissions,
        delivery_id=delivery_id,
        ensured_labels=services.ensured_labels,
        regenerate_digest=digest_regenerator(services, gateway),
        read_only=read_only,
        declared_metrics=lambda: declared_metrics(services),
        timezone=services.settings.timezone,
        installation_id=installation_id,
    )


def declared_metrics(services: Services) -> DeclaredMetrics:
    """The metrics of the targets file, read now (an edit applies to the next `/metric`)."""
    try:
        targets = load_targets(services.settings.rules_dir)
    except TargetsError as exc:
        log.error("INVALID TARGETS: %s", exc)
        return DeclaredMetrics(problem=str(exc).splitlines()[0])
    return DeclaredMetrics(units={m.name: m.unit for m in targets.metrics})


def digest_regenerator(services: Services, gateway: GitHubGateway) -> Callable[[Issue], str] | None:
    """What `/digest` calls in a digest issue; None when no board or tracker is configured."""
    settings = services.settings
    if settings.project is None or settings.repository is None:
        return None

    def regenerate(issue: Issue) -> str:
        return regenerate_digest(services, gateway, issue)

    return regenerate
