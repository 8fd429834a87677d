"""Settings from the environment (and an optional `.env`), read by `get_settings()`.

Every setting is documented here, where it is read, and in the README's configuration table.
Secrets are `SecretStr`, so they never appear in `repr`, logs or errors.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from service.defaults import rules_dir as shipped_rules_dir

# `ORG/NUMBER` of a Projects v2 board and `OWNER/NAME` of a repository.
_PROJECT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/\d+$")
_REPOSITORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the variable and the fix."""


DEFAULT_SECRETS_FILE = Path("boardwatch-secrets.json")
# What the setup flow may store in the secrets file (nothing else is read from it).
SECRET_KEYS = ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET")


class SecretsFileSource(PydanticBaseSettingsSource):
    """App credentials from the JSON file the `/setup` flow wrote."""

    def __init__(self, settings_cls: type[BaseSettings], init_kwargs: dict[str, object]) -> None:
        super().__init__(settings_cls)
        given = init_kwargs.get("BOARDWATCH_SECRETS_FILE") or init_kwargs.get("secrets_file")
        self.path = Path(
            str(given or os.environ.get("BOARDWATCH_SECRETS_FILE") or DEFAULT_SECRETS_FILE)
        )

    def get_field_value(self, field: object, field_name: str) -> tuple[object, str, bool]:
        return None, field_name, False  # everything is returned by __call__

    def __call__(self) -> dict[str, object]:
        if not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(
                f"BOARDWATCH_SECRETS_FILE {self.path} cannot be read: {exc}; fix or remove it"
            ) from None
        return {key: data[key] for key in SECRET_KEYS if data.get(key) is not None}


class Settings(BaseSettings):
    # An empty variable counts as unset (a workflow's `${{ vars.X }}` is "" when X is not set):
    # `GITHUB_TOKEN=` means "no token", not a token that is empty.
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    # -- GitHub ----------------------------------------------------------------------------
    # Webhook secrets. Several may be given, comma-separated, so a secret can be rotated
    # without downtime: every listed secret is accepted.
    github_webhook_secret: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, alias="GITHUB_WEBHOOK_SECRET"
    )
    # A personal access token or fine-grained token (simplest setup).
    github_token: SecretStr | None = Field(default=None, alias="GITHUB_TOKEN")
    # A GitHub App: its id and private key (PEM text, or a path to the PEM file).
    github_app_id: int | None = Field(default=None, alias="GITHUB_APP_ID")
    github_app_private_key: SecretStr | None = Field(default=None, alias="GITHUB_APP_PRIVATE_KEY")
    github_app_private_key_path: Path | None = Field(
        default=None, alias="GITHUB_APP_PRIVATE_KEY_PATH"
    )
    # REST root; `https://HOST/api/v3` for GitHub Enterprise Server.
    github_api_url: str = Field(default="https://api.github.com", alias="GITHUB_API_URL")
    # GraphQL endpoint; derived from GITHUB_API_URL when unset.
    github_graphql_url: str | None = Field(default=None, alias="GITHUB_GRAPHQL_URL")
    # The longest a single GitHub call may wait on rate limits and retries, in seconds.
    github_max_wait: float = Field(default=120.0, alias="GITHUB_MAX_WAIT", gt=0)
    # Memory, in MiB per process, for the last answers of REST reads: the next read of the
    # same URL is conditional (If-None-Match) and a 304 costs no rate limit. 0 turns it off.
    github_cache_mb: float = Field(default=16.0, alias="BOARDWATCH_GITHUB_CACHE_MB", ge=0)
    # Longest time, in seconds, a process keeps a board's field definitions without a
    # `projects_v2` event or an unknown field in a `projects_v2_item` event saying they changed
    # (deployments that receive no project events still see renamed fields within this time).
    board_fields_ttl: float = Field(default=3600.0, alias="BOARDWATCH_BOARD_FIELDS_TTL", gt=0)

    # -- boardwatch ------------------------------------------------------------------------
    # SQLAlchemy URL: SQLite by default; `postgresql+psycopg://user@host/db` to scale out.
    database_url: str = Field(default="sqlite:///boardwatch.db", alias="BOARDWATCH_DATABASE_URL")
    # Folder of the default ruleset (YAML: rule files, targets.yml, issue-forms/). Unset: the
    # rules shipped in the package (the repository's rules/ folder).
    rules_dir: Path = Field(default_factory=shipped_rules_dir, alias="BOARDWATCH_RULES_DIR")
    # `ORG/NUMBER` of the default Projects v2 board. More boards: a repository whose
    # `.github/boardwatch.yml` says `board: ORG/NUMBER` is a tracker of that board (service.boards).
    project: str | None = Field(default=None, alias="BOARDWATCH_PROJECT")
    # `OWNER/NAME` of the default board's tracker repository (unset with a board: new issues of
    # every repository go on it).
    repository: str | None = Field(default=None, alias="BOARDWATCH_REPOSITORY")
    # Record writes instead of sending them. Default: on when no GitHub credentials are set.
    dry_run: bool | None = Field(default=None, alias="BOARDWATCH_DRY_RUN")
    # Bearer token for the admin API (`/deliveries`), also the token that reopens `/setup` once
    # GitHub credentials are configured; the admin API is off (404) without it.
    admin_token: SecretStr | None = Field(default=None, alias="BOARDWATCH_ADMIN_TOKEN")
    # File with App credentials written by the `/setup` manifest flow (mode 0600), read at
    # start when it exists; variables set in the environment take precedence over it.
    secrets_file: Path = Field(default=DEFAULT_SECRETS_FILE, alias="BOARDWATCH_SECRETS_FILE")
    # Log level of the JSON logs.
    log_level: str = Field(default="INFO", alias="BOARDWATCH_LOG_LEVEL")

    # -- reports: status history over HTTP (the digest Action) ---------------------------------
    # Bearer token that may only read status history (`GET /history`): the service accepts it,
    # and `boardwatch digest` sends it to BOARDWATCH_HISTORY_URL. Give the digest Action this
    # token rather than BOARDWATCH_ADMIN_TOKEN (which can replay deliveries).
    report_token: SecretStr | None = Field(default=None, alias="BOARDWATCH_REPORT_TOKEN")
    # `boardwatch digest`: the history endpoint of the service that records status changes,
    # e.g. `https://boardwatch.example.com/history`. Set, the digest reads time in status and
    # cycle times from there instead of this process's database.
    history_url: str | None = Field(default=None, alias="BOARDWATCH_HISTORY_URL")

    # -- worker ----------------------------------------------------------------------------
    # Worker processes that `serve` (0 = web only) and `worker` start; each evaluates one
    # delivery at a time, in its own process, so no evaluation can slow the web server down.
    workers: int = Field(default=1, alias="BOARDWATCH_WORKERS", ge=0)
    # How long a claimed delivery stays leased before another worker may take it, in seconds.
    lease_seconds: float = Field(default=60.0, alias="BOARDWATCH_LEASE_SECONDS", gt=0)
    # Attempts before a delivery ends `failed`.
    max_attempts: int = Field(default=5, alias="BOARDWATCH_MAX_ATTEMPTS", ge=1)
    # First retry delay in seconds; doubles each attempt, with jitter.
    retry_base_seconds: float = Field(default=2.0, alias="BOARDWATCH_RETRY_BASE_SECONDS", ge=0)
    # The longest an idle worker waits before it looks for work again, in seconds. A new
    # delivery wakes it at once (`service/store/wakeup.py`); the poll finds retries and
    # deliveries that come due later.
    poll_seconds: float = Field(default=0.5, alias="BOARDWATCH_POLL_SECONDS", gt=0)

    # -- evaluation budget (issue 12) ------------------------------------------------------
    # Longest one delivery may take, in seconds. Past it the delivery ends `failed` at once
    # (not retried; `boardwatch replay` it after a fix) and the later deliveries go on.
    # A worker that does not stop by itself is killed 10 s later and started again.
    evaluation_seconds: float = Field(default=60.0, alias="BOARDWATCH_EVALUATION_SECONDS", gt=0)

    # -- web server limits (issue 12) ------------------------------------------------------
    # Seconds a client has to send a request's headers (from connecting, or from the end of
    # its previous answer), and again to send its body; a slower connection is closed.
    http_read_seconds: float = Field(default=10.0, alias="BOARDWATCH_HTTP_READ_SECONDS", gt=0)
    # Seconds an idle keep-alive connection stays open after an answer.
    http_keepalive_seconds: int = Field(default=5, alias="BOARDWATCH_HTTP_KEEPALIVE_SECONDS", ge=1)
    # Open connections per `serve` process; one more is closed as soon as it is accepted. `serve`
    # raises its open-file limit to fit (up to the hard limit; lower, the cap is lowered and a
    # warning says so). 4,000 lets a burst of 2,000 deliveries all in (BENCHMARKS.md).
    http_max_connections: int = Field(default=4000, alias="BOARDWATCH_HTTP_MAX_CONNECTIONS", ge=1)

    # -- schedules (cron syntax, evaluated in BOARDWATCH_TIMEZONE) -------------------------
    # The defaults of every board; a tracker's `timezone:` and `schedules:` override them.
    reconcile_schedule: str = Field(default="0 * * * *", alias="BOARDWATCH_RECONCILE_SCHEDULE")
    reconcile_max_writes: int = Field(default=200, alias="BOARDWATCH_RECONCILE_MAX_WRITES", ge=0)
    digest_schedule: str = Field(default="0 8 * * 1", alias="BOARDWATCH_DIGEST_SCHEDULE")
    monthly_schedule: str = Field(default="0 8 1-7 * 4", alias="BOARDWATCH_MONTHLY_SCHEDULE")
    timezone: str = Field(default="UTC", alias="BOARDWATCH_TIMEZONE")
    # Digests name people without notifying them; true: @-mention the owners of items that
    # need attention (nobody else). `boardwatch digest --mention/--no-mention` overrides it.
    digest_mention: bool = Field(default=False, alias="BOARDWATCH_DIGEST_MENTION")
    # With a GitHub App: ask GitHub to redeliver webhooks that failed in the last two hours.
    recover_schedule: str = Field(default="*/30 * * * *", alias="BOARDWATCH_RECOVER_SCHEDULE")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        init_kwargs = getattr(init_settings, "init_kwargs", {})
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SecretsFileSource(settings_cls, init_kwargs),
        )

    @field_validator("github_webhook_secret", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("github_token", "report_token", "history_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # The digest workflow passes an unset variable or secret as an empty string.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("project")
    @classmethod
    def _check_project(cls, value: str | None) -> str | None:
        if value is not None and not _PROJECT_RE.match(value):
            raise ValueError(f"BOARDWATCH_PROJECT must be ORG/NUMBER, e.g. my-org/3, not {value!r}")
        return value

    @field_validator("repository")
    @classmethod
    def _check_repository(cls, value: str | None) -> str | None:
        if value is not None and not _REPOSITORY_RE.match(value):
            raise ValueError(
                f"BOARDWATCH_REPOSITORY must be OWNER/NAME, e.g. my-org/marketing, not {value!r}"
            )
        return value

    @field_validator("github_api_url", "github_graphql_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _derive(self) -> Self:
        if self.github_graphql_url is None:
            api = self.github_api_url
            # Enterprise Server serves REST at /api/v3 and GraphQL at /api/graphql.
            self.github_graphql_url = (
                api[: -len("/v3")] + "/graphql" if api.endswith("/api/v3") else api + "/graphql"
            )
        if self.github_app_private_key is None and self.github_app_private_key_path is not None:
            try:
                pem = self.github_app_private_key_path.read_text()
            except OSError as exc:
                raise ValueError(
                    f"GITHUB_APP_PRIVATE_KEY_PATH: cannot read {self.github_app_private_key_path}: "
                    f"{exc.strerror}"
                ) from None
            self.github_app_private_key = SecretStr(pem)
        if self.github_app_id is not None and self.github_app_private_key is None:
            raise ValueError(
                "GITHUB_APP_ID is set but no private key: set GITHUB_APP_PRIVATE_KEY "
                "or GITHUB_APP_PRIVATE_KEY_PATH"
            )
        if self.dry_run is None:
            self.dry_run = not self.has_credentials
        return self

    @property
    def has_credentials(self) -> bool:
        return self.github_token is not None or self.github_app_id is not None

    @property
    def uses_app(self) -> bool:
        return self.github_app_id is not None

    def check_can_serve(self) -> None:
        """Refuse to serve unsigned webhooks for real: only dry-run may run without a secret."""
        if not self.github_webhook_secret and not self.dry_run:
            raise SettingsError(
                "GITHUB_WEBHOOK_SECRET is not set: anyone could send webhooks that change your "
                "board. Set the secret you gave GitHub, or set BOARDWATCH_DRY_RUN=true to try "
                "boardwatch without one."
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests build `Settings(...)` directly instead."""
    return Settings()
