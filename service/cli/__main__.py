"""`python -m service.cli`: the same as the `boardwatch` command."""

from service.cli.main import app

app()
