"""`boardwatch recover`: ask GitHub to redeliver what failed and is not in the store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from service.cli.main import app
from service.store import NewDelivery, Store
from tests.fakegithub import FakeGitHub
from tests.support.cli import environment, invoke


@pytest.fixture
def with_app(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path):
    fake_github.add_repo("acme/tracker")
    github_app = fake_github.setup_app("boardwatch", installations={5: "acme"})
    url = f"sqlite:///{tmp_path}/recover.db"
    env = {
        **fake_github.env(),
        "GITHUB_TOKEN": "",
        "GITHUB_APP_ID": str(github_app.id),
        "GITHUB_APP_PRIVATE_KEY": github_app.private_key_pem,
        "BOARDWATCH_DATABASE_URL": url,
    }
    with environment(monkeypatch, env):
        store = Store.open(url)
        yield fake_github, store
        store.close()


def test_failed_deliveries_are_redelivered_once(with_app) -> None:
    gh, store = with_app
    ok = gh.add_hook_attempt("guid-ok", 202)
    lost = gh.add_hook_attempt("guid-lost", 502, minutes_ago=30)
    retried = gh.add_hook_attempt("guid-lost", 0, minutes_ago=20)  # GitHub's retry timed out
    stored = gh.add_hook_attempt("guid-stored", 0)  # stored by us, GitHub gave up waiting
    gh.add_hook_attempt("guid-old", 500, minutes_ago=60 * 30)  # outside --since
    store.deliveries.add(
        NewDelivery(id="guid-stored", event="issues", subject="issue:x", payload="{}")
    )
    assert "would ask GitHub to redeliver: guid-lost" in invoke(
        "recover", "--since", "24h", "--dry-run"
    )
    assert gh.app.redelivered == []

    invoke("recover", "--since", "24h")
    assert gh.app.redelivered == [retried.id]
    assert ok.id not in gh.app.redelivered and stored.id not in gh.app.redelivered
    assert lost.id not in gh.app.redelivered  # only the newest attempt of a GUID


def test_recover_without_an_app_says_what_is_needed(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with environment(monkeypatch, {"GITHUB_TOKEN": "x", "GITHUB_APP_ID": None}):
        result = CliRunner().invoke(app, ["recover"])
    assert result.exit_code == 1
    assert "recover needs a GitHub App" in result.output
