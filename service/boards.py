"""The boards one deployment serves: the settings' board, and every board a tracker names.

A repository whose `.github/boardwatch.yml` says `board: ORG/NUMBER` is a tracker of that
board: new issues there are added to it, its file gives the board its rules, time zone and
schedules, and the board's digests are posted there. The store learns this whenever the
file is read (a repository's first event, a push that changes the file, an installation
that adds the repository, `boardwatch init`), so every replica sees the same boards.
`BOARDWATCH_PROJECT` / `BOARDWATCH_REPOSITORY` stay the default board and its tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from service.engine.loader import BoardSettings, board_settings
from service.engine.model import BoardSchedules, Ruleset, Target
from service.services import Services
from service.settings import Settings
from service.store import repo_rules
from service.store.repo_rules import RepoRules


@dataclass(frozen=True)
class BoardConfig:
    """One board and what serves it; built by `configured_boards`, never from a request."""

    project: str  # ORG/NUMBER
    trackers: tuple[str, ...]  # OWNER/NAME: new issues there are added to the board
    timezone: str
    digest_schedule: str
    monthly_schedule: str
    reconcile_schedule: str
    # The installation that sees the trackers (None: the token, or the tracker's installation).
    installation_id: int | None = None
    # Whose `.github/boardwatch.yml` gives the board's rules; None: each repository's own.
    rules_repo: str | None = None
    # The settings' board without BOARDWATCH_REPOSITORY: every repository is a tracker.
    any_repository: bool = False
    # The board's own targets (its tracker's `targets:`); None: the rules folder's targets.yml.
    targets: tuple[Target, ...] | None = None

    @property
    def tracker(self) -> str | None:
        """Where the board's digests are posted."""
        return self.rules_repo or (self.trackers[0] if self.trackers else None)

    @property
    def job_suffix(self) -> str:
        """The part of a scheduled job's name that tells this board's firings from others'."""
        return self.project.casefold()

    def tracks(self, repo: str) -> bool:
        """Whether new issues in `repo` belong on this board."""
        return self.any_repository or repo.casefold() in {t.casefold() for t in self.trackers}


@lru_cache(maxsize=256)
def _settings_of(text: str) -> BoardSettings | None:
    # Parsing is bounded but not free; a tracker's text changes rarely.
    return board_settings(text)


def configured_boards(services: Services) -> list[BoardConfig]:
    """The settings' board first, then every board a tracker names, by ORG/NUMBER."""
    return boards_from(services.settings, services.store.engine)


def boards_from(settings: Settings, engine: Engine) -> list[BoardConfig]:
    """`configured_boards` from the settings and the store alone (the landing page)."""
    # ORG/NUMBER (as its first tracker spells it) -> its trackers' rows, by repository name
    named: dict[str, tuple[str, list[RepoRules]]] = {}
    for row in repo_rules.trackers(engine):
        if row.board is not None:
            named.setdefault(row.board.casefold(), (row.board, []))[1].append(row)
    found: list[BoardConfig] = []
    if settings.project is not None:
        _, rows = named.pop(settings.project.casefold(), ("", []))
        default = settings.repository
        trackers = [default] if default else []
        trackers += [
            r.repo for r in rows if default is None or r.repo.casefold() != default.casefold()
        ]
        rules_row = next(
            (r for r in rows if default and r.repo.casefold() == default.casefold()), None
        )
        found.append(
            _config(
                settings,
                settings.project,
                trackers,
                rules_repo=default,
                rules_row=rules_row,
                installation_id=next((r.installation_id for r in rows if r.installation_id), None),
                any_repository=default is None,
            )
        )
    for project, rows in named.values():
        first = rows[0]  # by repository name: the same choice on every replica
        found.append(
            _config(
                settings,
                project,
                [r.repo for r in rows],
                rules_repo=first.repo,
                rules_row=first,
                installation_id=first.installation_id,
            )
        )
    return found


def _config(
    settings: Settings,
    project: str,
    trackers: list[str],
    *,
    rules_repo: str | None,
    rules_row: RepoRules | None,
    installation_id: int | None,
    any_repository: bool = False,
) -> BoardConfig:
    text = rules_row.good_source if rules_row is not None else None
    own = _settings_of(text) if text else None
    if own is not None and own.project.casefold() != project.casefold():
        own = None  # the file names another board: its time zone is that board's
    schedules = own.schedules if own is not None else BoardSchedules()
    return BoardConfig(
        project=project,
        trackers=tuple(trackers),
        timezone=(own.timezone if own is not None else None) or settings.timezone,
        digest_schedule=schedules.digest or settings.digest_schedule,
        monthly_schedule=schedules.monthly or settings.monthly_schedule,
        reconcile_schedule=schedules.reconcile or settings.reconcile_schedule,
        installation_id=installation_id,
        rules_repo=rules_repo,
        any_repository=any_repository,
        targets=own.targets if own is not None else None,
    )


def board_ruleset(services: Services, board: BoardConfig) -> Ruleset:
    """The board's rules: its rules repository's last good file over the defaults."""
    if board.rules_repo is None:
        return services.rules.ruleset
    known = repo_rules.get(services.store.engine, board.rules_repo)
    return services.rules.for_repository(board.rules_repo, known.good_source if known else None)


def board_named(services: Services, project: str) -> BoardConfig | None:
    """The configured board `ORG/NUMBER`, if this deployment serves it."""
    wanted = project.casefold()
    return next((b for b in configured_boards(services) if b.project.casefold() == wanted), None)


def visible_to(boards: list[BoardConfig], installation_id: int | None) -> list[BoardConfig]:
    """The boards an installation's gateway can serve: its own, and those with no installation
    recorded (the settings' board, or boards learned with a token)."""
    if installation_id is None:
        return boards
    return [b for b in boards if b.installation_id in (None, installation_id)]


__all__ = [
    "BoardConfig",
    "board_named",
    "board_ruleset",
    "boards_from",
    "configured_boards",
    "visible_to",
]
