"""`boardwatch serve` (web + in-process worker) and `boardwatch worker` (worker only)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

import typer
from pydantic import ValidationError

from service import logs
from service.engine.loader import RulesError
from service.landing import announce
from service.settings import Settings, SettingsError, get_settings

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
    """Receive webhooks and process them (BOARDWATCH_WORKERS threads) in one process."""
    import uvicorn

    from service.app import create_app

    settings = load_settings()
    logs.configure(settings.log_level)
    app = starting(lambda: create_app(settings))
    announce(settings, host, port)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def worker(
    once: bool = typer.Option(False, "--once", help="Process what is due, then exit."),
) -> None:
    """Process stored deliveries only (scale out: any number of these share one database)."""
    from service.handlers import build_registry
    from service.services import Services

    settings = load_settings()
    logs.configure(settings.log_level)
    services = starting(lambda: Services.from_settings(settings))
    runner = services.worker(build_registry(services))
    if once:
        typer.echo(f"processed {runner.run_until_idle()} deliveries")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=services.rules.watch, args=(stop,), daemon=True).start()
    runner.start(max(settings.workers, 1))
    stop.wait()
    runner.stop()


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
