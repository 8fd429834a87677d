"""YAML files read as plain data in tests: YAML 1.2, as GitHub and the service read them."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML


def load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)
