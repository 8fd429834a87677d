"""From a job to `Pipeline`s: the installation's gateway, the boards an issue is on, their rules.

The board is the unit: an issue gets the rules of every board it is on (whatever repository
it lives in), and of every board whose tracker it lives in (it is added there). Two boards
that want a label or a rule's comment otherwise leave it alone and say so in the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.boards import BoardConfig, board_named, configured_boards, visible_to
from service.commands.intents import DeclaredMetrics
from service.domain.models import Board, BoardItem, Issue
from service.engine.model import Ruleset
from service.gateway.errors import GitHubError, Unreachable
from service.gateway.protocol import GitHubGateway
from service.handlers.push import refresh
from service.pipeline import Outcome, Pipeline
from service.pipeline.subject import NOTE_CONTESTED, Contested, contested_between
from service.reports.digest import regenerate_digest
from service.reports.targets import TargetsError, load_targets
from service.services import Services
from service.store import notes, repo_rules
from service.store.repo_rules import RepoRules

log = logging.getLogger(__name__)


def rules_for(
    services: Services,
    gateway: GitHubGateway,
    repo: str,
    installation_id: int | None = None,
    learned: RepoRules | None = None,
) -> Ruleset:
    """The default rules, overridden by the repository's own file when it has one;
    `learned`: a repository's row as the caller has just read it (`learn`)."""
    known = learned if learned is not None and learned.repo == repo else None
    if known is None:
        known = repo_rules.get(services.store.engine, repo)
    if known is None:
        known = refresh(services, gateway, repo, installation_id=installation_id)
    # The last rules that loaded, from the store: the same on every replica and after restarts.
    return services.rules.for_repository(repo, known.good_source)


def learn(
    services: Services, gateway: GitHubGateway, repo: str, installation_id: int | None
) -> RepoRules:
    """Read `repo`'s rule file if it never was: it may name a board the repository tracks.
    Returns what the store now holds for `repo`."""
    known = repo_rules.get(services.store.engine, repo)
    if known is None:
        known = refresh(services, gateway, repo, installation_id=installation_id)
    return known


def pipeline_for(
    services: Services,
    installation_id: int | None,
    repo: str | None,
    *,
    board: BoardConfig | None = None,
    resolved: Board | None = None,
    learned: RepoRules | None = None,
    delivery_id: str | None = None,
    now: datetime | None = None,
    read_only: bool = False,
) -> Pipeline:
    """The pipeline of `board` (default: the settings' board) for an issue in `repo`.

    The board's rules come from its rules repository; without one (the settings' board with
    no BOARDWATCH_REPOSITORY), from `repo`'s own file. `resolved`: `board` as the caller has
    just read it (`resolve_boards`), not asked for again; `learned`: see `rules_for`.
    """
    gateway = services.gateways.for_installation(installation_id)
    if board is None and services.settings.project is not None:
        board = board_named(services, services.settings.project)
    source = board.rules_repo if board is not None and board.rules_repo else repo
    ruleset = (
        rules_for(services, gateway, source, installation_id, learned)
        if source
        else services.rules.ruleset
    )
    return Pipeline(
        gateway=gateway,
        engine=services.store.engine,
        ruleset=ruleset,
        board=resolved or (gateway.get_board(board.project) if board is not None else None),
        bot_login=services.gateways.bot_login(installation_id),
        now=now or datetime.now(UTC),
        permissions=services.permissions,
        delivery_id=delivery_id,
        ensured_labels=services.ensured_labels,
        regenerate_digest=digest_regenerator(services, gateway, board, repo),
        read_only=read_only,
        declared_metrics=lambda: declared_metrics(services),
        timezone=board.timezone if board is not None else services.settings.timezone,
        installation_id=installation_id,
    )


def declared_metrics(services: Services) -> DeclaredMetrics:
    """The metrics of the targets file, read now (an edit applies to the next `/metric`)."""
    try:
        targets = load_targets(services.settings.rules_dir)
    except TargetsError as exc:
        log.error("INVALID TARGETS: %s", exc)
        return DeclaredMetrics(problem=str(exc).splitlines()[0])
    return DeclaredMetrics(units={m.name: m.unit for m in targets.metrics})


def digest_regenerator(
    services: Services, gateway: GitHubGateway, board: BoardConfig | None, repo: str | None
) -> Callable[[Issue], str] | None:
    """What `/digest` calls in a digest issue of `board`'s tracker; None elsewhere."""
    if board is None or board.tracker is None:
        return None
    if repo is not None and repo.casefold() != board.tracker.casefold():
        return None
    config = board

    def regenerate(issue: Issue) -> str:
        return regenerate_digest(services, gateway, issue, config)

    return regenerate


@dataclass(frozen=True)
class Placement:
    """One board an issue gets the rules of, and its item there (None: not on it yet)."""

    config: BoardConfig
    board: Board
    item: BoardItem | None


def resolve_boards(
    services: Services,
    gateway: GitHubGateway,
    installation_id: int | None,
    configured: list[BoardConfig] | None = None,
) -> list[tuple[BoardConfig, Board]]:
    """The configured boards this installation sees, read (cached) from GitHub; `configured`:
    `configured_boards` as the caller has just read them from the store."""
    if configured is None:
        configured = configured_boards(services)
    found = []
    for config in visible_to(configured, installation_id):
        try:
            found.append((config, gateway.get_board(config.project)))
        except GitHubError as exc:
            if not _cannot_see(exc):
                raise  # GitHub is down or busy: the delivery is retried, not skipped
            # A board this installation cannot read is another installation's: not this event's.
            log.warning("board %s cannot be read here: %s", config.project, exc)
    return found


def _cannot_see(error: GitHubError) -> bool:
    """GitHub answered that the board is not there for these credentials (not an outage)."""
    if isinstance(error, Unreachable):
        return False
    if error.status in (401, 403, 404) or {"NOT_FOUND", "FORBIDDEN"} & set(error.types):
        return True
    return error.status is None and error.operation == "get_board"  # "no board ORG/NUMBER"


def placements(
    boards: list[tuple[BoardConfig, Board]], issue: Issue, items: list[BoardItem]
) -> list[Placement]:
    """The boards whose rules apply to `issue`: those its repository tracks first, then the
    others it is on (pure). `items` are the issue's items on every board."""
    on = {item.board_id: item for item in items if item.board_id}
    found = [
        Placement(config, board, on.get(board.id))
        for config, board in boards
        if board.id in on or config.tracks(issue.repo)
    ]
    return sorted(found, key=lambda place: not place.config.tracks(issue.repo))


# `Pipeline.run` arguments that carry a person's commands.
_COMMANDS = ("commands", "comment_id")


def run_on_boards(
    services: Services,
    installation_id: int | None,
    issue: Issue,
    found: list[Placement],
    *,
    delivery_id: str | None = None,
    now: datetime | None = None,
    read_only: bool = False,
    learned: RepoRules | None = None,
    **run: Any,
) -> list[tuple[BoardConfig, Outcome]]:
    """Each board's rules over `issue`, with labels the boards disagree on left alone;
    `learned`: see `rules_for`."""
    pipelines = [
        pipeline_for(
            services,
            installation_id,
            issue.repo,
            board=place.config,
            resolved=place.board,
            learned=learned,
            delivery_id=delivery_id,
            now=now,
            read_only=read_only,
        )
        for place in found
    ]
    disputed = Contested()
    if len(pipelines) > 1:
        wants = [p.wants(issue, place.item) for p, place in zip(pipelines, found, strict=True)]
        disputed = contested_between(wants)
        if disputed:
            log.warning(
                "%s#%d: boards %s disagree on labels %s and comments %s; left as they are",
                issue.repo,
                issue.number,
                ", ".join(place.config.project for place in found),
                ", ".join(sorted(disputed.labels)) or "-",
                ", ".join(sorted(disputed.comments)) or "-",
            )
    if not read_only:
        _note_contested(services, issue, disputed)
    outcomes = []
    for index, (pipeline, place) in enumerate(zip(pipelines, found, strict=True)):
        pipeline.contested = disputed
        # A person's commands are answered once, by the first board (see `placements`).
        asked = run if index == 0 else {k: v for k, v in run.items() if k not in _COMMANDS}
        outcomes.append((place.config, pipeline.run(issue, place.item, **asked)))
    return outcomes


def _note_contested(services: Services, issue: Issue, disputed: Contested) -> None:
    """Remember what the boards dispute for runs that see one board only (the sweep)."""
    engine = services.store.engine
    if disputed:
        notes.set_note(engine, issue.repo, issue.number, NOTE_CONTESTED, disputed.note())
    elif NOTE_CONTESTED in notes.get_notes(engine, issue.repo, issue.number):
        notes.delete_note(engine, issue.repo, issue.number, NOTE_CONTESTED)


def evaluate_issue(
    services: Services,
    installation: int | None,
    issue: Issue,
    *,
    delivery_id: str | None,
    **run: Any,
) -> dict[str, Any]:
    """The rules of every board `issue` is on or tracked for, as an event's handler runs them;
    `run`: `Pipeline.run`'s arguments of the event (commands, actor, ...)."""
    repo = issue.repo
    gateway = services.gateways.for_installation(installation)
    learned = learn(services, gateway, repo, installation)
    configured = configured_boards(services)
    if not configured:
        # No board at all: the tracker's (every repository's, without one) own rules.
        tracker = services.settings.repository
        if tracker is not None and tracker.casefold() != repo.casefold():
            return {"skipped": f"{repo} is not the tracker ({tracker}) and no board is served"}
        pipeline = pipeline_for(
            services, installation, repo, learned=learned, delivery_id=delivery_id
        )
        return pipeline.run(issue, None, **run).record()
    if issue.node_id is None:  # very old payloads carry no node id
        issue = gateway.get_issue(repo, issue.number)
    boards = resolve_boards(services, gateway, installation, configured)
    if not boards:
        return not_served(repo)
    items = gateway.list_issue_items(issue.node_id) if issue.node_id else []
    found = placements(boards, issue, items)
    if not found:
        return not_served(repo)
    outcomes = run_on_boards(
        services, installation, issue, found, delivery_id=delivery_id, learned=learned, **run
    )
    return record(outcomes)


def record(outcomes: list[tuple[BoardConfig, Outcome]]) -> dict[str, Any]:
    """What the delivery stores: one board's outcome as it is, several by board."""
    if len(outcomes) == 1:
        return outcomes[0][1].record()
    return {"boards": {config.project: outcome.record() for config, outcome in outcomes}}


def not_served(repo: str) -> dict[str, Any]:
    return {"skipped": f"{repo} tracks no board and the issue is on no board boardwatch serves"}
