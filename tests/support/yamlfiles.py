"""YAML files read as plain data in tests, with the service's own YAML 1.2 reader."""

from __future__ import annotations

from typing import Any

from service.engine.rule_yaml import read_yaml


def load_yaml(text: str) -> Any:
    read = read_yaml(text)
    assert not read.problems, read.problems
    return read.data
