"""One redactor for every configured secret, which every sink passes text through.

Logs, GitHub errors, stored outcomes and errors, admin answers and what the bot writes to
GitHub all go through `current()`: whatever GitHub or a proxy echoes (a token in an error
body, a header in a debug line) is masked before it is written anywhere.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

if TYPE_CHECKING:
    from service.settings import Settings

MASK = "***"
# Shorter values would mask ordinary words everywhere; a secret that short is guessable anyway.
MIN_SECRET_LENGTH = 4
# GitHub tokens (classic, fine-grained, App installation, OAuth, refresh) and JWTs: masked even
# when not configured here, e.g. the installation tokens PyGithub fetches for an App.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{8,}|github_pat_[A-Za-z0-9_]{8,}"
    r"|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+)"
)
T = TypeVar("T")


def _forms(secret: str) -> set[str]:
    """The ways `secret` can appear in text: as is, JSON-escaped, URL-quoted, line by line."""
    found = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        # surrogatepass: a secret read from the environment may hold undecodable bytes
        quote(secret, safe="", errors="surrogatepass"),
    }
    if "\n" in secret:
        # A PEM key: one line of it is already a leak; its BEGIN/END lines are not secret.
        found.update(
            line.strip()
            for line in secret.splitlines()
            if line.strip() and not line.strip().startswith("-----")
        )
    return {form for form in found if len(form) >= MIN_SECRET_LENGTH}


def _database_password(url: str) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None


@dataclass(frozen=True)
class Redactor:
    """Masks the given secrets (in every form they may be echoed in) and GitHub token shapes."""

    secrets: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        forms = {form for secret in self.secrets for form in _forms(secret)}
        if forms:
            # Longest first, so a whole secret is masked rather than a piece of it; the
            # alternatives are escaped literals, so matching is linear in the text.
            ordered = sorted(forms, key=lambda form: (-len(form), form))
            pattern = re.compile("|".join(re.escape(form) for form in ordered))
            object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Redactor:
        return cls(tuple(sorted({v for v in values if v and len(v) >= MIN_SECRET_LENGTH})))

    @classmethod
    def from_settings(cls, settings: Settings) -> Redactor:
        """Every secret the settings hold: token, App key, webhook secrets, admin token, DB."""
        values: list[str | None] = [s.get_secret_value() for s in settings.github_webhook_secret]
        for secret in (
            settings.github_token,
            settings.github_app_private_key,
            settings.admin_token,
        ):
            if secret is not None:
                values.append(secret.get_secret_value())
        values.append(_database_password(settings.database_url))
        return cls.of(values)

    def text(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return _TOKEN_SHAPES.sub(MASK, text)

    def value(self, data: T) -> T:
        """`data` (JSON-like: dicts, lists, strings) with every string redacted."""
        return cast(T, self._walk(data))

    def _walk(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {self._walk(key): self._walk(value) for key, value in data.items()}
        if isinstance(data, list | tuple):
            return type(data)(self._walk(item) for item in data)
        return data


_current = Redactor()
_factory_lock = threading.Lock()
_factory_installed = False


def install(redactor: Redactor) -> None:
    """Make `redactor` the process's (a process serves one set of settings), logs included."""
    global _current, _factory_installed
    _current = redactor
    with _factory_lock:
        if not _factory_installed:
            logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
            _factory_installed = True


def current() -> Redactor:
    return _current


def redact(text: str) -> str:
    """`text` with every configured secret and GitHub token masked."""
    return _current.text(text)


def _redacting_factory(
    make: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    """Log records whose message is redacted as they are made, before any handler sees them.

    A filter on a handler would miss the handlers others add (pytest's, an error tracker's);
    the JSON formatter in `service.logs` also redacts the whole line, tracebacks included.
    """

    def record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        made = make(*args, **kwargs)
        try:
            message = made.getMessage()
        except Exception:
            return made  # a broken format string is the handler's to report, as usual
        cleaned = _current.text(message)
        if cleaned != message:
            made.msg, made.args = cleaned, None
        return made

    return record
