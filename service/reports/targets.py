"""Targets (`rules/targets.yml`): the team's metrics, and what the reports check them against.

    version: 1
    metrics:                                   # values arrive by `/metric` and the tracker's CSV
      - {name: emails, unit: emails}
      - {name: traffic, unit: visits, aggregate: last}
    targets:
      - {name: Blog posts, label: "type: blog", at_least: 4, per: month}   # done items
      - {name: Emails, metric: emails, at_least: 30, per: week}            # a metric
      - {name: Spend, sum_field: Cost, at_most: 5000, per: month}          # a board Number field

The file is read like a rule file (`rule_yaml`: YAML 1.2, size, anchors, depth, duplicate
keys bounded) and every error names the file, line, column and field. Its JSON Schema is
`rules/targets.schema.json`, generated from these models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from service.engine.loader import format_path, locate

# The model is the rule format's: a tracker's `.github/boardwatch.yml` may give `targets:` too.
from service.engine.model import Target
from service.engine.rule_yaml import read_yaml

FILE_NAME = "targets.yml"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "rules" / "targets.schema.json"
# More metrics than this make a digest nobody reads; the cap also bounds the charts.
MAX_METRICS = 20
MAX_TARGETS = 50
# Errors listed in one TargetsError; the rest are counted.
MAX_ERRORS = 10

Per = Literal["week", "month"]
# A metric name as written in `/metric NAME 12` and in the CSV's `metric` column.
METRIC_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class Metric(BaseModel):
    """A number the team reports by hand or from another tool (traffic, MQLs, spend)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=METRIC_NAME, description="lower-case letters, digits, - and _")
    # Shown in tables and on chart axes, so no markdown or mermaid punctuation.
    unit: str = Field(default="", max_length=20, pattern=r"^[\w %$€£/.+-]*$")
    aggregate: Literal["sum", "last"] = Field(
        default="sum",
        description="a period's value: sum of its values (counts), or its last value (gauges)",
    )
    description: str = Field(default="", max_length=200)


class _Bounded(BaseModel):
    """A target with either a floor (`at_least`) or a ceiling (`at_most`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="shown in the report", max_length=100)
    at_least: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    at_most: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    per: Per

    @model_validator(mode="after")
    def _one_bound(self) -> _Bounded:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of `at_least` and `at_most`")
        return self

    @property
    def bound(self) -> float:
        return self.at_least if self.at_least is not None else self.at_most or 0.0


class MetricTarget(_Bounded):
    """A metric's value in the window, at least or at most a number."""

    metric: str = Field(pattern=METRIC_NAME, description="a metric declared under `metrics`")


class FieldTarget(_Bounded):
    """The sum of a board Number field over the items done in the window (spend, hours)."""

    sum_field: str = Field(description="a Number field of the board, e.g. Cost")


def _kind(value: Any) -> str | None:
    # What a target counts is named by which of these keys it has.
    if isinstance(value, dict):
        return next((k for k in ("label", "metric", "sum_field") if k in value), None)
    return next((k for k in ("label", "metric", "sum_field") if hasattr(value, k)), None)


AnyTarget = Annotated[
    Annotated[Target, Tag("label")]
    | Annotated[MetricTarget, Tag("metric")]
    | Annotated[FieldTarget, Tag("sum_field")],
    Discriminator(
        _kind,
        custom_error_type="target_kind",
        custom_error_message="a target needs one of `label`, `metric` or `sum_field`",
    ),
]


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    metrics: list[Metric] = Field(default_factory=list, max_length=MAX_METRICS)
    targets: list[AnyTarget] = Field(default_factory=list, max_length=MAX_TARGETS)

    def label_targets(self) -> list[Target]:
        return [t for t in self.targets if isinstance(t, Target)]

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name.casefold()), None)


class TargetsError(ValueError):
    """The targets file is invalid; the message names the file, line and field."""


def load_targets(rules_dir: Path) -> Targets:
    """The targets in `rules_dir/targets.yml`; none when the file does not exist."""
    path = Path(rules_dir) / FILE_NAME
    if not path.exists():
        return Targets()
    return load_targets_file(path)


def load_targets_file(path: Path) -> Targets:
    """The targets in a file named on purpose (`digest --targets`): it must exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise TargetsError(f"{path}: cannot be read: {reason}") from None
    return parse_targets(text, str(path))


def parse_targets(text: str, source: str) -> Targets:
    """Validate a targets file's text; `source` is the name errors carry."""
    read = read_yaml(text)
    if read.problems:
        found = [(p.line, p.column, "", p.message) for p in read.problems]
        raise TargetsError(_joined(source, found))
    data = read.data if read.data is not None else {}
    if not isinstance(data, dict):
        raise TargetsError(f"{source}:1: expected a mapping with `version: 1` and `targets:`")
    try:
        targets = Targets.model_validate(data)
    except ValidationError as exc:
        found = []
        for error in exc.errors():
            where = _untagged(tuple(error["loc"]))
            line, column, _ = locate(read.node, where)
            message = _message(error["type"], error["msg"], where, error["input"])
            found.append((line, column, format_path(where), message))
        raise TargetsError(_joined(source, found)) from None
    problems = []
    loc: tuple[int | str, ...]
    declared = {m.name for m in targets.metrics}
    for index, target in enumerate(targets.targets):
        if isinstance(target, MetricTarget) and target.metric not in declared:
            loc = ("targets", index, "metric")
            line, column, _ = locate(read.node, loc)
            known = ", ".join(sorted(declared)) or "none"
            message = f"no metric `{target.metric}` is declared under `metrics` (declared: {known})"
            problems.append((line, column, format_path(loc), message))
    seen: set[str] = set()
    for index, metric in enumerate(targets.metrics):
        if metric.name in seen:
            loc = ("metrics", index, "name")
            line, column, _ = locate(read.node, loc)
            problems.append((line, column, format_path(loc), f"`{metric.name}` is declared twice"))
        seen.add(metric.name)
    if problems:
        raise TargetsError(_joined(source, problems))
    return targets


def _untagged(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # A discriminated union reports `targets.0.metric.at_least`: the tag is no key of the file.
    if len(loc) >= 3 and loc[0] == "targets" and loc[2] in ("label", "metric", "sum_field"):
        return loc[:2] + loc[3:]
    return loc


_PATTERN_WORDS = {
    "name": "use 1 to 40 lower-case letters, digits, `-` and `_`",
    "metric": "use 1 to 40 lower-case letters, digits, `-` and `_`",
    "unit": "use letters, digits, spaces and % $ € £ / . + - only",
}


def _message(kind: str, text: str, loc: tuple[int | str, ...], given: object) -> str:
    if kind == "string_pattern_mismatch" and loc and str(loc[-1]) in _PATTERN_WORDS:
        return f"{str(given)[:40]!r}: {_PATTERN_WORDS[str(loc[-1])]}"
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown key"
    return text.removeprefix("Value error, ")


def _joined(source: str, problems: Sequence[tuple[int | None, int | None, str, str]]) -> str:
    lines = []
    for line, column, path, message in problems[:MAX_ERRORS]:
        where = source + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        lines.append(f"{where}: {path}: {message}" if path else f"{where}: {message}")
    if len(problems) > MAX_ERRORS:
        lines.append(f"… and {len(problems) - MAX_ERRORS} more")
    return "\n".join(lines)


def render_schema() -> str:
    """The JSON Schema of the targets file (committed as `rules/targets.schema.json`)."""
    schema = Targets.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "boardwatch targets (version 1)"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # .venv/bin/python -m service.reports.targets
    SCHEMA_PATH.write_text(render_schema(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


__all__ = [
    "FILE_NAME",
    "FieldTarget",
    "Metric",
    "MetricTarget",
    "Target",
    "Targets",
    "TargetsError",
    "load_targets",
    "load_targets_file",
    "parse_targets",
]
