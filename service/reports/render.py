"""Render a Summary as GitHub-flavoured markdown (Jinja2, with mermaid charts) or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined

from service.reports.kpis import MetricRow, MetricTargetResult, line_chart, number
from service.reports.summary import Row, Summary, TargetResult

# GitHub refuses issue bodies over 65,536 characters; keep a margin for edits.
MAX_BODY = 65_000
LIST_LIMITS = (50, 25, 10, 5, 2, 0)


def _days(value: float | None) -> str:
    if value is None:
        return "— (no history yet)"
    return f"{value:g} d"


def _due(days: float | None) -> str:
    if days is None:
        return "no date"
    return f"{-days:g} d overdue" if days < 0 else f"in {days:g} d"


def _bar(target: TargetResult) -> str:
    filled = min(10, round(10 * target.done / target.required))
    return "`" + "█" * filled + "░" * (10 - filled) + "`"


def _change(row: MetricRow) -> str:
    if row.change is None:
        return "—"
    sign = "+" if row.change > 0 else ("−" if row.change < 0 else "±")
    text = sign + number(abs(row.change))
    if row.change_share is not None:
        text += f" ({sign}{abs(row.change_share) * 100:.0f}%)"
    return text


def _metric_target(t: MetricTargetResult) -> str:
    mark = "❔" if t.met is None else ("✅" if t.met else "❌")
    bound = "at least" if t.bound == "at_least" else "at most"
    unit = f" {t.unit}" if t.unit else ""
    line = f"{mark} **{t.name}** ({t.what}, {bound} {number(t.limit)}{unit} per {t.per}, "
    line += f"{t.window}): {number(t.value)} / {number(t.limit)}"
    if t.value is not None and t.limit:
        filled = min(10, round(10 * t.value / t.limit))
        line += " `" + "█" * filled + "░" * (10 - filled) + "`"
    return line + (f" — {t.note}" if t.note else "")


def _environment(template: Path | None) -> Environment:
    loader = (
        FileSystemLoader(str(template.parent))
        if template is not None
        else PackageLoader("service.reports", "templates")
    )
    env = Environment(
        loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )
    env.filters["mention"] = lambda login: login if login.startswith("(") else f"@{login}"
    env.filters["days"] = _days
    env.filters["bar"] = _bar
    env.filters["number"] = number
    env.filters["change"] = _change
    env.filters["metric_target"] = _metric_target
    env.filters["line_chart"] = line_chart
    env.filters["e"] = lambda text: str(text).replace("|", "\\|").replace("<", "&lt;")
    return env


def _details() -> dict[str, Any]:
    def days(r: Row) -> str:
        return f" · {r.days:g} d" if r.days is not None else " · since before history"

    return {
        "status_detail": days,
        "blocked_detail": lambda r: f" · {r.note or 'no reason given'}{days(r)}",
        "deadline_detail": lambda r: f" · due {r.when} ({_due(r.days)})",
        "due_detail": lambda r: f" · due {r.when}",
        "late_detail": lambda r: f" · due {r.when}, {r.days:g} d late",
        "age_detail": lambda r: f" · waiting {r.days:g} d",
        "rules_detail": lambda r: f" · {r.note}",
    }


def render_markdown(
    summary: Summary, title: str, period_text: str, *, template: Path | None = None
) -> str:
    """The report; long lists are cut (with a link to the board) until it fits in an issue."""
    env = _environment(template)
    chosen = env.get_template(template.name if template else "digest.md.j2")
    text = ""
    for limit in LIST_LIMITS:
        text = chosen.render(
            s=summary, title=title, period_text=period_text, limit=limit, **_details()
        )
        if len(text) <= MAX_BODY:
            return text
    return text[: MAX_BODY - 80] + "\n\n… (cut: the report is too long for one issue)\n"


def render_json(summary: Summary) -> str:
    return summary.model_dump_json(indent=2)
