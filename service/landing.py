"""`/` for a person: what this service is, what it serves, how its queue is, where to go next.

Also `next_step(settings, address)`: the line `serve` prints on start (the /setup address
without credentials, or the board and tracker it serves).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from service.boards import BoardConfig, boards_from
from service.settings import Settings
from service.setup.manifest import web_url
from service.store import Store, report_posts
from service.store.sql import reading

log = logging.getLogger(__name__)
router = APIRouter()
_templates = Environment(
    loader=PackageLoader("service", "templates"), autoescape=True, undefined=StrictUndefined
)
# The scheduled jobs whose runs are digests (service/schedule.py names them so).
DIGEST_KINDS = ("weekly", "monthly")


@dataclass(frozen=True)
class QueueHealth:
    queued: int
    running: int
    failed: int


@dataclass(frozen=True)
class LandingView:
    """Everything the page shows; built by `landing_view` (pure) from settings and store reads."""

    board: str | None
    tracker: str | None
    tracker_url: str | None
    digests_url: str | None
    dry_run: bool
    credentials: str | None  # "a GitHub App" / "a token"; None: /setup is the next step
    queue: QueueHealth | None  # None: the database did not answer
    last_digest: report_posts.Finished | None
    boards: tuple[BoardLine, ...] = ()  # every board served, the settings' first


@dataclass(frozen=True)
class BoardLine:
    """One served board on the page: its trackers (digests go to the first) and time zone."""

    project: str
    trackers: tuple[tuple[str, str], ...]  # (OWNER/NAME, URL)
    timezone: str
    any_repository: bool


def board_lines(settings: Settings, boards: list[BoardConfig]) -> tuple[BoardLine, ...]:
    web = web_url(settings.github_api_url)
    return tuple(
        BoardLine(
            b.project,
            tuple((t, f"{web}/{t}") for t in b.trackers),
            b.timezone,
            b.any_repository,
        )
        for b in boards
    )


def _credentials(settings: Settings) -> str | None:
    if settings.uses_app:
        return "a GitHub App"
    return "a token" if settings.github_token is not None else None


def landing_view(
    settings: Settings,
    queue: QueueHealth | None,
    last_digest: report_posts.Finished | None,
    boards: list[BoardConfig] | None = None,
) -> LandingView:
    web = web_url(settings.github_api_url)
    repo = settings.repository
    return LandingView(
        board=settings.project,
        tracker=repo,
        tracker_url=f"{web}/{repo}" if repo else None,
        digests_url=f"{web}/{repo}/issues?q=label%3Adigest" if repo else None,
        dry_run=bool(settings.dry_run),
        credentials=_credentials(settings),
        queue=queue,
        last_digest=last_digest,
        boards=board_lines(settings, boards or []),
    )


def next_step(settings: Settings, address: str) -> str:
    """Where a person goes after `serve` started at `address` (http://HOST:PORT)."""
    base = address.rstrip("/")
    if not settings.has_credentials:
        return (
            f"boardwatch starts on {base}/ with no GitHub credentials yet: "
            f"open {base}/setup to create its GitHub App"
        )
    serving = ", ".join(
        part
        for part in (
            f"board {settings.project}" if settings.project else "",
            f"tracker {settings.repository}" if settings.repository else "",
        )
        if part
    )
    mode = " (dry run: changes are recorded, not made)" if settings.dry_run else ""
    what = serving or "no board yet: set BOARDWATCH_PROJECT and BOARDWATCH_REPOSITORY"
    return f"boardwatch starts on {base}/ serving {what}{mode}"


def announce(settings: Settings, host: str, port: int) -> None:
    """Say on stdout and in the log where to go next (called by `serve` before it listens)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    line = next_step(settings, f"http://{shown}:{port}")
    print(line, flush=True)
    log.info(line)


def _read(
    store: Store, settings: Settings
) -> tuple[QueueHealth | None, report_posts.Finished | None, list[BoardConfig]]:
    try:
        counts = store.deliveries.counts()
        with reading(store.engine) as conn:
            last = report_posts.last_finished(conn, DIGEST_KINDS)
        boards = boards_from(settings, store.engine)
    except Exception:
        # The page must still tell a person what this is while the database is away.
        log.warning("landing page: the database did not answer", exc_info=True)
        return None, None, []
    queue = QueueHealth(counts["queued"], counts["running"], counts["failed"])
    return queue, last, boards


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def landing(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    queue, last, boards = await run_in_threadpool(_read, request.app.state.store, settings)
    view = landing_view(settings, queue, last, boards)
    html = _templates.get_template("landing.html.j2").render(view=view, when=_when)
    return HTMLResponse(html)
