"""The fake's GitHub App: JWTs checked with the App's key, installations, deliveries, manifests."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from tests.fakegithub import FakeGitHub
from tests.fakegithub.state import App


def app_jwt(app: App, *, issuer: int | None = None, key: str | None = None) -> str:
    now = int(time.time())
    claims = {"iat": now - 60, "exp": now + 540, "iss": str(issuer or app.id)}
    return jwt.encode(claims, key or app.private_key_pem, algorithm="RS256")


@pytest.fixture
def app(fake_github: FakeGitHub) -> App:
    fake_github.add_repo("acme/tracker")
    return fake_github.setup_app("board-keeper", installations={77: "acme"})


def test_the_app_answers_only_a_jwt_signed_with_its_key(fake_github: FakeGitHub, app: App) -> None:
    base = fake_github.base_url
    good = httpx.get(f"{base}/app", headers={"Authorization": f"Bearer {app_jwt(app)}"})
    assert good.json()["slug"] == "board-keeper"
    stranger = FakeGitHub().setup_app("other")
    for token in (app_jwt(app, key=stranger.private_key_pem), app_jwt(app, issuer=1), "x.y.z"):
        refused = httpx.get(f"{base}/app", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401


def test_an_installation_token_acts_as_slug_bot(fake_github: FakeGitHub, app: App) -> None:
    base = fake_github.base_url
    bearer = {"Authorization": f"Bearer {app_jwt(app)}"}
    [listed] = httpx.get(f"{base}/app/installations", headers=bearer).json()
    assert (listed["id"], listed["account"]["login"]) == (77, "acme")
    found = httpx.get(f"{base}/repos/acme/tracker/installation", headers=bearer).json()
    assert found["id"] == 77
    made = httpx.post(f"{base}/app/installations/77/access_tokens", headers=bearer)
    assert made.status_code == 201 and made.json()["expires_at"].endswith("Z")
    token = made.json()["token"]
    fake_github.add_issue("acme/tracker")
    httpx.post(
        f"{base}/repos/acme/tracker/issues/1/comments",
        json={"body": "hi"},
        headers={"Authorization": f"token {token}"},
    )
    assert [c.author for c in fake_github.comments("acme/tracker", 1)] == ["board-keeper[bot]"]
    assert fake_github.bot_login == "board-keeper[bot]"
    missing = httpx.post(f"{base}/app/installations/5/access_tokens", headers=bearer)
    assert missing.status_code == 404


def test_hook_deliveries_page_by_cursor_newest_first_and_redelivery_is_recorded(
    fake_github: FakeGitHub, app: App
) -> None:
    for n in range(5):
        fake_github.add_hook_attempt(f"guid-{n}", 502 if n % 2 else 200, minutes_ago=10 - n)
    base, bearer = fake_github.base_url, {"Authorization": f"Bearer {app_jwt(app)}"}
    first = httpx.get(f"{base}/app/hook/deliveries", params={"per_page": 3}, headers=bearer)
    second = httpx.get(first.links["next"]["url"], headers=bearer)
    seen = [d["guid"] for d in first.json() + second.json()]
    assert seen == ["guid-4", "guid-3", "guid-2", "guid-1", "guid-0"]
    assert "next" not in second.links
    failed = next(d for d in first.json() if d["status_code"] == 502)
    again = httpx.post(f"{base}/app/hook/deliveries/{failed['id']}/attempts", headers=bearer)
    assert again.status_code == 202 and app.redelivered == [failed["id"]]


def test_a_manifest_code_converts_once(fake_github: FakeGitHub) -> None:
    base = fake_github.base_url
    manifest = '{"name": "Boardwatch", "redirect_url": "http://localhost/setup/done"}'
    page = httpx.post(f"{base}/settings/apps/new?state=s1", data={"manifest": manifest})
    assert page.status_code == 302
    code = page.headers["location"].split("code=")[1].split("&")[0]
    converted = httpx.post(f"{base}/app-manifests/{code}/conversions")
    assert converted.status_code == 201
    body = converted.json()
    assert body["slug"] == "boardwatch" and body["pem"].startswith("-----BEGIN RSA PRIVATE KEY")
    assert {"webhook_secret", "client_id", "client_secret", "id"} <= body.keys()
    assert httpx.post(f"{base}/app-manifests/{code}/conversions").status_code == 404
