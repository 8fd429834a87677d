"""One line a person can act on for each failure a command meets; `--debug` keeps the traceback.

`explain(exc, settings)` is pure: it names what failed and what to do, or returns None for
an error it does not know (a bug: the traceback is the useful answer then).
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from service.engine.loader import RulesError
from service.gateway.errors import GitHubError, NotFound, Unreachable
from service.redact import Redactor, redact
from service.settings import Settings, SettingsError

CREDENTIALS = (
    "set GITHUB_TOKEN to a token that may read the tracker and the board, "
    "or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY for a GitHub App"
)


class MissingCredentials(SettingsError):
    """A command must call GitHub and no token or App is configured."""


def require_credentials(settings: Settings, command: str) -> None:
    """Refuse before the first call: GitHub's GraphQL API answers no anonymous request."""
    if not settings.has_credentials:
        raise MissingCredentials(
            f"{command} reads GitHub, and no GitHub credentials are set: {CREDENTIALS}"
        )


def _github(exc: GitHubError, settings: Settings | None) -> str:
    failed = f"GitHub {exc.operation} failed"
    said = exc.github_message
    if isinstance(exc, Unreachable):
        where = settings.github_api_url if settings is not None else "GITHUB_API_URL"
        return (
            f"cannot reach GitHub at {where} ({exc.operation}: {said}): check GITHUB_API_URL "
            "(and GITHUB_GRAPHQL_URL), the network and any proxy, then run again"
        )
    if exc.status == 401:
        if settings is not None and not settings.has_credentials:
            return f"{failed}: GitHub needs credentials: {CREDENTIALS}"
        return (
            f"{failed}: GitHub did not accept the credentials ({said}): check that "
            "GITHUB_TOKEN is a valid token that has not expired, or the App's GITHUB_APP_ID "
            "and private key"
        )
    if exc.status == 403 or "FORBIDDEN" in exc.types:
        return (
            f"{failed}: not allowed ({said}): the token or App lacks a permission this needs "
            "(README, section Permissions)"
        )
    if isinstance(exc, NotFound) or "NOT_FOUND" in exc.types:
        return (
            f"{failed}: not found ({said}): check BOARDWATCH_REPOSITORY (OWNER/NAME) and "
            "BOARDWATCH_PROJECT (ORG/NUMBER), and that the token may read them"
        )
    if exc.status is not None and exc.status >= 500:
        return f"{exc}: GitHub is having trouble; run again in a few minutes"
    return str(exc)  # written for people where it is raised (e.g. "no board ...: check ...")


def _database(exc: Exception, settings: Settings | None) -> str:
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    password = None
    if settings is not None:
        try:
            password = make_url(settings.database_url).password
        except ArgumentError:
            password = None
    return (
        f"cannot use the database: {Redactor.of([password]).text(redact(cause))}: "
        "check BOARDWATCH_DATABASE_URL and that the database is running"
    )


def explain(exc: BaseException, settings: Settings | None) -> str | None:
    """One line saying what failed and what to do; None when `exc` is not one we know."""
    if isinstance(exc, GitHubError):
        line = _github(exc, settings)
    elif isinstance(exc, OperationalError):
        line = _database(exc, settings)
    elif isinstance(exc, (SettingsError, RulesError)):
        return str(exc)  # already says what and where; rule errors list one per line
    else:
        return None
    return " ".join(line.split())
