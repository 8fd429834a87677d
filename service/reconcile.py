"""The sweep: each board's rules over its open items and its trackers' open issues.

It repairs what a lost webhook left behind. Items come from one paged GraphQL listing
(100 a page) and open issues from one paged REST listing, so a converged board costs
only those reads and no write at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.boards import BoardConfig, configured_boards
from service.domain.models import BoardItem, Issue
from service.engine.conditions import close_reason
from service.engine.model import NOT_DONE_REASONS
from service.gateway.accounting import ledger
from service.handlers.context import pipeline_for
from service.pipeline import Outcome, Pipeline
from service.services import Services
from service.settings import SettingsError

log = logging.getLogger(__name__)

# (done, total, "owner/repo#12"); the total is None: targets are streamed page by page, so
# their number is known only at the end.
Progress = Callable[[int, int | None, str], None]


@dataclass
class SweepReport:
    issues: int = 0
    changed: int = 0
    writes: int = 0
    reads: int = 0
    not_modified: int = 0  # reads GitHub answered 304 (not charged to the rate limit)
    stopped_at_cap: bool = False
    # Kept for `boardwatch plan` (read-only), which shows each one; a sweep that applies keeps
    # only the counts, so its memory does not grow with the board.
    results: list[Outcome] = field(default_factory=list)

    def as_dict(self, *, with_results: bool = False) -> dict[str, object]:
        """The JSON the CLI prints and the schedule logs."""
        found: dict[str, object] = {
            "issues": self.issues,
            "changed": self.changed,
            "writes": self.writes,
            "reads": self.reads,
            "not_modified": self.not_modified,
            "stopped_at_cap": self.stopped_at_cap,
        }
        if with_results:
            found["results"] = [result.record() for result in self.results]
        return found


def targets(
    pipeline: Pipeline, trackers: Sequence[str], services: Services, number: int | None = None
) -> Iterator[tuple[Issue, BoardItem | None]]:
    """Every issue the board's rules look after: its items (from any repository) first, then
    open issues of its trackers not on it yet."""
    if number is not None:
        repo = services.settings.repository
        if repo is None:
            raise SettingsError("--issue needs BOARDWATCH_REPOSITORY (OWNER/NAME of the tracker)")
        issue = pipeline.gateway.get_issue(repo, number)
        on = pipeline.board
        item = pipeline.gateway.get_item(on, issue.node_id) if on and issue.node_id else None
        yield issue, item
        return
    seen: set[str] = set()
    names = pipeline.ruleset.board
    if pipeline.board is not None:
        for item in pipeline.gateway.list_items(pipeline.board):
            on_board = item.issue
            # An open issue's archived item is still the rules' to look at (it was reopened,
            # and its webhook may have been lost); archived and closed, nothing is left to do.
            if on_board is None or (item.archived and on_board.state == "closed"):
                continue
            status = item.value(names.status_field)
            if (
                on_board.state == "closed"
                and str(status).casefold() == names.done_status.casefold()
                and close_reason(on_board) not in NOT_DONE_REASONS
            ):
                # Finished work: nothing left for the rules to do. Cancelled work marked
                # Done (by hand, or before closing reasons were read) is still looked at.
                continue
            seen.add(f"{on_board.repo}#{on_board.number}".casefold())
            yield on_board, item
    for repo in trackers:
        for issue in pipeline.gateway.iter_issues(repo, state="open"):
            if f"{issue.repo}#{issue.number}".casefold() not in seen:
                yield issue, None


def sweep(
    services: Services,
    *,
    board: BoardConfig | None = None,
    max_writes: int | None = None,
    read_only: bool = False,
    number: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SweepReport:
    """Apply the rules to every target of `board` (None: of every configured board), or
    preview them with `read_only`. `number`: one issue of the settings' tracker."""
    settings = services.settings
    if board is not None:
        boards = [board]
    elif number is not None and settings.project is not None:
        boards = [b for b in configured_boards(services) if b.project == settings.project]
    else:
        boards = configured_boards(services)
    moment = now or datetime.now(UTC)
    runs: list[tuple[Pipeline, Sequence[str]]]
    if boards:
        runs = [
            (
                pipeline_for(
                    services,
                    config.installation_id,
                    config.tracker,
                    board=config,
                    now=moment,
                    read_only=read_only,
                ),
                config.trackers,
            )
            for config in boards
        ]
    elif settings.repository is not None:
        # A tracker without a board: its open issues under its own rules.
        only = pipeline_for(services, None, settings.repository, now=moment, read_only=read_only)
        runs = [(only, [settings.repository])]
    else:
        raise SettingsError(
            "nothing to sweep: set BOARDWATCH_PROJECT (ORG/NUMBER) and BOARDWATCH_REPOSITORY,"
            " or name a board in a tracker's .github/boardwatch.yml"
        )
    cap = settings.reconcile_max_writes if max_writes is None else max_writes
    report = SweepReport()
    with ledger() as book:
        for pipeline, trackers in runs:
            if report.stopped_at_cap:
                break
            # One page of items (then of issues) at a time: memory stays flat as the board grows.
            found = targets(pipeline, trackers, services, number)
            for done, (issue, item) in enumerate(found, start=1):
                if not read_only and cap and book.writes >= cap:
                    report.stopped_at_cap = True
                    log.warning("sweep stopped after %d writes (cap); the next run goes on", cap)
                    break
                result = pipeline.run(issue, item, source="sweep")
                report.issues += 1
                if result.changed:
                    report.changed += 1
                if read_only:
                    report.results.append(result)
                if progress is not None:
                    progress(done, None, f"{issue.repo}#{issue.number}")
        report.writes, report.reads = book.writes, book.reads
        report.not_modified = book.not_modified
    return report
