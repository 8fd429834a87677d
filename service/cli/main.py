"""The `boardwatch` command line: one typer app composed from one module per concern."""

import typer

from service.cli import deliveries, digest, init, rules, server, sweep

app = typer.Typer(
    help="boardwatch: keeps a GitHub tracker and its Projects board honest.",
    no_args_is_help=True,
)
app.add_typer(rules.app, name="rules")
server.register(app)
deliveries.register(app)
sweep.register(app)
digest.register(app)
init.register(app)
