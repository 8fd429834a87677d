"""`Services`: the long-lived objects of one process, built once from the settings.

A plain container: what is built from it (workers, schedulers) is built in `service.compose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, partial

from service.commands.permissions import PermissionCache
from service.engine.holder import RulesetHolder
from service.gateway.factory import GatewayFactory
from service.redact import Redactor, install
from service.settings import Settings
from service.store import Store, board_versions


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
        factory = self._gateways if self._gateways is not None else GatewayFactory(self.settings)
        if factory.board_version is None:
            # A board's fields are read again in every process once any process records
            # that they changed (a `projects_v2` event).
            factory.board_version = partial(board_versions.version, self.store.engine)
        return factory
