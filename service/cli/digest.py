"""`boardwatch digest`: the weekly digest or the monthly review, printed, written or posted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import typer

from service import logs
from service.cli.errors import require_credentials
from service.cli.server import load_settings, starting
from service.gateway.models import Board, BoardItem
from service.gateway.protocol import GitHubGateway
from service.services import Services

# On a large board, a line on stderr each this many items read (a page is 100 items).
PROGRESS_EVERY = 500


class ReadingProgress:
    """The gateway, telling on stderr how far the board's items have been read.

    Only reads of a board beyond PROGRESS_EVERY items print: a small board stays quiet, and
    stdout keeps nothing but the report.
    """

    def __init__(self, inner: GitHubGateway, every: int | None = None) -> None:
        self._inner = inner
        self._every = every or PROGRESS_EVERY

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def list_items(self, board: Board) -> Iterator[BoardItem]:
        count = 0
        for count, item in enumerate(self._inner.list_items(board), start=1):
            if count % self._every == 0:
                typer.echo(
                    f"digest: {count} items read from board {board.owner}/{board.number}", err=True
                )
            yield item
        if count >= self._every:
            typer.echo(f"digest: all {count} items read; building the report", err=True)


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
    require_credentials(settings, "digest")
    services = starting(lambda: Services.from_settings(settings))
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    gateway = services.gateways.for_installation(None)
    reading = cast(GitHubGateway, ReadingProgress(gateway))
    report = starting(lambda: digest_at(services, reading, period.value, moment, template=template))
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
