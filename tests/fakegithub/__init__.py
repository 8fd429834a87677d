"""A fake GitHub for tests: REST and GraphQL over real HTTP, stateful, with fault switches."""

from tests.fakegithub.server import TOKEN, Call, FakeGitHub, Fault
from tests.fakegithub.state import DEFAULT_FIELDS, ItemView

__all__ = ["DEFAULT_FIELDS", "TOKEN", "Call", "FakeGitHub", "Fault", "ItemView"]
