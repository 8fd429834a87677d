"""Gateways pointed at the fake GitHub, with waits that do not sleep."""

from __future__ import annotations

from typing import Any

from service.gateway.factory import GatewayFactory
from service.settings import Settings
from tests.fakegithub import FakeGitHub


def settings_for(gh: FakeGitHub, **extra: Any) -> Settings:
    values: dict[str, Any] = {**gh.env(), "BOARDWATCH_RULES_DIR": "rules", **extra}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def factory_for(gh: FakeGitHub, slept: list[float] | None = None, **extra: Any) -> GatewayFactory:
    naps = slept if slept is not None else []
    return GatewayFactory(settings_for(gh, **extra), sleep=naps.append)
