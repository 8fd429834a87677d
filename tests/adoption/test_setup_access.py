"""Who may use /setup: anyone before the first App, only the admin after it (even pre-restart)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import httpx

from tests.adoption.test_setup_flow import setup_app
from tests.fakegithub import FakeGitHub
from tests.support.live import serving


def start(client: httpx.Client, path: str, **form: str) -> tuple[str, str]:
    """Submit the start page's form as a browser would: GitHub's form action and manifest."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    target = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
    step = client.post(target, data={"service_url": str(client.base_url), **form})
    assert step.status_code == 200, step.text
    action = re.search(r'<form method="post" action="([^"]+)" id="manifest-form"', step.text)[1]
    manifest = re.search(r'name="manifest" id="manifest" value="([^"]+)"', step.text)[1]
    return html.unescape(action), html.unescape(manifest)


def confirm_on_github(client: httpx.Client, started: tuple[str, str]) -> httpx.Response:
    """The browser posts the manifest to GitHub, which redirects back with a code."""
    action, manifest = started
    return client.post(action, data={"manifest": manifest})


def test_a_finished_setup_closes_the_page_before_any_restart(
    fake_github: FakeGitHub, sqlite_store, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "secrets.json"
    app = setup_app(fake_github, sqlite_store, secrets_file)
    with serving(app) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        ours = start(client, "/setup", organization="acme")
        theirs = start(client, "/setup", organization="mallory")  # started before ours ends
        assert confirm_on_github(client, ours).status_code == 200
        stored = secrets_file.read_text()
        assert client.get("/setup").status_code == 404
        late = confirm_on_github(client, theirs)
    assert late.status_code == 409 and "already configured" in late.text
    assert secrets_file.read_text() == stored


def test_the_admin_may_replace_a_configured_app(
    fake_github: FakeGitHub, sqlite_store, tmp_path: Path
) -> None:
    old = fake_github.setup_app("old-app")
    secrets_file = tmp_path / "secrets.json"
    app = setup_app(
        fake_github,
        sqlite_store,
        secrets_file,
        GITHUB_APP_ID=str(old.id),
        GITHUB_APP_PRIVATE_KEY=old.private_key_pem,
        BOARDWATCH_ADMIN_TOKEN="let me in",
    )
    fake_github.app = None  # GitHub makes a new App for the new manifest
    with serving(app) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        assert client.get("/setup").status_code == 404
        # The token travels from the start page to its form, not to GitHub's redirect.
        started = start(client, "/setup?admin_token=let%20me%20in", organization="acme")
        assert "admin_token" not in started[0] and "let me in" not in started[1]
        done = confirm_on_github(client, started)
    assert done.status_code == 200 and "is ready" in done.text
    assert fake_github.app is not None and fake_github.app.id != old.id
    assert json.loads(secrets_file.read_text())["GITHUB_APP_ID"] == fake_github.app.id
