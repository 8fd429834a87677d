"""Build the service for tests: settings, services on a test store, a chosen handler registry."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service.app import create_app
from service.engine.holder import RulesetHolder
from service.services import Services
from service.settings import Settings
from service.store import Store
from service.worker import HandlerRegistry, Job
from tests.support.webhooks import SECRET

RULES_DIR = "rules"


def make_settings(**values: Any) -> Settings:
    """Settings from keyword values only (env var names), never from this machine's env."""
    base: dict[str, Any] = {
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOARDWATCH_DRY_RUN": True,
        "BOARDWATCH_WORKERS": 0,
        "BOARDWATCH_RULES_DIR": RULES_DIR,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


def make_services(settings: Settings, store: Store, **extra: Any) -> Services:
    return Services(
        settings=settings, store=store, rules=RulesetHolder.load(settings.rules_dir), **extra
    )


def subject_recorder(events: tuple[str, ...] = ("issues", "issue_comment", "projects_v2_item")):
    """A registry whose handlers record the parsed subject (for intake and queue tests)."""
    registry = HandlerRegistry()
    seen: list[Job] = []

    def record(job: Job) -> dict[str, Any]:
        seen.append(job)
        return {"subject": job.delivery.subject}

    for event in events:
        registry.add(event, record)
    return registry, seen


def make_app(store: Store, registry: HandlerRegistry, **settings: Any) -> FastAPI:
    config = make_settings(**settings)
    return create_app(
        config,
        services=make_services(config, store),
        registry=registry,
        start_worker=False,
    )
