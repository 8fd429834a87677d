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
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._issued[value] = time.monotonic()
        return value

    def take(self, value: str) -> bool:
        with self._lock:
            issued = self._issued.pop(value, None)
        return issued is not None and time.monotonic() - issued < STATE_TTL


STATES = _States()


def _page(step: str, status: int = 200, **values: object) -> HTMLResponse:
    html = _templates.get_template("setup.html.j2").render(step=step, **values)
    return HTMLResponse(html, status_code=status)


def _allowed(request: Request, admin_token: str | None) -> Settings:
    """The setup exists while no App is configured, or for the admin (token in the URL)."""
    settings: Settings = request.app.state.settings
    if not settings.uses_app:
        return settings
    expected = settings.admin_token.get_secret_value() if settings.admin_token else None
    if expected and admin_token and secrets.compare_digest(admin_token, expected):
        return settings
    raise HTTPException(404, "Not Found")


AdminToken = Annotated[str | None, Query(alias="admin_token")]


@router.get("", response_class=HTMLResponse)
async def start(request: Request, admin_token: AdminToken = None) -> HTMLResponse:
    _allowed(request, admin_token)
    service_url = str(request.base_url).rstrip("/")
    return _page("start", service_url=service_url, events=manifest(service_url)["default_events"])


@router.post("", response_class=HTMLResponse)
async def to_github(
    request: Request,
    service_url: Annotated[str, Form()],
    name: Annotated[str, Form()] = "boardwatch",
    organization: Annotated[str, Form()] = "",
    admin_token: AdminToken = None,
) -> HTMLResponse:
    settings = _allowed(request, admin_token)
    if not service_url.startswith(("https://", "http://")):
        return _page("error", 400, message=f"{service_url!r} is not an http(s) address")
    state = STATES.issue()
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
async def callback(
    request: Request, code: str = "", state: str = "", admin_token: AdminToken = None
) -> HTMLResponse:
    settings = _allowed(request, admin_token)
    if not code or not STATES.take(state):
        return _page(
            "error",
            400,
            message="This link did not come from a setup started here (or it expired). "
            "Start again from this page.",
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
