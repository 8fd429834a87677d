"""`boardwatch deliveries list` and `boardwatch replay ID`: the stored deliveries."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from service.cli.server import fail, load_settings
from service.store import DeliveryBusy, Store
from service.store.deliveries import STATUSES

app = typer.Typer(help="Inspect stored webhook deliveries.", no_args_is_help=True)


def _store() -> Store:
    return Store.open(load_settings().database_url)


@app.command("list")
def list_deliveries(
    status: str | None = typer.Option(None, help=f"Only this status: {', '.join(STATUSES)}."),
    limit: int = typer.Option(50, min=1, help="Newest first, at most this many."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document instead of a table."),
) -> None:
    """The newest deliveries with their status, attempts and last error."""
    if status is not None and status not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")
    found = _store().deliveries.list(status=status, limit=limit)
    if as_json:
        typer.echo(json.dumps([d.summary() for d in found], indent=2))
        return
    table = Table("id", "event", "status", "attempts", "received", "subject", "error")
    for d in found:
        # A scheduled re-evaluation shows when it is due rather than when it was planned.
        status = (
            f"scheduled for {d.available_at:%Y-%m-%d %H:%M:%S}"
            if d.status == "scheduled"
            else d.status
        )
        table.add_row(
            d.id,
            f"{d.event}.{d.action}" if d.action else d.event,
            status,
            str(d.attempts),
            d.received_at.strftime("%Y-%m-%d %H:%M:%S"),
            d.subject,
            (d.last_error or "")[:60],
        )
    Console().print(table)


def replay(delivery_id: str = typer.Argument(..., help="The X-GitHub-Delivery id.")) -> None:
    """Queue a stored delivery again (a worker processes it as if it had just arrived)."""
    try:
        found = _store().deliveries.replay(delivery_id)
    except DeliveryBusy as exc:
        raise fail(str(exc)) from None
    if found is None:
        raise fail(f"no delivery {delivery_id} in the store (see `boardwatch deliveries list`)")
    typer.echo(f"delivery {delivery_id} queued again")


def recover(
    since: str = typer.Option("24h", help="How far back to look: 30m, 24h, 3d."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be redelivered."),
) -> None:
    """Ask GitHub to redeliver the App's webhook deliveries that failed (needs a GitHub App)."""
    from datetime import UTC, datetime

    from service.gateway.factory import GatewayFactory
    from service.recover import parse_since
    from service.recover import recover as run_recover

    settings = load_settings()
    window = parse_since(since)
    if window is None:
        raise fail(f"--since must be a duration such as 30m, 24h or 3d, not {since!r}")
    app_gateway = GatewayFactory(settings).app()
    if app_gateway is None:
        raise fail("recover needs a GitHub App: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY")
    report = run_recover(
        app_gateway,
        _store().deliveries,
        datetime.now(UTC) - window,
        dry_run=dry_run,
    )
    verb = "would ask" if dry_run else "asked"
    typer.echo(
        f"{report.seen} deliveries since {since}; {len(report.missed)} missed; "
        f"{verb} GitHub to redeliver: {', '.join(report.redelivered) or 'none'}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="deliveries")
    root.command()(replay)
    root.command()(recover)
