"""The sweep: the rules over every open item of the board and every open tracker issue.

It repairs what a lost webhook left behind. Items come from one paged GraphQL listing
(100 a page) and open issues from one paged REST listing, so a converged board costs
only those reads and no write at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.domain.models import BoardItem, Issue
from service.gateway.accounting import ledger
from service.handlers.context import is_tracker, pipeline_for
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
    pipeline: Pipeline, services: Services, number: int | None = None
) -> Iterator[tuple[Issue, BoardItem | None]]:
    """Every issue the rules look after: board items first, then open issues not on the board."""
    repo = services.settings.repository
    if number is not None:
        if repo is None:
            raise SettingsError("--issue needs BOARDWATCH_REPOSITORY (OWNER/NAME of the tracker)")
        issue = pipeline.gateway.get_issue(repo, number)
        board = pipeline.board
        item = pipeline.gateway.get_item(board, issue.node_id) if board and issue.node_id else None
        yield issue, item
        return
    seen: set[str] = set()
    names = pipeline.ruleset.board
    if pipeline.board is not None:
        for item in pipeline.gateway.list_items(pipeline.board):
            on_board = item.issue
            if item.archived or on_board is None or not is_tracker(services, on_board.repo):
                continue
            status = item.value(names.status_field)
            if (
                on_board.state == "closed"
                and str(status).casefold() == names.done_status.casefold()
            ):
                continue  # finished work: nothing left for the rules to do
            seen.add(f"{on_board.repo}#{on_board.number}")
            yield on_board, item
    if repo is not None:
        for issue in pipeline.gateway.iter_issues(repo, state="open"):
            if f"{issue.repo}#{issue.number}" not in seen:
                yield issue, None


def sweep(
    services: Services,
    *,
    max_writes: int | None = None,
    read_only: bool = False,
    number: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SweepReport:
    """Apply the rules to every target (or preview them with `read_only`)."""
    settings = services.settings
    if settings.project is None and settings.repository is None:
        raise SettingsError(
            "nothing to sweep: set BOARDWATCH_PROJECT (ORG/NUMBER) and BOARDWATCH_REPOSITORY"
        )
    cap = settings.reconcile_max_writes if max_writes is None else max_writes
    report = SweepReport()
    with ledger() as book:
        pipeline = pipeline_for(
            services,
            None,
            settings.repository,
            now=now or datetime.now(UTC),
            read_only=read_only,
        )
        # One page of items (then of issues) at a time: memory stays flat as the board grows.
        for done, (issue, item) in enumerate(targets(pipeline, services, number), start=1):
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
