"""Shared pytest configuration; fixtures live in plugin modules listed here, one per area."""

pytest_plugins: list[str] = [
    "tests.support.databases",
    "tests.fakegithub.plugin",
    "tests.support.bot",
]
