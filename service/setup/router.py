"""`/setup`: create the GitHub App from its manifest and store the credentials (first run)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from github import Github
from jinja2 import Environment, PackageLoader

from service.gateway.errors import GitHubError
from service.gateway.rest import RestClient
from service.gateway.retry import RetryPolicy
from service.settings import Settings
from service.setup.manifest import manifest, new_app_url, web_url
from service.setup.secrets_file import write_secrets

router = APIRouter(prefix="/setup", tags=["setup"], include_in_schema=False)
_templates = Environment(loader=PackageLoader("service.setup", "templates"), autoescape=True)
STATE_TTL = 3600.0  # seconds a started setup may take on GitHub's side


class _States:
    """One-time `state` values that tie GitHub's redirect to a setup started here (CSRF)."""

    def __init__(self) -> None:
        self._issued: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def issue(self, *, admin: bool) -> str:
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._issued[value] = (time.monotonic(), admin)
        return value

    def take(self, value: str) -> bool | None:
        """None when `value` was not issued here (or expired); else whether the admin asked."""
        with self._lock:
            issued = self._issued.pop(value, None)
        if issued is None or time.monotonic() - issued[0] >= STATE_TTL:
            return None
        return issued[1]


STATES = _States()


def _page(step: str, status: int = 200, **values: object) -> HTMLResponse:
    html = _templates.get_template("setup.html.j2").render(step=step, **values)
    return HTMLResponse(html, status_code=status)


def _configured(settings: Settings) -> bool:
    # A finished setup closes the page at once, not only after the restart that loads the
    # credentials: otherwise a second visitor could replace the stored App with their own.
    return settings.uses_app or _stored_app(settings)


def _allowed(request: Request, admin_token: str | None) -> tuple[Settings, bool]:
    """The settings, and whether the admin token was given (it is needed once an App exists).

    The setup exists while no App is configured, or for the admin (token in the URL).
    """
    settings: Settings = request.app.state.settings
    expected = settings.admin_token.get_secret_value() if settings.admin_token else None
    admin = bool(expected and admin_token and secrets.compare_digest(admin_token, expected))
    if admin or not _configured(settings):
        return settings, admin
    raise HTTPException(404, "Not Found")


def _stored_app(settings: Settings) -> bool:
    """Whether the secrets file already holds an App (a setup finished since the start)."""
    try:
        stored = json.loads(settings.secrets_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # unreadable: closed, rather than open to whoever comes first
    return isinstance(stored, dict) and stored.get("GITHUB_APP_ID") is not None


AdminToken = Annotated[str | None, Query(alias="admin_token")]


@router.get("", response_class=HTMLResponse)
async def start(request: Request, admin_token: AdminToken = None) -> HTMLResponse:
    _, admin = _allowed(request, admin_token)
    service_url = str(request.base_url).rstrip("/")
    return _page(
        "start",
        service_url=service_url,
        events=manifest(service_url)["default_events"],
        admin_token=admin_token if admin else None,
    )


@router.post("", response_class=HTMLResponse)
async def to_github(
    request: Request,
    service_url: Annotated[str, Form()],
    name: Annotated[str, Form()] = "boardwatch",
    organization: Annotated[str, Form()] = "",
    admin_token: AdminToken = None,
) -> HTMLResponse:
    settings, admin = _allowed(request, admin_token)
    if not service_url.startswith(("https://", "http://")):
        return _page("error", 400, message=f"{service_url!r} is not an http(s) address")
    state = STATES.issue(admin=admin)
    github = new_app_url(web_url(settings.github_api_url), organization.strip() or None)
    document = manifest(service_url, name.strip() or "boardwatch")
    return _page(
        "manifest",
        github_url=f"{github}?state={state}",
        manifest_json=json.dumps(document),
        manifest_pretty=json.dumps(document, indent=2),
        secrets_file=str(settings.secrets_file),
    )


@router.get("/callback", response_class=HTMLResponse)
async def callback(request: Request, code: str = "", state: str = "") -> HTMLResponse:
    # GitHub's redirect carries no admin token: the one-time state says who started the
    # setup, and whether that was the admin (who may replace a configured App).
    settings: Settings = request.app.state.settings
    by_admin = STATES.take(state) if code else None
    if by_admin is None:
        return _page(
            "error",
            400,
            message="This link did not come from a setup started here (or it expired). "
            "Start again from this page.",
        )
    if not by_admin and _configured(settings):
        return _page(
            "error",
            409,
            message="An App is already configured (another setup finished first). To replace "
            "it, start again with the admin token: /setup?admin_token=…",
        )
    rest = RestClient(
        Github(base_url=settings.github_api_url, retry=None),
        RetryPolicy(max_wait=settings.github_max_wait),
    )
    try:
        _, app = await run_in_threadpool(rest.call, "manifest_conversion", params={"code": code})
    except GitHubError as exc:
        return _page("error", 502, message=f"GitHub did not create the App: {exc}")
    await run_in_threadpool(
        write_secrets,
        settings.secrets_file,
        {
            "GITHUB_APP_ID": app["id"],
            "GITHUB_APP_PRIVATE_KEY": app["pem"],
            "GITHUB_WEBHOOK_SECRET": app["webhook_secret"],
        },
    )
    return _page(
        "done",
        slug=app.get("slug", "boardwatch"),
        install_url=f"{app['html_url']}/installations/new",
        secrets_file=str(settings.secrets_file),
    )
