"""`boardwatch digest`: the weekly digest or the monthly review, printed, written or posted."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer

from service import logs
from service.cli.server import load_settings, starting
from service.services import Services


class PeriodOption(StrEnum):
    week = "week"
    month = "month"


class FormatOption(StrEnum):
    markdown = "markdown"
    json = "json"


def digest(
    period: PeriodOption = typer.Option(PeriodOption.week, help="week: digest; month: review."),
    post: bool = typer.Option(False, "--post", help="Create or update the digest issue."),
    step_summary: Path | None = typer.Option(
        None, help="Also write the markdown here (the Action passes $GITHUB_STEP_SUMMARY)."
    ),
    output: Path | None = typer.Option(None, help="Write the report to this file."),
    format: FormatOption = typer.Option(FormatOption.markdown, help="markdown or json."),
    template: Path | None = typer.Option(None, help="A Jinja2 template replacing the layout."),
    at: datetime | None = typer.Option(
        None, help="Report as if it were this moment (UTC unless an offset is given)."
    ),
) -> None:
    """Summarise the board: done, in progress, blocked, deadlines, KPIs and targets."""
    from service.reports.digest import digest_at, post_digest
    from service.reports.render import render_json

    settings = load_settings()
    logs.configure("WARNING")
    services = starting(lambda: Services.from_settings(settings))
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    gateway = services.gateways.for_installation(None)
    report = starting(lambda: digest_at(services, gateway, period.value, moment, template=template))
    text = render_json(report.summary) if format is FormatOption.json else report.markdown
    if step_summary is not None:
        with step_summary.open("a", encoding="utf-8") as out:
            out.write(report.markdown + "\n")
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    if post:
        assert settings.repository is not None  # digest_at checked it
        posted = post_digest(gateway, settings.repository, report)
        typer.echo(f"{report.title}: issue #{posted.issue_number} {posted.action}", err=True)
    if output is None and step_summary is None and not post:
        typer.echo(text)


def register(app: typer.Typer) -> None:
    app.command()(digest)
