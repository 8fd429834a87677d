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
from service.cli.server import fail, load_settings, starting
from service.domain.models import Board, BoardItem
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


class HistoryOption(StrEnum):
    auto = "auto"
    store = "store"
    service = "service"


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
        None,
        envvar="BOARDWATCH_DIGEST_AT",
        help="Report as if it were this moment (UTC unless an offset is given).",
    ),
    history: HistoryOption = typer.Option(
        HistoryOption.auto,
        help="Where time in status comes from: store (this database), service "
        "(GET BOARDWATCH_HISTORY_URL with BOARDWATCH_REPORT_TOKEN), auto (service when "
        "BOARDWATCH_HISTORY_URL is set).",
    ),
    targets: Path | None = typer.Option(
        None, help="A targets file replacing BOARDWATCH_RULES_DIR/targets.yml."
    ),
    mention: bool | None = typer.Option(
        None,
        "--mention/--no-mention",
        help="@-mention the owners of items that need attention (nobody else); "
        "default: BOARDWATCH_DIGEST_MENTION (off).",
    ),
    board: str | None = typer.Option(
        None,
        "--board",
        help="ORG/NUMBER of a board a tracker's .github/boardwatch.yml names "
        "(default: BOARDWATCH_PROJECT).",
    ),
) -> None:
    """Summarise the board: done, in progress, blocked, deadlines, KPIs and targets."""
    from service.boards import board_named, configured_boards
    from service.reports.digest import digest_at, post_digest
    from service.reports.history_source import from_service
    from service.reports.render import render_json
    from service.reports.targets import TargetsError

    settings = load_settings()
    logs.configure("WARNING")
    require_credentials(settings, "digest")
    services = starting(lambda: Services.from_settings(settings))
    config = None
    if board is not None:
        config = board_named(services, board)
        if config is None:
            known = ", ".join(b.project for b in configured_boards(services)) or "none"
            raise fail(f"--board {board}: not a board this service serves (served: {known})")
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    gateway = services.gateways.for_installation(config.installation_id if config else None)
    source = None
    if history is HistoryOption.service or (
        history is HistoryOption.auto and settings.history_url is not None
    ):
        token = settings.report_token.get_secret_value() if settings.report_token else None
        source = from_service(settings.history_url, token)
        if source.missing is not None:
            typer.echo(f"boardwatch: warning: no status history: {source.missing}", err=True)
    try:
        report = starting(
            lambda: digest_at(
                services,
                cast(GitHubGateway, ReadingProgress(gateway)),
                period.value,
                moment,
                template=template,
                history=source,
                targets=targets,
                mention=mention,
                board_config=config,
            )
        )
    except TargetsError as exc:
        raise fail(str(exc)) from None
    text = render_json(report.summary) if format is FormatOption.json else report.markdown
    if step_summary is not None:
        with step_summary.open("a", encoding="utf-8") as out:
            out.write(report.markdown + "\n")
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    if post:
        tracker = config.tracker if config is not None else settings.repository
        assert tracker is not None  # digest_at checked it
        posted = post_digest(gateway, tracker, report)
        typer.echo(f"{report.title}: issue #{posted.issue_number} {posted.action}", err=True)
    if output is None and step_summary is None and not post:
        typer.echo(text)


def register(app: typer.Typer) -> None:
    app.command()(digest)
