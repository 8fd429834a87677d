"""The setup page in a real browser (Debian's headless Chromium, driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.adoption.test_setup_flow import setup_app
from tests.fakegithub import FakeGitHub
from tests.support.live import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# UPDATE_SCREENSHOTS=1 refreshes the README's screenshots; otherwise they go to a temp folder.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


def test_the_setup_page_creates_the_app_and_stores_its_credentials(
    browser, fake_github: FakeGitHub, sqlite_store, tmp_path: Path
) -> None:
    shots = DOCS_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    secrets_file = tmp_path / "boardwatch-secrets.json"
    app = setup_app(fake_github, sqlite_store, secrets_file)
    with serving(app) as base:
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(f"{base}/setup")
        assert page.title() == "boardwatch · setup"
        assert page.locator("h1").inner_text() == "Set up boardwatch"
        page.screenshot(path=str(shots / "setup.png"), full_page=True)
        page.fill("#organization", "acme")
        page.fill("#name", "Acme boardwatch")
        page.click("button[type=submit]")
        assert page.locator("h1").inner_text() == "Create the App on GitHub"
        sent = json.loads(page.input_value("#manifest"))
        assert sent["name"] == "Acme boardwatch"
        assert sent["hook_attributes"]["url"] == f"{base}/webhook"
        assert sent["default_permissions"]["issues"] == "write"
        assert sent["default_permissions"]["organization_projects"] == "write"
        assert sent["default_permissions"]["metadata"] == "read"
        assert "projects_v2_item" in sent["default_events"]
        page.click("#manifest-form button")  # to GitHub, which sends the browser back
        page.wait_for_selector("#install")
        assert "is ready" in page.locator("h1").inner_text()
        assert page.get_attribute("#install", "href").endswith("/installations/new")
        page.screenshot(path=str(shots / "setup-done.png"), full_page=True)
    assert fake_github.received_manifests == [sent]
    stored = json.loads(secrets_file.read_text())
    assert stored["GITHUB_APP_ID"] == fake_github.app.id
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600


def test_the_digest_renders_as_github_flavoured_markdown(browser, tmp_path: Path) -> None:
    """The golden weekly digest, rendered (tables enabled as on GitHub) in Chromium."""
    from markdown_it import MarkdownIt

    golden = Path(__file__).resolve().parents[1] / "reports" / "golden" / "week.md"
    html = MarkdownIt("commonmark").enable("table").render(golden.read_text(encoding="utf-8"))
    page_file = tmp_path / "digest.html"
    page_file.write_text(
        "<!doctype html><meta charset=utf-8><title>digest</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:1.5rem auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .6rem}"
        "pre{background:#f6f8fa;padding:.6rem}</style>" + html,
        encoding="utf-8",
    )
    shots = DOCS_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    page.goto(page_file.as_uri())
    assert page.locator("h1").inner_text().startswith("Weekly digest · 2026-W47")
    assert page.locator("table").count() >= 2  # who did what, and the KPIs
    assert page.locator("h2", has_text="Upcoming deadlines").count() == 1
    page.screenshot(path=str(shots / "digest.png"), full_page=False)
