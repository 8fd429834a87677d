"""The `boardwatch` command line: one typer app composed from one module per concern."""

import typer

from service.cli import rules

app = typer.Typer(help="boardwatch: keeps a GitHub tracker and its Projects board honest.")
app.add_typer(rules.app, name="rules")
