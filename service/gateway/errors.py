"""Errors from GitHub, naming the operation and GitHub's own message (never a token)."""

from __future__ import annotations

from service.redact import redact


class GitHubError(Exception):
    """A GitHub call failed for good (after the retries its kind allows)."""

    def __init__(
        self,
        operation: str,
        message: str,
        status: int | None = None,
        *,
        types: tuple[str, ...] = (),
    ) -> None:
        self.operation = operation
        self.status = status
        self.github_message = redact(message)
        self.types = types  # GraphQL error types, e.g. NOT_FOUND, FORBIDDEN
        where = f" (HTTP {status})" if status else ""
        super().__init__(f"GitHub {operation} failed{where}: {self.github_message}")


class NotFound(GitHubError):
    """404: the thing does not exist, or the token may not see it."""


class Unreachable(GitHubError):
    """No answer from GitHub at all (connection refused, DNS, timeout), after the retries."""
