"""The `boardwatch` command line: one typer app composed from one module per concern."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import typer
from typer.core import TyperGroup

from service.cli import deliveries, digest, init, rules, server, sweep
from service.cli.errors import explain
from service.settings import Settings, get_settings

DEBUG = "boardwatch.debug"


def _settings_or_none() -> Settings | None:
    try:
        return get_settings()
    except Exception:  # the settings themselves may be what is wrong
        return None


class Commands(TyperGroup):
    """Every command's known failures end as one line on stderr and exit code 1."""

    # typer builds every context as a typer.Context; its base class is private to typer.
    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if ctx.meta.get(DEBUG):
                raise
            line = explain(exc, _settings_or_none())
            if line is None:
                raise
            typer.echo(f"boardwatch: {line}", err=True)
            raise typer.Exit(1) from None


def package_version() -> str:
    try:
        return version("boardwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"boardwatch {package_version()}")
        raise typer.Exit()


app = typer.Typer(
    cls=Commands,
    help="boardwatch: keeps a GitHub tracker and its Projects board honest.",
    no_args_is_help=True,
    # Tracebacks (--debug) must never print local variables: they can hold tokens.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    debug: bool = typer.Option(
        False, "--debug", envvar="BOARDWATCH_DEBUG", help="Show the traceback of a failure."
    ),
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print boardwatch's version and exit.",
    ),
) -> None:
    """boardwatch: keeps a GitHub tracker and its Projects board honest."""
    ctx.meta[DEBUG] = debug


app.add_typer(rules.app, name="rules")
server.register(app)
deliveries.register(app)
sweep.register(app)
digest.register(app)
init.register(app)
