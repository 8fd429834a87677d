"""pytest fixtures: `fake_github` (a running fake per test) and `tracker` (repo + board)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakegithub.server import FakeGitHub
from tests.fakegithub.state import Board, Repo


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    with fake.running():
        yield fake


@dataclass
class Tracker:
    """The default setup: `acme/tracker` with a team, and board `acme/1` with default fields."""

    gh: FakeGitHub
    repo: Repo
    board: Board
    name: str = "acme/tracker"
    project: str = "acme/1"


@pytest.fixture
def tracker(fake_github: FakeGitHub) -> Tracker:
    repo = fake_github.add_repo(
        "acme/tracker",
        collaborators={"alice": "write", "bob": "triage", "lead": "maintain", "guest": "read"},
    )
    board = fake_github.add_board("acme", 1)
    return Tracker(fake_github, repo, board)
