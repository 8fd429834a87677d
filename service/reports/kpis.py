"""The team's metrics in a report (pure): each metric's value for the period, the previous
period and the change, metric and board-field targets met or missed, and the last periods'
series with a mermaid line chart of them.

A metric's value for a period is the sum of the values dated in it (`aggregate: sum`, the
default: emails sent, sign-ups), or the latest value dated in it (`aggregate: last`: a gauge
such as a follower count; of one day's values the one given last). No value in a period is
"no value", not 0. A `sum_field` target sums a board Number field over the items done in
the window (Status Done, not cancelled), as label targets count them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel

from service.domain.models import BoardItem
from service.reports.periods import Period, containing
from service.reports.targets import FieldTarget, Metric, MetricTarget
from service.store.metrics import MetricValue

CHART_PERIODS = 8


@dataclass(frozen=True)
class MetricsInput:
    """What the reports know of the team's metrics: the declared ones, the targets on them,
    the stored values, and the problems met reading them (bad CSV rows)."""

    metrics: Sequence[Metric] = ()
    targets: Sequence[MetricTarget | FieldTarget] = ()
    values: Sequence[MetricValue] = ()
    problems: Sequence[str] = field(default_factory=tuple)


class MetricRow(BaseModel):
    name: str
    unit: str
    aggregate: Literal["sum", "last"]
    value: float | None
    previous: float | None
    change: float | None
    change_share: float | None  # change / previous; None when previous is 0 or unknown
    series: dict[str, float | None]  # period label -> value, the last periods, oldest first
    target: float | None = None  # the level of a target on it per period of the report


class MetricTargetResult(BaseModel):
    name: str
    what: str  # "emails" or "sum of Cost"
    unit: str
    per: str
    bound: Literal["at_least", "at_most"]
    limit: float  # the bound, scaled to the window when it is longer than `per`
    value: float | None
    met: bool | None  # None: nothing to judge (no value in the window)
    window: str
    note: str | None = None  # why it cannot be judged


class MetricsReport(BaseModel):
    metrics: list[MetricRow]
    targets: list[MetricTargetResult]
    problems: list[str]

    def charted(self) -> list[MetricRow]:
        """The metrics with a value in at least one of the charted periods."""
        return [m for m in self.metrics if any(v is not None for v in m.series.values())]


def period_value(values: Sequence[MetricValue], metric: Metric, window: Period) -> float | None:
    """The metric's value in `window`: the sum of its values, or the latest one."""
    chosen = [v for v in values if v.metric == metric.name and window.contains(v.day)]
    if not chosen:
        return None
    if metric.aggregate == "last":
        return sorted(chosen, key=lambda v: v.day)[-1].value  # stable: of a day, the last given
    return _clean(sum(v.value for v in chosen))


def target_window(per: Literal["week", "month"], period: Period) -> tuple[Period, Fraction]:
    """Where a target is checked in a report of `period`, and how its bound scales there.

    The period itself when it is as long as `per`; a weekly target in a monthly review keeps
    its pace over the month's days; a monthly target in a weekly digest is checked on the
    month so far (to the end of the reviewed week), against the whole month's bound.
    """
    if per == period.kind:
        return period, Fraction(1)
    if per == "week":
        # Exact: a count of items required over 28 days is 4 weeks' worth, not 4.000001.
        return period, Fraction((period.end - period.start).days, 7)
    month = containing("month", period.end - timedelta(microseconds=1))
    return Period("month", month.start, min(month.end, period.end)), Fraction(1)


def last_periods(period: Period, count: int = CHART_PERIODS) -> list[Period]:
    """The `count` periods of the report's kind ending with `period`, oldest first."""
    found = [period]
    while len(found) < count:
        found.append(found[-1].previous())
    return found[::-1]


def _clean(value: float) -> float:
    # Sums of decimals drift (0.1 + 0.2); six places is what a value may be given with.
    return round(value, 6)


def _field_sum(
    target: FieldTarget, window: Period, done: Sequence[tuple[BoardItem, datetime]]
) -> tuple[float, int]:
    total, counted = 0.0, 0
    for item, at in done:
        value = item.value(target.sum_field)
        if window.contains(at) and isinstance(value, int | float) and not isinstance(value, bool):
            total += float(value)
            counted += 1
    return _clean(total), counted


def metrics_report(
    given: MetricsInput,
    *,
    period: Period,
    done: Sequence[tuple[BoardItem, datetime]] = (),
) -> MetricsReport:
    """The metrics section of a report of `period`; `done` are the items done and when."""
    periods = last_periods(period)
    rows = []
    for metric in given.metrics:
        series = {p.label: period_value(given.values, metric, p) for p in periods}
        value = series[period.label]
        previous = series[periods[-2].label]
        change = _clean(value - previous) if value is not None and previous is not None else None
        share = round(change / previous, 4) if change is not None and previous else None
        level = next(
            (
                t.bound
                for t in given.targets
                if isinstance(t, MetricTarget) and t.metric == metric.name and t.per == period.kind
            ),
            None,
        )
        rows.append(
            MetricRow(
                name=metric.name,
                unit=metric.unit,
                aggregate=metric.aggregate,
                value=value,
                previous=previous,
                change=change,
                change_share=share,
                series=series,
                target=level,
            )
        )
    units = {m.name: m.unit for m in given.metrics}
    results = []
    for target in given.targets:
        window, scale = target_window(target.per, period)
        limit = _clean(float(target.bound * scale))
        note = None
        if isinstance(target, MetricTarget):
            spec = next(m for m in given.metrics if m.name == target.metric)
            value = period_value(given.values, spec, window)
            what, unit = target.metric, units.get(target.metric, "")
            if value is None:
                note = f"no value of `{target.metric}` in {window.label}"
        else:
            total, counted = _field_sum(target, window, done)
            what, unit = f"sum of {target.sum_field}", ""
            # Without a single number the field may not even exist: nothing to judge.
            value = total if counted else None
            if not counted:
                note = f"no item done in {window.label} has a number in `{target.sum_field}`"
        if target.at_least is not None and limit != int(limit):
            limit = float(math.ceil(limit))  # "at least 128.6 emails" means 129
        results.append(
            MetricTargetResult(
                name=target.name,
                what=what,
                unit=unit,
                per=target.per,
                bound="at_least" if target.at_least is not None else "at_most",
                limit=limit,
                value=value,
                met=None if value is None else _met(target, value, limit),
                window=window.label,
                note=note,
            )
        )
    return MetricsReport(metrics=rows, targets=results, problems=list(given.problems))


def _met(target: MetricTarget | FieldTarget, value: float, limit: float) -> bool:
    return value >= limit if target.at_least is not None else value <= limit


def number(value: float | None) -> str:
    """A value as a report shows it: 1,234 or 1,234.5; — for none."""
    if value is None:
        return "—"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _plain(value: float) -> str:
    # Mermaid reads plain decimals only (no 1e+06, no thousands separators).
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def line_chart(row: MetricRow, kind: str) -> str:
    """A mermaid `xychart-beta` line chart of the row's series (and its target's level).

    A period without values is 0 for a summed metric; a gauge keeps its last value.
    """
    points: list[float] = []
    for value in row.series.values():
        if value is None:
            value = points[-1] if row.aggregate == "last" and points else 0.0
        points.append(value)
    labels = ", ".join(f'"{label[5:] if kind == "week" else label}"' for label in row.series)
    axis = row.unit or row.name
    lines = [
        "xychart-beta",
        f'    title "{row.name} per {kind}"',
        f"    x-axis [{labels}]",
        f'    y-axis "{axis}"',
        f"    line [{', '.join(_plain(p) for p in points)}]",
    ]
    if row.target is not None:
        lines.append(f"    line [{', '.join(_plain(row.target) for _ in points)}]")
    return "\n".join(lines)
