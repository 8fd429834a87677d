"""pytest fixtures: `fake_github` (a fresh running fake per test), `github_settings`, `tracker`."""

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


@pytest.fixture
def github_settings(fake_github: FakeGitHub) -> dict[str, str]:
    """Environment values that point boardwatch at the fake: API and GraphQL URLs, a token."""
    return fake_github.env()


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
