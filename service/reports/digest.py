"""Build and post the digest: read the board and the history, summarise, render, post once.

The weekly digest issue is `Weekly digest · YYYY-Www` (the week of posting) and reviews the
last complete week; the monthly review is `Monthly review · YYYY-MM` for the month reviewed.
Posting is idempotent: this period's issue is updated in place, never created twice, and
older open digests of the same kind are closed with a link to the new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from service.boards import BoardConfig, board_named, board_ruleset
from service.domain.models import BoardItem, Issue
from service.gateway.protocol import GitHubGateway
from service.reports.history_source import History, from_store
from service.reports.periods import Kind, Period, containing, reported, title
from service.reports.render import render_markdown
from service.reports.summary import Summary, build_summary
from service.reports.targets import load_targets, load_targets_file
from service.services import Services
from service.settings import SettingsError
from service.store import notes
from service.store.history import HistoryEntry

log = logging.getLogger(__name__)

LABEL = "digest"
LABEL_COLOR = "0052cc"
PREFIX: dict[Kind, str] = {"week": "Weekly digest · ", "month": "Monthly review · "}


@dataclass
class Digest:
    title: str
    period: Period
    summary: Summary
    markdown: str
    issue_number: int | None = None
    action: str = "none"  # created | updated | unchanged


def _need(services: Services, board: BoardConfig | None) -> tuple[BoardConfig, str]:
    """The board to report on (None: the settings' board) and the tracker its digest goes to."""
    if board is None:
        settings = services.settings
        if settings.project is None or settings.repository is None:
            raise SettingsError(
                "digests need BOARDWATCH_PROJECT (ORG/NUMBER) and BOARDWATCH_REPOSITORY "
                "(OWNER/NAME), or `--board` naming a board a tracker's .github/boardwatch.yml names"
            )
        board = board_named(services, settings.project)
        assert board is not None  # the settings' board is always configured
    if board.tracker is None:
        raise SettingsError(f"board {board.project} has no tracker repository to post digests in")
    return board, board.tracker


def _of_board(entries: list[HistoryEntry], items: list[BoardItem]) -> list[HistoryEntry]:
    """The history of this board's items: an issue on another board too has a Status there."""
    ids = {item.id for item in items}
    return [e for e in entries if e.item_id is None or e.item_id in ids]


def build_digest(
    services: Services,
    gateway: GitHubGateway,
    kind: Kind,
    *,
    period: Period,
    digest_title: str,
    now: datetime,
    template: Path | None = None,
    history: History | None = None,
    targets: Path | None = None,
    board_config: BoardConfig | None = None,
) -> Digest:
    """`history`: where status history comes from (default: the store); `targets`: a targets
    file replacing the ruleset's; `board_config`: the board (default: the settings' board)."""
    config, _ = _need(services, board_config)
    board = gateway.get_board(config.project)
    items = list(gateway.list_items(board))
    engine = services.store.engine
    ruleset = board_ruleset(services, config)
    history = history or from_store(engine)
    summary = build_summary(
        items,
        _of_board(history.entries, items),
        period=period,
        now=now,
        ruleset=ruleset,
        targets=(
            load_targets_file(targets)
            if targets is not None
            else list(config.targets)
            if config.targets is not None
            else load_targets(services.settings.rules_dir)
        ),
        notes=notes.notes_with_key(engine, notes.BLOCKED_REASON),
        board_url=board.url,
        history_missing=history.missing,
    )
    markdown = render_markdown(summary, digest_title, period.describe(), template=template)
    return Digest(digest_title, period, summary, markdown)


def digest_at(
    services: Services,
    gateway: GitHubGateway,
    kind: Kind,
    at: datetime,
    *,
    template: Path | None = None,
    history: History | None = None,
    targets: Path | None = None,
    board_config: BoardConfig | None = None,
) -> Digest:
    """The report a digest made at `at` would contain (periods in the board's time zone)."""
    config, _ = _need(services, board_config)
    tz = config.timezone
    return build_digest(
        services,
        gateway,
        kind,
        period=reported(kind, at, tz),
        digest_title=title(kind, at, tz),
        now=at,
        template=template,
        history=history,
        targets=targets,
        board_config=config,
    )


def post_digest(gateway: GitHubGateway, repo: str, digest: Digest) -> Digest:
    """Create or update this period's digest issue; close older open ones of the same kind."""
    prefix = PREFIX[digest.period.kind]
    gateway.ensure_label(repo, LABEL, LABEL_COLOR, "Status digest written by boardwatch")
    existing = gateway.list_issues(repo, state="all", labels=[LABEL])
    mine = next((i for i in existing if i.title == digest.title), None)
    if mine is None:
        mine = gateway.create_issue(repo, digest.title, digest.markdown, labels=[LABEL])
        digest.action = "created"
    elif mine.body.strip() != digest.markdown.strip():
        gateway.update_issue(repo, mine.number, body=digest.markdown)
        digest.action = "updated"
    else:
        digest.action = "unchanged"
    digest.issue_number = mine.number
    for older in existing:
        if older.title.startswith(prefix) and older.state == "open" and older.number != mine.number:
            gateway.create_comment(
                repo, older.number, f"Superseded by #{mine.number} ({digest.title})."
            )
            gateway.set_state(repo, older.number, "closed", reason="completed")
    return digest


def scheduled_digest(
    services: Services, kind: Kind, at: datetime, board: BoardConfig | None = None
) -> Digest:
    """What `serve` runs on `board`'s digest schedules (None: the settings' board)."""
    config, repo = _need(services, board)
    gateway = services.gateways.for_installation(config.installation_id)
    digest = post_digest(gateway, repo, digest_at(services, gateway, kind, at, board_config=config))
    log.info("%s posted as #%s (%s)", digest.title, digest.issue_number, digest.action)
    return digest


def regenerate_digest(
    services: Services, gateway: GitHubGateway, issue: Issue, board: BoardConfig | None = None
) -> str:
    """`/digest` in a digest issue of `board`'s tracker: rebuild the report its title names."""
    config, repo = _need(services, board)
    kind = next((k for k, p in PREFIX.items() if issue.title.startswith(p)), None)
    if kind is None:
        raise ValueError(f"`{issue.title}` is not a digest title")
    label = issue.title.removeprefix(PREFIX[kind])
    tz = ZoneInfo(config.timezone)
    if kind == "week":
        posted_week = datetime.strptime(label + "-1", "%G-W%V-%u").replace(tzinfo=tz)
        period = containing("week", posted_week).previous()
    else:
        period = containing("month", datetime.strptime(label, "%Y-%m").replace(tzinfo=tz))
    now = datetime.now(UTC)
    digest = build_digest(
        services,
        gateway,
        kind,
        period=period,
        digest_title=issue.title,
        now=now,
        board_config=config,
    )
    post_digest(gateway, repo, digest)
    return f"{issue.title} regenerated ({digest.action})"


__all__ = ["Digest", "digest_at", "post_digest", "regenerate_digest", "scheduled_digest"]
