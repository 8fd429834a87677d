"""Errors from GitHub, naming the operation and GitHub's own message (never a token)."""

from __future__ import annotations

import logging
import re

# GitHub tokens (classic, fine-grained, App installation, OAuth, refresh) and JWTs: whatever
# GitHub or a library echoes back must not reach an error text or a log line.
_SECRET = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,}"
    r"|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+)"
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with GitHub tokens, JWTs and the given secrets replaced by `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _SECRET.sub("***", text)


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


class RedactSecrets(logging.Filter):
    """Rewrites log records of HTTP libraries so no token or JWT is ever written out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()
# PyGithub logs request headers (masked) and response bodies (not masked: the body of an
# installation-token request holds the token) at DEBUG.
_LOGGERS = ("github.Requester", "github", "httpx", "httpcore", "urllib3.connectionpool")


def install_log_redaction() -> None:
    """Attach the redacting filter to the HTTP libraries' loggers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
