"""Run `boardwatch` commands in tests: settings from the environment, as people run them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from service.cli.main import app
from service.settings import get_settings


@contextmanager
def environment(
    monkeypatch: pytest.MonkeyPatch, values: Mapping[str, str | None]
) -> Iterator[None]:
    """Set these variables (None or "": remove) for the commands run inside the block."""
    for key, value in values.items():
        if value:
            monkeypatch.setenv(key, value)
        else:
            monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()  # the CLI reads settings once per process
    try:
        yield
    finally:
        get_settings.cache_clear()


def invoke(*args: str) -> str:
    """Run `boardwatch ARGS`; its output, after checking it succeeded."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output
