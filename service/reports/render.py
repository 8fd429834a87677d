"""Render a Summary as GitHub-flavoured markdown (Jinja2, with mermaid charts) or JSON.

Everything people typed goes through `escape.inline` (the `e` filter), and people's names
are printed without `@`: a digest notifies nobody, unless `mention` is on, and then only the
owners of items that need attention.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, PackageLoader, StrictUndefined

from service.reports.escape import chart_label, inline
from service.reports.forecast import CONFIDENCE, Chance, Finish
from service.reports.kpis import MetricRow, MetricTargetResult, line_chart, number
from service.reports.launches import Launch
from service.reports.rows import Row
from service.reports.summary import Summary, TargetResult

# GitHub refuses issue bodies over 65,536 characters; keep a margin for edits.
MAX_BODY = 65_000
LIST_LIMITS = (50, 25, 10, 5, 2, 0)


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} d"


def _due(days: float | None) -> str:
    if days is None:
        return "no date"
    return f"{-days:g} d overdue" if days < 0 else f"in {days:g} d"


def _bar(target: TargetResult) -> str:
    filled = min(10, round(10 * target.done / target.required))
    return "`" + "█" * filled + "░" * (10 - filled) + "`"


def _weeks(weeks: int) -> str:
    return f"{weeks} week{'' if weeks == 1 else 's'} of pace"


def _finish(forecast: Finish | None) -> str:
    if forecast is None:
        return ""
    if forecast.by is None:
        return f" · no forecast: {forecast.why_not}"
    return f" · done by {forecast.by} ({CONFIDENCE}% likely, {_weeks(forecast.weeks)})"


def _launch(launch: Launch) -> str:
    """The launch's line after its issue: progress, due date, forecast, risks."""
    if launch.total is None:
        progress = " · no steps listed (sub-issues or a task list)"
    else:
        progress = f" · {launch.done} of {launch.total} steps done ({launch.steps_from})"
    due = (
        " · no due date" if launch.due is None else f" · due {launch.due} ({_due(launch.row.days)})"
    )
    risk = f" · ⚠️ at risk: {'; '.join(launch.risks)}" if launch.at_risk else ""
    return progress + due + _finish(launch.forecast) + risk


def _chance(chance: Chance) -> str:
    if chance.chance is None:
        return f"no forecast: {chance.why_not}"
    return f"{round(chance.chance * 100)}% chance to make it ({_weeks(chance.weeks)})"


def _url(address: object) -> str:
    """An address as a Markdown link target: characters that would end it are encoded."""
    return quote(str(address), safe=":/?&=#%@+,;~!$'*-._")


def _hours(value: float | None) -> str:
    return "no estimate" if value is None else f"est. {value:g} h"


def _is_login(name: str) -> bool:
    """A GitHub login (letters, digits, hyphens): only such a name is ever mentioned."""
    return (
        bool(name)
        and name[0] != "-"
        and all(c.isascii() and (c.isalnum() or c == "-") for c in name)
    )


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
    line = f"{mark} **{inline(t.name)}** ({inline(t.what)}, {bound} {number(t.limit)}{unit} "
    line += f"per {t.per}, "
    line += f"{t.window}): {number(t.value)} / {number(t.limit)}"
    if t.value is not None and t.limit:
        filled = min(10, round(10 * t.value / t.limit))
        line += " `" + "█" * filled + "░" * (10 - filled) + "`"
    return line + (f" — {inline(t.note)}" if t.note else "")


def _environment(template: Path | None, mention: bool) -> Environment:
    loader = (
        FileSystemLoader(str(template.parent))
        if template is not None
        else PackageLoader("service.reports", "templates")
    )
    env = Environment(
        loader=loader, undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )

    def notify(login: str) -> str:
        wanted = mention and _is_login(login)
        return f"@{login}" if wanted else inline(login)

    env.filters["e"] = inline
    env.filters["name"] = inline  # a person, named without notifying them
    env.filters["notify"] = notify  # a person who must act: mentioned when `mention` is on
    env.filters["chart"] = chart_label
    env.filters["url"] = _url
    env.filters["days"] = _days
    env.filters["bar"] = _bar
    env.filters["chance"] = _chance
    env.filters["number"] = number
    env.filters["change"] = _change
    env.filters["metric_target"] = _metric_target
    env.filters["line_chart"] = line_chart
    return env


def _details() -> dict[str, Any]:
    def days(r: Row) -> str:
        return f" · {r.days:g} d" if r.days is not None else " · since before history"

    def plan(r: Row) -> str:
        due = f"target {r.target_date}" if r.target_date else "no target date"
        return f" · {_hours(r.estimate_hours)}, {due}"

    def asked(r: Row) -> str:
        who = f"asked by {inline(r.author)}" if r.author else "asker unknown"
        kind = inline(r.type) if r.type else "no type"
        return f" · {who} · {kind} · waiting {r.days:g} d"

    return {
        "status_detail": lambda r: f"{days(r)}{plan(r)}",
        "blocked_detail": lambda r: f" · {inline(r.note or 'no reason given')}{days(r)}",
        "stale_detail": lambda r: f" · no activity for {r.days:g} d" if r.days is not None else "",
        "deadline_detail": lambda r: f" · due {r.when} ({_due(r.days)})",
        "due_detail": lambda r: f" · due {r.when}",
        "late_detail": lambda r: f" · due {r.when}, {r.days:g} d late",
        "age_detail": asked,
        "needs_detail": lambda r: " · needs: " + " ".join(inline(n) for n in r.needs),
        "launch_detail": _launch,
    }


def render_markdown(
    summary: Summary,
    title: str,
    period_text: str,
    *,
    template: Path | None = None,
    mention: bool = False,
) -> str:
    """The report; long lists are cut (with a link to the board) until it fits in an issue.
    `mention`: @-mention the owners of items that need attention (nobody else, ever)."""
    env = _environment(template, mention)
    chosen = env.get_template(template.name if template else "digest.md.j2")
    text = ""
    for limit in LIST_LIMITS:
        text = chosen.render(
            s=summary,
            title=title,
            period_text=period_text,
            limit=limit,
            mention=mention,
            **_details(),
        )
        if len(text) <= MAX_BODY:
            return text
    return text[: MAX_BODY - 80] + "\n\n… (cut: the report is too long for one issue)\n"


def render_json(summary: Summary) -> str:
    return summary.model_dump_json(indent=2)
