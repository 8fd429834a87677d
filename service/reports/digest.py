"""Build and post the digest: read the board and the history, summarise, render, post once.

The weekly digest issue is `Weekly digest · YYYY-Www` for the week reviewed (the last complete
week); the monthly review is `Monthly review · YYYY-MM` for the month reviewed.
Posting is idempotent: this period's issue is updated in place, never created twice, and
older open digests of the same kind are closed with a link to the new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.boards import BoardConfig, board_named, board_ruleset
from service.domain.models import Issue
from service.gateway.errors import GitHubError
from service.gateway.protocol import GitHubGateway
from service.pipeline.subject import NOTE_COMMENTS
from service.reports.history_source import History, from_store
from service.reports.kpis import CHART_PERIODS, MetricsInput
from service.reports.metrics_csv import METRICS_CSV_PATH, refresh_metrics
from service.reports.periods import TITLE_PREFIX, Kind, Period, period_of, reported, title
from service.reports.render import render_markdown
from service.reports.summary import Summary, build_summary
from service.reports.targets import Target, Targets, load_targets, load_targets_file
from service.services import Services
from service.settings import SettingsError
from service.store import metrics as metric_values
from service.store import notes

log = logging.getLogger(__name__)

LABEL = "digest"


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
    mention: bool | None = None,
    board_config: BoardConfig | None = None,
) -> Digest:
    """`history`: where status history comes from (default: the store); `targets`: a targets
    file replacing the ruleset's; `mention`: @-mention the owners of items that need
    attention (default: BOARDWATCH_DIGEST_MENTION); `board_config`: the board (default: the
    settings' board)."""
    config, repo = _need(services, board_config)
    board = gateway.get_board(config.project)
    engine = services.store.engine
    ruleset = board_ruleset(services, config)
    history = history or from_store(engine)
    chosen = _targets(services, config, targets)
    summary = build_summary(
        gateway.list_items(board),
        history.entries,
        period=period,
        now=now,
        ruleset=ruleset,
        targets=chosen.label_targets(),
        # The bot's remembered comments are the pipeline's own bookkeeping, never read here.
        notes=notes.notes_by_issue(engine, without=(NOTE_COMMENTS,)),
        highlights=notes.dated_notes(engine, notes.HIGHLIGHT),
        board_url=board.url,
        history_missing=history.missing,
        board_fields=board.fields,
        metrics=_metrics(services, gateway, chosen, period, repo),
    ).model_copy(update={"title": digest_title})
    markdown = render_markdown(
        summary,
        digest_title,
        period.describe(),
        template=template,
        mention=services.settings.digest_mention if mention is None else mention,
    )
    return Digest(digest_title, period, summary, markdown)


def _targets(services: Services, config: BoardConfig, path: Path | None) -> Targets:
    """A targets file named on purpose; else the rules folder's, whose label targets the
    board's own `targets:` (in its tracker's file) replace."""
    if path is not None:
        return load_targets_file(path)
    found = load_targets(services.settings.rules_dir)
    if config.targets is None:
        return found
    others = [t for t in found.targets if not isinstance(t, Target)]
    return found.model_copy(update={"targets": [*config.targets, *others]})


def _metrics(
    services: Services, gateway: GitHubGateway, targets: Targets, period: Period, repo: str
) -> MetricsInput:
    """The team's metric values, the tracker's CSV read first (a push may have been missed)."""
    engine = services.store.engine
    problems: list[str] = []
    if targets.metrics:
        try:
            read = refresh_metrics(engine, gateway, repo, [m.name for m in targets.metrics])
            problems = read.lines()
        except GitHubError as exc:
            log.warning("cannot read %s of %s: %s", METRICS_CSV_PATH, repo, exc)
            problems = [f"{METRICS_CSV_PATH}: cannot be read ({exc}); its stored values are shown"]
    first = period
    for _ in range(CHART_PERIODS):
        first = first.previous()
    return MetricsInput(
        metrics=targets.metrics,
        targets=[t for t in targets.targets if not isinstance(t, Target)],
        values=metric_values.load_values(engine, repo, since=first.start.date()),
        problems=problems,
    )


def digest_at(
    services: Services,
    gateway: GitHubGateway,
    kind: Kind,
    at: datetime,
    *,
    template: Path | None = None,
    history: History | None = None,
    targets: Path | None = None,
    mention: bool | None = None,
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
        mention=mention,
        board_config=config,
    )


def post_digest(gateway: GitHubGateway, repo: str, digest: Digest) -> Digest:
    """Create or update this period's digest issue; close older open ones of the same kind."""
    prefix = TITLE_PREFIX[digest.period.kind]
    # No label read or write here: GitHub creates `digest` on first use, and `boardwatch init`
    # gives it its colour (a digest costs its board pages and three requests more).
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
    period = period_of(issue.title, config.timezone)
    if period is None:
        raise ValueError(f"`{issue.title}` is not a digest title")
    now = datetime.now(UTC)
    digest = build_digest(
        services,
        gateway,
        period.kind,
        period=period,
        digest_title=issue.title,
        now=now,
        board_config=config,
    )
    post_digest(gateway, repo, digest)
    return f"{issue.title} regenerated ({digest.action})"


__all__ = ["Digest", "digest_at", "post_digest", "regenerate_digest", "scheduled_digest"]
