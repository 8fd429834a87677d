"""`boardwatch plan` (what the rules say, changing nothing) and `boardwatch reconcile`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress

from service import logs
from service.cli.errors import require_credentials
from service.cli.server import fail, load_settings, starting
from service.services import Services

if TYPE_CHECKING:
    from service.reconcile import SweepReport


def _services(command: str) -> Services:
    settings = load_settings()
    logs.configure("WARNING")
    require_credentials(settings, command)
    return starting(lambda: Services.from_settings(settings))


def _print_plan(report: SweepReport) -> None:
    console = Console()
    for result in report.results:
        console.print(f"[bold]{result.issue}[/bold]")
        for rule, status in result.rules.items():
            mark = {"holds": "✓", "failing": "✗", "grace": "…"}.get(status, "·")
            console.print(f"  {mark} {rule}: {status}")
            for missing in (result.missing or {}).get(rule, ()):
                fix = f" — {missing.fix}" if missing.fix else ""
                console.print(f"      missing {missing.text}{fix}")
        for change in result.plan or ():
            fields = change.model_dump(mode="json", exclude={"kind"})
            details = ", ".join(f"{k}={v}" for k, v in fields.items())
            console.print(f"  → would {change.kind} {details}")
        if not result.plan:
            console.print("  → nothing to change")
    console.print(
        f"{report.issues} issues, {report.changed} would change; "
        f"{report.reads} GitHub reads ({report.not_modified} answered 304, not charged), "
        f"{report.writes} writes"
    )


def plan(
    issue: int | None = typer.Option(None, "--issue", help="Only this issue of the tracker."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Show what each rule says and what the bot would change, without changing anything."""
    from service.reconcile import sweep

    settings = load_settings()
    if settings.project is None or settings.repository is None:
        # Without the board every issue would look "not on the board": a plan of noise.
        raise fail(
            "plan needs BOARDWATCH_PROJECT (ORG/NUMBER of the board) and BOARDWATCH_REPOSITORY "
            "(OWNER/NAME of the tracker)"
        )
    report = starting(lambda: sweep(_services("plan"), read_only=True, number=issue))
    if as_json:
        typer.echo(json.dumps(report.as_dict(with_results=True), indent=2))
    else:
        _print_plan(report)


def reconcile(
    max_writes: int | None = typer.Option(
        None, help="Stop after this many writes (default BOARDWATCH_RECONCILE_MAX_WRITES)."
    ),
) -> None:
    """Apply the rules to every open item of the board (repairs what lost webhooks missed)."""
    from service.reconcile import sweep

    services = _services("reconcile")
    with Progress(transient=True) as bar:
        task = bar.add_task("reconciling", total=None)

        def step(done: int, total: int | None, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        report = starting(lambda: sweep(services, max_writes=max_writes, progress=step))
    cap = " (stopped at the write cap; run again to go on)" if report.stopped_at_cap else ""
    typer.echo(
        f"{report.issues} issues checked, {report.changed} changed, "
        f"{report.writes} writes, {report.reads} reads "
        f"({report.not_modified} answered 304, not charged){cap}"
    )


def register(app: typer.Typer) -> None:
    app.command()(plan)
    app.command()(reconcile)
