"""`python -m service.cli`: the same as the `boardwatch` command."""

from service.cli.main import app

# Guarded: worker processes are spawned, and a spawned process imports this module again.
if __name__ == "__main__":
    app()
