"""The team's metrics: the targets file, the CSV, the KPI math (tables) and the rendered section."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from service.domain.models import BoardItem, Issue
from service.engine.holder import RulesetHolder
from service.reports.kpis import (
    MetricsInput,
    last_periods,
    line_chart,
    metrics_report,
    number,
    period_value,
    target_window,
)
from service.reports.metrics_csv import MAX_CSV_BYTES, parse_metrics_csv
from service.reports.periods import containing
from service.reports.render import render_markdown
from service.reports.summary import build_summary
from service.reports.targets import (
    SCHEMA_PATH,
    FieldTarget,
    Metric,
    MetricTarget,
    TargetsError,
    load_targets,
    parse_targets,
    render_schema,
)
from service.store.metrics import MetricValue

W47 = containing("week", datetime(2026, 11, 18, tzinfo=UTC))  # Nov 16 - Nov 22
NOV = containing("month", datetime(2026, 11, 10, tzinfo=UTC))
EMAILS = Metric(name="emails", unit="emails")
FOLLOWERS = Metric(name="followers", unit="followers", aggregate="last")


def value(metric: str, day: int, amount: float, month: int = 11, at: int = 0) -> MetricValue:
    return MetricValue(
        metric=metric,
        day=date(2026, month, day),
        value=amount,
        source="command",
        origin="here",
        recorded_at=datetime(2026, 12, 1, at, tzinfo=UTC),
    )


VALUES = [
    value("emails", 9, 10),  # W46
    value("emails", 15, 99),  # Sunday of W46
    value("emails", 16, 12),  # W47 from here
    value("emails", 20, 5.5),
    value("emails", 22, 0.1),
    value("followers", 10, 400),
    value("followers", 17, 420, at=2),
    value("followers", 17, 410, at=1),  # same day, given earlier: not the last
    value("followers", 18, 415),
    value("other", 18, 1_000),
]


@pytest.mark.parametrize(
    ("metric", "window", "expected"),
    [
        (EMAILS, W47, 17.6),  # 12 + 5.5 + 0.1, without float drift
        (EMAILS, W47.previous(), 109),
        (EMAILS, W47.previous().previous(), None),  # nothing given: no value, not 0
        (EMAILS, NOV, 126.6),
        (FOLLOWERS, W47, 415),  # the latest day's value
        (FOLLOWERS, W47.previous(), 400),
        (FOLLOWERS, NOV, 415),
    ],
)
def test_period_value(metric: Metric, window, expected: float | None) -> None:
    assert period_value(VALUES, metric, window) == expected


def test_the_last_value_of_a_day_is_the_one_given_last() -> None:
    ordered = sorted(VALUES, key=lambda v: (v.day, v.recorded_at))
    day = containing("week", datetime(2026, 11, 17, tzinfo=UTC))
    only = [v for v in ordered if v.day == date(2026, 11, 17)]
    assert period_value(only, FOLLOWERS, day) == 420


@pytest.mark.parametrize(
    ("per", "period", "window", "scale"),
    [
        ("week", W47, "2026-W47", 1),
        ("month", NOV, "2026-11", 1),
        ("week", NOV, "2026-11", Fraction(30, 7)),  # the weekly pace over November's 30 days
        ("month", W47, "2026-11", 1),  # the month so far
    ],
)
def test_target_window(per, period, window: str, scale: Fraction) -> None:
    found, factor = target_window(per, period)
    assert (found.label, factor) == (window, scale)
    if per == "month" and period.kind == "week":
        assert found.end == W47.end  # to the end of the reviewed week, not the month's end


def test_last_periods_end_with_the_reviewed_one() -> None:
    labels = [p.label for p in last_periods(W47)]
    assert labels == [f"2026-W{n}" for n in range(40, 48)]
    assert [p.label for p in last_periods(NOV, 3)] == ["2026-09", "2026-10", "2026-11"]


def done_item(number: int, cost: float | None) -> BoardItem:
    issue = Issue(repo="acme/tracker", number=number, title=f"Item {number}")
    fields = {"Status": "Done", **({"Cost": cost} if cost is not None else {})}
    return BoardItem(id=f"PVTI_{number}", issue=issue, fields=fields)


DONE = [
    (done_item(1, 1200), datetime(2026, 11, 3, tzinfo=UTC)),
    (done_item(2, 3000.5), datetime(2026, 11, 18, tzinfo=UTC)),
    (done_item(3, None), datetime(2026, 11, 19, tzinfo=UTC)),
    (done_item(4, 900), datetime(2026, 10, 30, tzinfo=UTC)),  # October: not counted
]


@pytest.mark.parametrize(
    ("target", "period", "limit", "got", "met"),
    [
        (MetricTarget(name="E", metric="emails", at_least=30, per="week"), W47, 30, 17.6, False),
        (MetricTarget(name="E", metric="emails", at_least=15, per="week"), W47, 15, 17.6, True),
        # a weekly target in a monthly review: ⌈15 × 30 / 7⌉ = 65
        (MetricTarget(name="E", metric="emails", at_least=15, per="week"), NOV, 65, 126.6, True),
        (MetricTarget(name="E", metric="emails", at_most=100, per="month"), W47, 100, 126.6, False),
        (MetricTarget(name="F", metric="followers", at_least=400, per="week"), W47, 400, 415, True),
        # no value in the window: nothing to judge
        (
            MetricTarget(name="F", metric="followers", at_least=1, per="week"),
            W47.previous().previous(),
            1,
            None,
            None,
        ),
        (
            FieldTarget(name="S", sum_field="Cost", at_most=5000, per="month"),
            NOV,
            5000,
            4200.5,
            True,
        ),
        (
            FieldTarget(name="S", sum_field="Cost", at_most=4000, per="month"),
            W47,
            4000,
            4200.5,
            False,
        ),
        (
            FieldTarget(name="S", sum_field="cost", at_least=3000, per="week"),
            W47,
            3000,
            3000.5,
            True,
        ),
        (FieldTarget(name="S", sum_field="Budget", at_most=10, per="week"), W47, 10, None, None),
    ],
)
def test_targets_met_or_missed(target, period, limit: float, got, met) -> None:
    given = MetricsInput(metrics=[EMAILS, FOLLOWERS], targets=[target], values=VALUES)
    [result] = metrics_report(given, period=period, done=DONE).targets
    assert (result.limit, result.value, result.met) == (limit, got, met)
    assert (result.note is None) == (met is not None)


def test_each_metric_with_the_previous_period_and_the_change() -> None:
    target = MetricTarget(name="E", metric="emails", at_least=30, per="week")
    given = MetricsInput(metrics=[EMAILS, FOLLOWERS], targets=[target], values=VALUES)
    emails, followers = metrics_report(given, period=W47).metrics
    assert (emails.value, emails.previous, emails.change, emails.change_share) == (
        17.6,
        109,
        -91.4,
        -0.8385,
    )
    assert emails.target == 30
    assert list(emails.series.values()) == [None] * 6 + [109, 17.6]
    assert (followers.value, followers.previous, followers.change) == (415, 400, 15)
    assert followers.target is None


def test_the_line_chart_of_the_last_eight_periods() -> None:
    target = MetricTarget(name="E", metric="emails", at_least=30, per="week")
    given = MetricsInput(metrics=[EMAILS, FOLLOWERS], targets=[target], values=VALUES)
    emails, followers = metrics_report(given, period=W47).metrics
    assert line_chart(emails, "week") == (
        "xychart-beta\n"
        '    title "emails per week"\n'
        '    x-axis ["W40", "W41", "W42", "W43", "W44", "W45", "W46", "W47"]\n'
        '    y-axis "emails"\n'
        "    line [0, 0, 0, 0, 0, 0, 109, 17.6]\n"
        "    line [30, 30, 30, 30, 30, 30, 30, 30]"
    )
    # a gauge keeps its last value through a period without one
    gauge = followers.model_copy(update={"series": {"2026-W45": 400.0, "2026-W46": None}})
    assert "    line [400, 400]" in line_chart(gauge, "week")


@pytest.mark.parametrize(
    ("raw", "shown"), [(None, "—"), (12.0, "12"), (1234.5, "1,234.5"), (0.125, "0.12"), (-3, "-3")]
)
def test_number(raw, shown: str) -> None:
    assert number(raw) == shown


def test_the_rendered_kpi_section() -> None:
    ruleset = RulesetHolder.load("rules").ruleset
    item, _ = DONE[1]
    summary = build_summary(
        [item],
        [],
        period=W47,
        now=datetime(2026, 11, 23, 8, tzinfo=UTC),
        ruleset=ruleset,
        metrics=MetricsInput(
            metrics=[EMAILS, FOLLOWERS],
            targets=[
                MetricTarget(name="Emails", metric="emails", at_least=30, per="week"),
                FieldTarget(name="Spend", sum_field="Cost", at_most=5000, per="month"),
            ],
            values=VALUES,
            problems=[".github/boardwatch-metrics.csv:3: `x` is not a date YYYY-MM-DD"],
        ),
    )
    text = render_markdown(summary, "Weekly digest · 2026-W48", W47.describe())
    kpis = text[text.index("## 📊 KPIs") : text.index("## 🚧 In progress")]
    assert "| metric | 2026-W47 | previous | change |\n| --- | ---: | ---: | ---: |\n" in kpis
    assert "| emails | 17.6 | 109 | −91.4 (−84%) |" in kpis
    assert "| followers | 415 | 400 | +15 (+4%) |" in kpis
    # the problem names what a person wrote, escaped like every other text of theirs
    assert "> - .github/boardwatch-metrics.csv:3: \\`x\\` is not a date YYYY-MM-DD" in kpis
    assert (
        "- ❌ **Emails** (emails, at least 30 emails per week, 2026-W47): 17.6 / 30 `██████░░░░`"
    ) in kpis
    # the item is Done but was never seen finishing (no history, not closed): no done time
    assert "- ❔ **Spend** (sum of Cost, at most 5,000 per month, 2026-11): — / 5,000" in kpis
    charts = text[text.index("## 📈 Charts") :]
    assert '```mermaid\nxychart-beta\n    title "emails per week"\n' in charts
    assert '    title "followers per week"' in charts


def test_a_report_without_metrics_has_no_metric_table() -> None:
    ruleset = RulesetHolder.load("rules").ruleset
    summary = build_summary(
        [], [], period=W47, now=datetime(2026, 11, 23, tzinfo=UTC), ruleset=ruleset
    )
    assert summary.metrics is None
    assert "| metric |" not in render_markdown(summary, "t", "p")


# -- the CSV ----------------------------------------------------------------------------------

CSV = (
    "date,metric,value\n"
    "2026-11-16,emails,12\n"
    "2026-11-1x,emails,3\n"
    "2026-11-17,Traffic,5120.5\n"
    "\n"
    "2026-11-18,nope,1\n"
    "2026-11-18,emails,nan\n"
    '"2026-11-19","emails","1e3"\n'
    "2026-11-20,emails,-2\n"
)


def test_csv_rows_are_read_and_bad_ones_reported_with_their_line() -> None:
    read = parse_metrics_csv(CSV, {"emails", "traffic"}, origin="f@abc", actor="lead")
    assert [(v.line, v.metric, v.day.isoformat(), v.value) for v in read.values] == [
        (2, "emails", "2026-11-16", 12),
        (4, "traffic", "2026-11-17", 5120.5),
        (9, "emails", "2026-11-20", -2),
    ]
    assert {(v.origin, v.actor, v.source) for v in read.values} == {("f@abc", "lead", "csv")}
    assert read.lines() == [
        ".github/boardwatch-metrics.csv:3: `2026-11-1x` is not a date YYYY-MM-DD; "
        "the row is skipped",
        ".github/boardwatch-metrics.csv:6: `nope` is not a declared metric (emails, traffic); "
        "the row is skipped",
        ".github/boardwatch-metrics.csv:7: `nan` is not a plain number such as 12 or 1234.5; "
        "the row is skipped",
        ".github/boardwatch-metrics.csv:8: `1e3` is not a plain number such as 12 or 1234.5; "
        "the row is skipped",
    ]
    assert not read.refused


@pytest.mark.parametrize(
    ("text", "problem", "refused"),
    [
        ("metric,value\nemails,3\n", ":1: the first line must be the header", True),
        ("x" * (MAX_CSV_BYTES + 1), "bytes; it may have at most", True),
        ('date,metric,value\n2026-11-16,emails,"3\n', ":2: not valid CSV", False),
        ("value,metric,date,source\n3,emails,2026-11-16,hubspot\n", "", False),
        ("\ufeffdate,metric,value\n2026-11-16,emails,3\n", "", False),
    ],
)
def test_csv_files_that_cannot_be_read(text: str, problem: str, refused: bool) -> None:
    read = parse_metrics_csv(text, {"emails"}, origin="f")
    if problem:
        assert problem in read.lines()[0]
    else:
        assert read.lines() == [] and [v.value for v in read.values] == [3]
    assert read.refused is refused


def test_csv_problems_are_capped() -> None:
    text = "date,metric,value\n" + "bad,emails,1\n" * 100
    read = parse_metrics_csv(text, {"emails"}, origin="f")
    assert len(read.problems) == 20 and read.lines()[-1] == "… and 80 more"


# -- the targets file -------------------------------------------------------------------------


def test_the_shipped_targets_load_and_match_the_committed_schema() -> None:
    shipped = load_targets(Path("rules"))
    assert [m.name for m in shipped.metrics] == ["emails", "traffic", "mqls", "signups"]
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "rules/targets.schema.json is stale: .venv/bin/python -m service.reports.targets"
    )
    assert "sum_field" in json.dumps(json.loads(render_schema()))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "targets:\n  - {name: x, per: week}\n",
            "t.yml:2:5: targets[0]: a target needs one of `label`, `metric` or `sum_field`",
        ),
        (
            "metrics:\n  - {name: a}\ntargets:\n  - {name: x, metric: b, at_least: 3, per: week}\n",
            "t.yml:4:15: targets[0].metric: no metric `b` is declared under `metrics` "
            "(declared: a)",
        ),
        (
            "targets:\n  - {name: x, sum_field: Cost, per: week}\n",
            "t.yml:2:5: targets[0]: give exactly one of `at_least` and `at_most`",
        ),
        (
            "targets:\n  - name: x\n    sum_field: Cost\n    at_most: 3\n    per: week\n"
            "    bogus: 1\n",
            "t.yml:6:5: targets[0].bogus: unknown key",
        ),
        (
            "metrics:\n  - {name: Emails}\n",
            "t.yml:2:6: metrics[0].name: 'Emails': use 1 to 40 lower-case letters",
        ),
        (
            "metrics:\n  - {name: a}\n  - {name: a}\n",
            "t.yml:3:6: metrics[1].name: `a` is declared twice",
        ),
        (
            "metrics:\n  - {name: a, unit: '<b>'}\n",
            "t.yml:2:15: metrics[0].unit: '<b>': use letters, digits",
        ),
        ("a: &x 1\nb: *x\n", "t.yml:1:4: YAML anchors and aliases"),
        ("targets: [1, 2\n", "t.yml:2:1: invalid YAML"),
    ],
)
def test_targets_file_errors_name_the_line_and_field(text: str, error: str) -> None:
    with pytest.raises(TargetsError) as refused:
        parse_targets(text, "t.yml")
    assert str(refused.value).startswith(error), str(refused.value)
