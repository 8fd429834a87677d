"""Who may use /setup: anyone until credentials exist, then only the admin (header or form)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from service.store import Store
from service.store.setup_states import SetupStates, TooManySetups
from tests.adoption.test_setup_flow import setup_app
from tests.fakegithub import TOKEN, FakeGitHub
from tests.support.live import serving

ADMIN = "let me in"


def _form(page: str, form_id: str | None = None) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of the page's (first, or `form_id`) form."""
    where = f' id="{form_id}"' if form_id else ""
    match = re.search(rf'<form method="post" action="([^"]+)"{where}>(.*?)</form>', page, re.S)
    assert match is not None, page
    hidden = re.findall(
        r'<input type="hidden" name="([^"]+)"(?: id="[^"]+")? value="([^"]*)"', match[2]
    )
    return html.unescape(match[1]), {name: html.unescape(value) for name, value in hidden}


def start(client: httpx.Client, page: httpx.Response, **form: str) -> tuple[str, dict[str, str]]:
    """Submit the start page's form as a browser would; GitHub's form action and its fields."""
    assert page.status_code == 200, page.text
    action, hidden = _form(page.text)
    step = client.post(action, data={"service_url": str(client.base_url), **hidden, **form})
    assert step.status_code == 200, step.text
    return _form(step.text, "manifest-form")


def confirm_on_github(client: httpx.Client, started: tuple[str, dict[str, str]]) -> httpx.Response:
    """The browser posts the manifest to GitHub, which redirects back with a code."""
    action, fields = started
    return client.post(action, data=fields)


def test_a_finished_setup_closes_the_page_before_any_restart(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "secrets.json"
    app = setup_app(fake_github, sqlite_store, secrets_file)
    with serving(app) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        ours = start(client, client.get("/setup"), organization="acme")
        theirs = start(client, client.get("/setup"), organization="mallory")  # before ours ends
        assert confirm_on_github(client, ours).status_code == 200
        stored = secrets_file.read_text()
        assert client.get("/setup").status_code == 404
        late = confirm_on_github(client, theirs)
    assert late.status_code == 409 and "already configured" in late.text
    assert secrets_file.read_text() == stored


@pytest.mark.parametrize(
    "credentials",
    [{"GITHUB_TOKEN": TOKEN}, {"GITHUB_APP_ID": "app"}],
    ids=["token", "app"],
)
def test_any_configured_credentials_close_setup_to_visitors(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path, credentials: dict[str, str]
) -> None:
    if "GITHUB_APP_ID" in credentials:
        made = fake_github.setup_app()
        credentials = {
            "GITHUB_APP_ID": str(made.id),
            "GITHUB_APP_PRIVATE_KEY": made.private_key_pem,
        }
    secrets_file = tmp_path / "s.json"
    app = setup_app(fake_github, sqlite_store, secrets_file, **credentials)
    with serving(app) as base, httpx.Client(base_url=base) as client:
        page = client.get("/setup")
        sent = client.post("/setup", data={"service_url": base, "organization": "mallory"})
    assert page.status_code == sent.status_code == 404
    assert "Setup is closed" in page.text and "BOARDWATCH_ADMIN_TOKEN" in page.text
    assert SetupStates(sqlite_store.engine).count() == 0  # nothing was started
    assert not secrets_file.exists()


def test_the_admin_replaces_the_app_with_the_token_typed_into_the_page(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path
) -> None:
    old = fake_github.setup_app("old-app")
    secrets_file = tmp_path / "secrets.json"
    app = setup_app(
        fake_github,
        sqlite_store,
        secrets_file,
        GITHUB_APP_ID=str(old.id),
        GITHUB_APP_PRIVATE_KEY=old.private_key_pem,
        BOARDWATCH_ADMIN_TOKEN=ADMIN,
    )
    fake_github.app = None  # GitHub makes a new App for the new manifest
    with serving(app) as base, httpx.Client(base_url=base, follow_redirects=True) as client:
        locked = client.get("/setup")
        assert locked.status_code == 401 and 'id="unlock-form"' in locked.text
        assert "service_url" not in locked.text  # nothing to start without the token
        wrong = client.post("/setup", data={"admin_token": "let me out"})
        assert wrong.status_code == 401
        unlocked = client.post("/setup", data={"admin_token": ADMIN})
        started = start(client, unlocked, organization="acme")
        # The token travels in form bodies only: never to GitHub, never in an address.
        assert ADMIN not in started[0] and ADMIN not in json.dumps(started[1])
        done = confirm_on_github(client, started)
    assert done.status_code == 200 and "is ready" in done.text
    assert fake_github.app is not None and fake_github.app.id != old.id
    assert json.loads(secrets_file.read_text())["GITHUB_APP_ID"] == fake_github.app.id


def test_the_admin_token_in_a_bearer_header_opens_setup(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path
) -> None:
    app = setup_app(
        fake_github,
        sqlite_store,
        tmp_path / "s.json",
        GITHUB_TOKEN=TOKEN,
        BOARDWATCH_ADMIN_TOKEN=ADMIN,
    )
    with serving(app) as base, httpx.Client(base_url=base) as client:
        assert client.get("/setup", headers={"Authorization": "Bearer wrong"}).status_code == 401
        page = client.get("/setup", headers={"Authorization": f"Bearer {ADMIN}"})
        sent = client.post(
            "/setup",
            data={"service_url": base},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    assert page.status_code == 200 and "Set up boardwatch" in page.text
    assert sent.status_code == 200 and 'id="manifest-form"' in sent.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/setup"), ("POST", "/setup"), ("GET", "/setup/callback?code=c&state=s")],
)
def test_a_token_in_the_address_is_refused_with_where_to_put_it(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path, method: str, path: str
) -> None:
    app = setup_app(
        fake_github,
        sqlite_store,
        tmp_path / "s.json",
        GITHUB_TOKEN=TOKEN,
        BOARDWATCH_ADMIN_TOKEN=ADMIN,
    )
    joined = "&" if "?" in path else "?"
    with serving(app) as base, httpx.Client(base_url=base) as client:
        form = {"service_url": base} if method == "POST" else None
        answer = client.request(method, f"{path}{joined}admin_token=let%20me%20in", data=form)
    assert answer.status_code == 400
    assert "Authorization: Bearer header" in answer.text and "admin token field" in answer.text


@pytest.mark.parametrize(
    "sent",
    [
        {"headers": {"Authorization": "Bearer"}},
        {"headers": {"Authorization": "Bearer ßüñé ✓".encode()}},
        {"headers": {"Authorization": "Bearer " + "x" * 8000}},
        {"data": {"admin_token": ""}},
        {"data": {"admin_token": "ünïcødé ✓ 🔑"}},
        {"data": {"admin_token": "\x00" + "y" * 60000}},
    ],
    ids=["empty", "utf-8-bytes", "long-header", "empty-form", "unicode-form", "huge-form"],
)
def test_any_admin_token_gets_a_clear_answer(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path, sent: dict
) -> None:
    app = setup_app(
        fake_github,
        sqlite_store,
        tmp_path / "s.json",
        GITHUB_TOKEN=TOKEN,
        BOARDWATCH_ADMIN_TOKEN=ADMIN,
    )
    with serving(app) as base, httpx.Client(base_url=base) as client:
        answer = client.post("/setup", **sent)
    assert answer.status_code == 401, answer.text
    assert 'id="unlock-form"' in answer.text


def test_a_form_larger_than_the_cap_is_refused(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path
) -> None:
    app = setup_app(fake_github, sqlite_store, tmp_path / "s.json")
    with serving(app) as base, httpx.Client(base_url=base) as client:
        answer = client.post("/setup", data={"service_url": base, "name": "n" * 100_000})
    assert answer.status_code == 413


def test_a_flow_started_on_one_replica_finishes_on_another(
    fake_github: FakeGitHub, database_url: str, tmp_path: Path
) -> None:
    secrets_file = tmp_path / "shared" / "secrets.json"  # a volume both replicas mount
    first, second = Store.open(database_url), Store.open(database_url)
    try:
        one = setup_app(fake_github, first, secrets_file)
        two = setup_app(fake_github, second, secrets_file)
        with (
            serving(one) as base_one,
            serving(two) as base_two,
            httpx.Client(base_url=base_one, follow_redirects=True) as browser,
        ):
            page = browser.get("/setup")
            action, hidden = _form(page.text)
            # The load balancer's address is replica two's: GitHub sends the browser back there.
            step = browser.post(action, data={"service_url": base_two, **hidden})
            started = _form(step.text, "manifest-form")
            done = confirm_on_github(browser, started)
        assert str(done.url).startswith(f"{base_two}/setup/callback")
        assert done.status_code == 200 and "is ready" in done.text
        assert json.loads(secrets_file.read_text())["GITHUB_APP_ID"] == fake_github.app.id
        assert SetupStates(second.engine).count() == 0  # used once, then gone
    finally:
        first.close()
        second.close()


def test_a_state_is_taken_once_and_expires(store: Store) -> None:
    states = SetupStates(store.engine)
    now = datetime.now(UTC)
    fresh = states.issue("anyone", now=now)
    admin = states.issue("admin", now=now)
    stale = states.issue("anyone", now=now - timedelta(hours=2))
    assert states.take(stale, now=now) is None  # expired
    assert states.take(fresh, now=now) == "anyone"
    assert states.take(fresh, now=now) is None  # once only
    assert states.take(admin, now=now + timedelta(hours=1)) is None  # expired by then
    for forged in ["", "a." + "x" * 100, "o.\x00", "\ud800", admin]:
        assert states.take(forged, now=now) is None
    old = states.issue("anyone", now=now - timedelta(hours=3))
    states.issue("anyone", now=now)  # purges what expired
    assert states.count() == 1 and states.take(old, now=now) is None


def test_a_flood_of_started_setups_is_refused_until_some_expire(store: Store) -> None:
    states = SetupStates(store.engine)
    now = datetime.now(UTC)
    states.issue("anyone", now=now - timedelta(minutes=90), limit=2)  # expired by now
    states.issue("anyone", now=now, limit=2)
    states.issue("anyone", now=now, limit=2)
    with pytest.raises(TooManySetups):
        states.issue("admin", now=now, limit=2)
    assert states.count() == 2
    states.issue("anyone", now=now + timedelta(hours=1), limit=2)  # both expired: room again


def test_an_expired_state_is_a_clear_error_page(
    fake_github: FakeGitHub, sqlite_store: Store, tmp_path: Path
) -> None:
    states = SetupStates(sqlite_store.engine)
    expired = states.issue("anyone", now=datetime.now(UTC) - timedelta(hours=2))
    app = setup_app(fake_github, sqlite_store, tmp_path / "s.json")
    with serving(app) as base:
        answer = httpx.get(f"{base}/setup/callback", params={"code": "c", "state": expired})
    assert answer.status_code == 400 and "expired" in answer.text
    assert "Start again" in answer.text
