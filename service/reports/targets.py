"""Targets (`rules/targets.yml`): "at least N done items with label L per week or month"."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# The model is the rule format's: a tracker's `.github/boardwatch.yml` may give `targets:` too.
from service.engine.model import Target

FILE_NAME = "targets.yml"


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    targets: list[Target] = Field(default_factory=list)


class TargetsError(ValueError):
    """The targets file is invalid; the message names the file and the field."""


def load_targets(rules_dir: Path) -> list[Target]:
    """The targets in `rules_dir/targets.yml`; none when the file does not exist."""
    path = Path(rules_dir) / FILE_NAME
    if not path.exists():
        return []
    return load_targets_file(path)


def load_targets_file(path: Path) -> list[Target]:
    """The targets in a file named on purpose (`digest --targets`): it must exist."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Targets.model_validate(data).targets
    except OSError as exc:
        raise TargetsError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TargetsError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TargetsError(f"{path}: {where}: {first['msg']}") from None


__all__ = ["FILE_NAME", "Target", "Targets", "TargetsError", "load_targets", "load_targets_file"]
