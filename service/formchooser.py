"""The issue template chooser (`.github/ISSUE_TEMPLATE/config.yml`) that `init` proposes.

The shipped `config.yml` knows no board; `init` knows it, and links it from the chooser so
a person filing a request can follow it there.
"""

from __future__ import annotations

import json

from service.domain.models import Board
from service.engine.rule_yaml import read_yaml

CHOOSER_PATH = ".github/ISSUE_TEMPLATE/config.yml"
ABOUT = "Where requests land: follow yours on the team's board."


def with_board_link(files: dict[str, str], board: Board | None) -> dict[str, str]:
    """`files` with a contact link to `board` in the chooser, unless it lists links already."""
    text = files.get(CHOOSER_PATH)
    if text is None or board is None or not board.url:
        return files
    read = read_yaml(text)
    if read.problems:
        return files  # proposed as written: GitHub shows what is wrong with it
    data = read.data
    if not isinstance(data, dict) or "contact_links" in data:
        return files
    name = board.title or f"{board.owner}/{board.number}"
    # A JSON string is a YAML double-quoted scalar: any title or URL stays one value.
    link = (
        "contact_links:\n"
        f"  - name: {json.dumps(name)}\n"
        f"    url: {json.dumps(board.url)}\n"
        f"    about: {json.dumps(ABOUT)}\n"
    )
    return {**files, CHOOSER_PATH: text.rstrip("\n") + "\n" + link}
