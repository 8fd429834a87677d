"""`/setup`: create the GitHub App from its manifest and store the credentials (first run).

Open to anyone only while no GitHub credentials are configured (token or App, from the
environment or the secrets file). After that only the admin may use it, with the admin token
in an `Authorization: Bearer` header or the form's `admin_token` field, never in the URL.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials
from github import Github
from jinja2 import Environment, PackageLoader

from service.admin import ErrorDetail
from service.admin_token import bearer, matches
from service.gateway.errors import GitHubError
from service.gateway.rest import RestClient
from service.gateway.retry import RetryPolicy
from service.settings import Settings
from service.setup.manifest import manifest, new_app_url, web_url
from service.setup.secrets_file import write_secrets
from service.store.setup_states import SetupStates, Starter, TooManySetups

MAX_FORM_BYTES = 64 * 1024  # the forms hold an address, a name and a token
MAX_URL = 2048
MAX_NAME = 34  # GitHub's limit for an App name
MAX_ORGANIZATION = 39  # GitHub's limit for a login

_HTML = {"text/html": {"schema": {"type": "string"}}}


def _documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    why = {
        200: "The page",
        400: "A wrong form value, an unknown or expired state, or a token in the URL",
        401: "Setup is closed: the page asks for the admin token",
        404: "Setup is closed and no admin token is configured",
        409: "Another setup finished first",
        429: "Too many setups under way",
        502: "GitHub did not create the App",
    }
    return {status: {"description": why[status], "content": _HTML} for status in statuses}


router = APIRouter(
    prefix="/setup",
    tags=["setup"],
    max_body_size=MAX_FORM_BYTES,
    responses={413: {"model": ErrorDetail, "description": f"Form over {MAX_FORM_BYTES} bytes"}},
)
_templates = Environment(loader=PackageLoader("service.setup", "templates"), autoescape=True)


def _page(step: str, status: int = 200, **values: object) -> HTMLResponse:
    html = _templates.get_template("setup.html.j2").render(step=step, **values)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return HTMLResponse(html, status_code=status, headers=headers)


def _error(status: int, message: str) -> HTMLResponse:
    return _page("error", status, message=message)


def _stored_app(settings: Settings) -> bool:
    """Whether the secrets file already holds an App (a setup finished since the start)."""
    try:
        stored = json.loads(settings.secrets_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # unreadable: closed, rather than open to whoever comes first
    return isinstance(stored, dict) and stored.get("GITHUB_APP_ID") is not None


def _closed(settings: Settings) -> bool:
    # Any credentials close the page. A finished setup closes it at once, not only after the
    # restart that loads them: otherwise a second visitor could replace the stored App.
    return settings.has_credentials or _stored_app(settings)


def _token_in_url(request: Request) -> HTMLResponse | None:
    if "admin_token" not in request.query_params:
        return None
    return _error(
        400,
        "The admin token does not belong in the address: addresses end up in browser history "
        "and in server and proxy logs. Send it in an Authorization: Bearer header, or type it "
        "into the admin token field of this page's form.",
    )


Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
FormText = Annotated[str | None, Form()]


class _Visit:
    """Who is asking: whether setup is open to them, and whether they showed the admin token."""

    def __init__(self, request: Request, header: Bearer, form_token: str | None) -> None:
        self.settings: Settings = request.app.state.settings
        expected = self.settings.admin_token
        typed = matches(form_token, expected)
        self.admin = typed or matches(header.credentials if header else None, expected)
        # Echoed into the next form only when it is right: it then travels in bodies only.
        self.form_token = form_token if typed else None
        self.closed = _closed(self.settings)

    def refused(self) -> HTMLResponse | None:
        if not self.closed or self.admin:
            return None
        if self.settings.admin_token is None:
            return _error(
                404,
                "Setup is closed: GitHub credentials are configured. To replace them through "
                "this page, set BOARDWATCH_ADMIN_TOKEN and restart.",
            )
        return _page("locked", 401)


def _start(request: Request, visit: _Visit) -> HTMLResponse:
    service_url = str(request.base_url).rstrip("/")
    return _page(
        "start",
        service_url=service_url,
        events=manifest(service_url)["default_events"],
        admin_token=visit.form_token,
    )


def _form_problem(service_url: str, name: str, organization: str) -> str | None:
    if len(service_url) > MAX_URL or not service_url.startswith(("https://", "http://")):
        return f"{service_url[:100]!r} is not an http(s) address (of at most {MAX_URL} characters)"
    if len(name) > MAX_NAME:
        return f"The App name may have at most {MAX_NAME} characters"
    if len(organization) > MAX_ORGANIZATION or not all(
        c.isascii() and (c.isalnum() or c == "-") for c in organization
    ):
        return f"{organization[:100]!r} is not a GitHub organization name"
    return None


@router.get("", response_class=HTMLResponse, responses=_documented(400, 401, 404))
async def start(request: Request, header: Bearer) -> HTMLResponse:
    visit = _Visit(request, header, None)
    return _token_in_url(request) or visit.refused() or _start(request, visit)


@router.post("", response_class=HTMLResponse, responses=_documented(400, 401, 404, 429))
async def to_github(
    request: Request,
    header: Bearer,
    service_url: FormText = None,
    name: FormText = None,
    organization: FormText = None,
    admin_token: FormText = None,
) -> HTMLResponse:
    """The start page's form (or, with only `admin_token`, the admin unlocking the page)."""
    visit = _Visit(request, header, admin_token)
    refused = _token_in_url(request) or visit.refused()
    if refused is not None:
        return refused
    if service_url is None:
        return _start(request, visit)
    organization = (organization or "").strip()
    name = (name or "").strip() or "boardwatch"
    problem = _form_problem(service_url, name, organization)
    if problem is not None:
        return _error(400, problem)
    starter: Starter = "admin" if visit.admin else "anyone"
    states = SetupStates(request.app.state.store.engine)
    try:
        state = await run_in_threadpool(states.issue, starter)
    except TooManySetups:
        return _error(429, "Too many setups were started in the last hour. Try again later.")
    github = new_app_url(web_url(visit.settings.github_api_url), organization or None)
    document = manifest(service_url, name)
    return _page(
        "manifest",
        github_url=f"{github}?state={state}",
        manifest_json=json.dumps(document),
        manifest_pretty=json.dumps(document, indent=2),
        secrets_file=str(visit.settings.secrets_file),
    )


@router.get("/callback", response_class=HTMLResponse, responses=_documented(400, 409, 502))
async def callback(request: Request, code: str = "", state: str = "") -> HTMLResponse:
    # GitHub's redirect carries no admin token: the one-time state says who started the
    # setup, and whether that was the admin (who may replace configured credentials).
    settings: Settings = request.app.state.settings
    refused = _token_in_url(request)
    if refused is not None:
        return refused
    states = SetupStates(request.app.state.store.engine)
    starter = await run_in_threadpool(states.take, state) if code else None
    if starter is None:
        return _error(
            400,
            "This link did not come from a setup started here, was used already, or expired "
            "(a setup must finish within an hour). Start again from this page.",
        )
    if starter != "admin" and _closed(settings):
        return _error(
            409,
            "GitHub credentials are already configured (another setup finished first). To "
            "replace them, start again from /setup with the admin token.",
        )
    rest = RestClient(
        Github(base_url=settings.github_api_url, retry=None),
        RetryPolicy(max_wait=settings.github_max_wait),
    )
    try:
        _, app = await run_in_threadpool(rest.call, "manifest_conversion", params={"code": code})
    except GitHubError as exc:
        return _error(502, f"GitHub did not create the App: {exc}")
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
