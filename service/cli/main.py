"""The `boardwatch` command line: one typer app composed from one module per concern."""

import typer

app = typer.Typer(help="boardwatch: keeps a GitHub tracker and its Projects board honest.")
