"""`GatewayFactory`: gateways per installation, from the settings (token, App, or none)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

from github import Auth, Github

from service.domain.models import HookDelivery
from service.gateway.client import BoardVersion, GitHubClient
from service.gateway.conditional import ConditionalCache
from service.gateway.errors import GitHubError
from service.gateway.graphql import GraphQLClient
from service.gateway.protocol import AppGateway, GitHubGateway
from service.gateway.rest import RestClient, next_link
from service.gateway.retry import RetryPolicy
from service.redact import Redactor, install
from service.settings import Settings


class AppClient:
    """Calls made as the App itself (a JWT): its slug, its webhook deliveries."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest
        self._slug: str | None = None

    def app_slug(self) -> str:
        if self._slug is None:
            _, data = self.rest.call("get_app")
            self._slug = str(data["slug"])
        return self._slug

    def installation_for(self, repo: str) -> int:
        owner, name = repo.split("/", 1)
        _, data = self.rest.call("repo_installation", params={"owner": owner, "repo": name})
        return int(data["id"])

    def list_hook_deliveries(self, since: datetime) -> list[HookDelivery]:
        found: list[HookDelivery] = []
        # Newest first; pages follow `Link: rel="next"` (cursor-based) until one is older.
        headers, data = self.rest.call("list_hook_deliveries", query={"per_page": 100})
        while True:
            page = [HookDelivery.model_validate(d) for d in data]
            found += [d for d in page if d.delivered_at >= since]
            following = next_link(headers)
            if not page or page[-1].delivered_at < since or following is None:
                return found
            headers, data = self.rest.call("list_hook_deliveries", url=following)

    def redeliver(self, delivery_id: int) -> None:
        self.rest.call("redeliver", params={"delivery_id": delivery_id})


class GatewayFactory:
    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        board_version: BoardVersion | None = None,
    ) -> None:
        """`board_version`: a board's field-definitions version as the store knows it (every
        process sees a change recorded by any other); None: field definitions expire only
        after `board_fields_ttl`."""
        self.settings = settings
        install(Redactor.from_settings(settings))  # what GitHub echoes is masked everywhere
        self.policy = RetryPolicy(max_wait=settings.github_max_wait, sleep=sleep)
        self.board_version = board_version
        # One bound for the whole process, shared by every installation's gateway.
        self.rest_cache = (
            ConditionalCache(int(settings.github_cache_mb * 2**20))
            if settings.github_cache_mb > 0
            else None
        )
        self._gateways: dict[int | None, GitHubGateway] = {}
        self._logins: dict[int | None, str | None] = {}
        self._app: AppClient | None = None
        self._lock = threading.Lock()

    def _github(self, auth: Auth.Auth | None) -> Github:
        # Retries, throttling and rate-limit waits are the gateway's job (counted, bounded).
        return Github(
            base_url=self.settings.github_api_url,
            auth=auth,
            retry=None,
            timeout=30,
            per_page=100,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def _app_auth(self) -> Auth.AppAuth:
        key = self.settings.github_app_private_key
        assert self.settings.github_app_id is not None and key is not None
        return Auth.AppAuth(self.settings.github_app_id, key.get_secret_value())

    def app(self) -> AppClient | None:
        """The App's own client; None without App credentials."""
        if not self.settings.uses_app:
            return None
        with self._lock:
            if self._app is None:
                self._app = AppClient(RestClient(self._github(self._app_auth()), self.policy))
            return self._app

    def _installation(self, installation_id: int | None) -> int:
        if installation_id is not None:
            return installation_id
        app = self.app()
        repo = self.settings.repository
        if app is None or repo is None:
            raise GitHubError(
                "installation",
                "no installation id: set BOARDWATCH_REPOSITORY so the App's installation "
                "can be found",
            )
        return app.installation_for(repo)

    def for_installation(self, installation_id: int | None) -> GitHubGateway:
        """The gateway for an installation (any id with a token; None: the tracker's)."""
        key = installation_id if self.settings.uses_app else None
        with self._lock:
            cached = self._gateways.get(key)
        if cached is not None:
            return cached
        token: Callable[[], str | None]
        # Whose reads the conditional-request cache keeps: what one installation (or token)
        # read is never answered to another.
        scope: str
        if self.settings.uses_app:
            installation = self._installation(installation_id)
            auth = self._app_auth().get_installation_auth(installation)
            github = self._github(auth)
            token = lambda: auth.token  # noqa: E731 - refreshed by PyGithub before expiry
            scope = f"installation:{installation}"
        elif self.settings.github_token is not None:
            secret = self.settings.github_token.get_secret_value()
            github = self._github(Auth.Token(secret))
            token = lambda: secret  # noqa: E731
            scope = f"token:{hashlib.sha256(secret.encode()).hexdigest()[:16]}"
        else:
            github = self._github(None)
            token = lambda: None  # noqa: E731
            scope = "anonymous"
        dry_run = bool(self.settings.dry_run)
        gateway: GitHubGateway = GitHubClient(
            RestClient(github, self.policy, dry_run=dry_run, cache=self.rest_cache, scope=scope),
            GraphQLClient(
                str(self.settings.github_graphql_url), token, self.policy, dry_run=dry_run
            ),
            bot_login=partial(self._require_login, installation_id),
            board_version=self.board_version,
            fields_ttl=self.settings.board_fields_ttl,
        )
        with self._lock:
            self._gateways.setdefault(key, gateway)
            return self._gateways[key]

    def _require_login(self, installation_id: int | None) -> str:
        login = self.bot_login(installation_id)
        if login is None:
            raise GitHubError("bot_login", "no GitHub credentials: the bot has no login")
        return login

    def bot_login(self, installation_id: int | None = None) -> str | None:
        """Who the bot is: `slug[bot]` for an App, the token's user, None without credentials."""
        key = None  # one login per process: the App, or the token's user
        with self._lock:
            if key in self._logins:
                return self._logins[key]
        login: str | None = None
        app = self.app()
        if app is not None:
            login = f"{app.app_slug()}[bot]"
        elif self.settings.github_token is not None:
            rest = RestClient(
                self._github(Auth.Token(self.settings.github_token.get_secret_value())),
                self.policy,
            )
            _, data = rest.call("get_user")
            login = str(data["login"])
        with self._lock:
            self._logins[key] = login
        return login


__all__ = ["AppClient", "AppGateway", "GatewayFactory"]
