"""The /setup flow without a browser: manifest, state check, credentials stored 0600."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from service.setup.manifest import manifest, new_app_url, web_url
from tests.fakegithub import FakeGitHub
from tests.support.apps import make_app, subject_recorder
from tests.support.live import serving


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com"),
    ],
)
def test_github_web_address_from_the_api_address(api: str, web: str) -> None:
    assert web_url(api) == web
    assert new_app_url(web, "acme") == f"{web}/organizations/acme/settings/apps/new"


def test_the_manifest_asks_for_what_the_documented_features_need() -> None:
    found = manifest("https://bw.example.com/")
    assert found["hook_attributes"]["url"] == "https://bw.example.com/webhook"
    assert found["redirect_url"] == "https://bw.example.com/setup/callback"
    assert found["default_permissions"] == {
        "issues": "write",
        "organization_projects": "write",
        "metadata": "read",
        "contents": "write",  # init --issue-forms commits the forms to a branch
        "pull_requests": "write",  # ... and opens the pull request
    }
    assert set(found["default_events"]) == {
        "issues",
        "issue_comment",
        "issue_dependencies",
        "sub_issues",
        "projects_v2_item",
        "projects_v2",
        "push",
    }


def setup_app(fake: FakeGitHub, store, secrets_file: Path, **extra):
    registry, _ = subject_recorder()
    return make_app(
        store,
        registry,
        GITHUB_API_URL=fake.base_url,
        BOARDWATCH_SECRETS_FILE=str(secrets_file),
        **extra,
    )


def test_the_whole_flow_over_http(fake_github: FakeGitHub, sqlite_store, tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets" / "boardwatch.json"
    app = setup_app(fake_github, sqlite_store, secrets_file)
    with serving(app) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        page = client.get("/setup")
        assert page.status_code == 200 and "Set up boardwatch" in page.text
        step = client.post(
            "/setup", data={"service_url": base, "organization": "acme", "name": "Acme bot"}
        )
        action = re.search(r'<form method="post" action="([^"]+)"', step.text).group(1)
        value = re.search(r'name="manifest" id="manifest" value="([^"]+)"', step.text).group(1)
        document = json.loads(value.replace("&#34;", '"').replace("&quot;", '"'))
        assert action.startswith(f"{fake_github.base_url}/organizations/acme/settings/apps/new?")
        # The browser posts the manifest to GitHub, which redirects back with a code.
        done = client.post(action.replace("&amp;", "&"), data={"manifest": json.dumps(document)})
        assert done.status_code == 200, done.text
        assert "is ready" in done.text and "/installations/new" in done.text
    stored = json.loads(secrets_file.read_text())
    assert stored["GITHUB_APP_ID"] == fake_github.app.id
    assert stored["GITHUB_APP_PRIVATE_KEY"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert stored["GITHUB_WEBHOOK_SECRET"].startswith("whsec-")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    settings = Settings(_env_file=None, BOARDWATCH_SECRETS_FILE=str(secrets_file))
    assert settings.uses_app and settings.github_app_id == fake_github.app.id


def test_a_callback_without_a_state_issued_here_is_refused(
    fake_github: FakeGitHub, sqlite_store, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "s.json"
    app = setup_app(fake_github, sqlite_store, secrets_file)
    with serving(app) as base:
        answer = httpx.get(f"{base}/setup/callback?code=stolen&state=forged")
    assert answer.status_code == 400 and "did not come from a setup started here" in answer.text
    assert not secrets_file.exists()


def test_once_an_app_is_configured_setup_needs_the_admin_token(
    fake_github: FakeGitHub, sqlite_store, tmp_path: Path
) -> None:
    app_ = fake_github.setup_app()
    app = setup_app(
        fake_github,
        sqlite_store,
        tmp_path / "s.json",
        GITHUB_APP_ID=str(app_.id),
        GITHUB_APP_PRIVATE_KEY=app_.private_key_pem,
        BOARDWATCH_ADMIN_TOKEN="let-me-in",
    )
    with serving(app) as base:
        assert httpx.get(f"{base}/setup").status_code == 401
        assert httpx.get(f"{base}/setup", headers={"Authorization": "Bearer no"}).status_code == 401
        sent = {"Authorization": "Bearer let-me-in"}
        assert httpx.get(f"{base}/setup", headers=sent).status_code == 200
        assert httpx.post(f"{base}/setup", data={"admin_token": "let-me-in"}).status_code == 200
        assert httpx.get(f"{base}/setup?admin_token=let-me-in").status_code == 400
