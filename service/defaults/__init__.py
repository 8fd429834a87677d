"""What the package ships: the default ruleset folder and the GitHub App manifest.

Read through importlib.resources, so they are found wherever the package is installed.
`rules/` in the repository is the same folder as `service.defaults.rules` (setup.py).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

RULES_PACKAGE = "service.defaults.rules"


def _on_disk(found: Traversable) -> Path:
    # The rules folder is watched and globbed: it must be a real folder, not a zip member.
    if not isinstance(found, Path):
        raise RuntimeError(
            f"boardwatch's shipped files are not on disk ({found}): install the package "
            "with pip instead of running it from a zip archive"
        )
    return found


def rules_dir() -> Path:
    """The folder of the default ruleset: rules, targets.yml and issue-forms/."""
    return _on_disk(files(RULES_PACKAGE))


def app_manifest_text() -> str:
    """The GitHub App manifest (`app.yml`) the /setup flow posts to GitHub."""
    return files(__name__).joinpath("app.yml").read_text(encoding="utf-8")
