"""`boardwatch serve` (web + worker processes) and `boardwatch worker` (worker processes only)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer
from pydantic import ValidationError

from service import logs
from service.engine.loader import RulesError
from service.heap import freeze_start_up
from service.landing import announce
from service.settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:
    from service.store import Store
    from service.store.wakeup import Doorbell
    from service.worker.processes import Supervisor

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    typer.echo(f"boardwatch: {message}", err=True)
    return typer.Exit(1)


def load_settings() -> Settings:
    """The settings, or exit 2 with every invalid variable named."""
    try:
        return get_settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise fail("invalid settings:\n" + "\n".join(lines)) from None


def starting(build: Callable[[], T]) -> T:
    """Run a start-up step; refuse to start, with the reason, on bad settings or rules."""
    try:
        return build()
    except (SettingsError, RulesError) as exc:
        raise fail(str(exc)) from None


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 in a container)."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Receive webhooks here and process them in BOARDWATCH_WORKERS worker processes."""
    from service import webserver
    from service.app import create_app
    from service.store.wakeup import Doorbell, FifoBell, wakes_through_store, wakeup_fifo

    settings = load_settings()
    logs.configure(settings.log_level)
    # The web process only receives: evaluation runs in the worker processes (and the
    # scheduler in the first of them), so no evaluation can hold up a webhook's 202.
    app = starting(lambda: create_app(settings, start_worker=False))
    # Each stored delivery wakes an idle worker process at once (no wait for its poll).
    store = app.state.services.store
    if wakes_through_store(store.engine):
        # PostgreSQL's commit notifies by itself; on SQLite, the named pipe beside the
        # database reaches this serve's workers and separate `boardwatch worker`s alike.
        fifo = wakeup_fifo(store.engine)
        if fifo is not None:
            app.state.intake.on_stored(FifoBell(fifo).ring)
        supervisor = _supervisor(settings, store)
    else:
        supervisor = _supervisor(settings, store, doorbell=Doorbell())
        if supervisor is not None and supervisor.doorbell is not None:
            app.state.intake.on_stored(supervisor.doorbell.ring)
    announce(settings, host, port)
    freeze_start_up()
    try:
        webserver.server(app, settings, host=host, port=port).run()
    finally:
        if supervisor is not None:
            supervisor.stop()


def worker(
    once: bool = typer.Option(False, "--once", help="Process what is due, then exit."),
) -> None:
    """Process stored deliveries only (scale out: any number of these share one database)."""
    from service.compose import worker_for
    from service.services import Services

    settings = load_settings()
    logs.configure(settings.log_level)
    services = starting(lambda: Services.from_settings(settings))
    if once:
        runner = worker_for(services)
        typer.echo(f"processed {runner.run_until_idle()} deliveries")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    supervisor = _supervisor(settings, services.store, at_least_one=True)
    stop.wait()
    if supervisor is not None:
        supervisor.stop()


def _supervisor(
    settings: Settings,
    store: Store,
    *,
    at_least_one: bool = False,
    doorbell: Doorbell | None = None,
) -> Supervisor | None:
    """Start the worker processes (none with BOARDWATCH_WORKERS=0 in `serve`); `doorbell`:
    `serve`'s pipes to them, where the database cannot wake them."""
    from service.worker.processes import Supervisor

    count = max(settings.workers, 1) if at_least_one else settings.workers
    if count == 0:
        return None
    supervisor = Supervisor(settings, store, count, doorbell=doorbell)
    supervisor.start()
    return supervisor


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
