"""`Services`: the long-lived objects of one process, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from service.commands.permissions import PermissionCache
from service.engine.holder import RulesetHolder
from service.redact import Redactor, install
from service.settings import Settings
from service.store import Store

if TYPE_CHECKING:
    from service.gateway.factory import GatewayFactory
    from service.schedule import Scheduler
    from service.worker import HandlerRegistry, Worker
    from service.worker.runner import Beacon


@dataclass
class Services:
    settings: Settings
    store: Store
    rules: RulesetHolder
    _gateways: GatewayFactory | None = field(default=None, repr=False)
    # (repo, label) pairs known to exist, so each label is ensured once per process.
    ensured_labels: set[tuple[str, str]] = field(default_factory=set, repr=False)
    # Commenters' repository permissions, looked up at most once a minute each.
    permissions: PermissionCache = field(default_factory=PermissionCache, repr=False)

    def __post_init__(self) -> None:
        # Every secret of these settings is masked in this process's logs, errors and writes.
        install(Redactor.from_settings(self.settings))

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        """Load the rules (raises `RulesError` when invalid) and open the database."""
        rules = RulesetHolder.load(settings.rules_dir)
        return cls(settings=settings, store=Store.open(settings.database_url), rules=rules)

    @cached_property
    def gateways(self) -> GatewayFactory:
        if self._gateways is not None:
            return self._gateways
        from service.gateway.factory import GatewayFactory

        return GatewayFactory(self.settings)

    def worker(
        self, registry: HandlerRegistry, *, name: str | None = None, beacon: Beacon | None = None
    ) -> Worker:
        from service.worker import Worker

        s = self.settings
        return Worker(
            self.store.deliveries,
            registry,
            lease_seconds=s.lease_seconds,
            max_attempts=s.max_attempts,
            retry_base_seconds=s.retry_base_seconds,
            poll_seconds=s.poll_seconds,
            bot_login=self.gateways.bot_login,
            name=name,
            budget_seconds=s.evaluation_seconds,
            beacon=beacon,
        )

    def scheduler(self) -> Scheduler | None:
        """The scheduled jobs (reconcile sweep, digests) when a board is configured."""
        from service.schedule import build_scheduler

        return build_scheduler(self)
