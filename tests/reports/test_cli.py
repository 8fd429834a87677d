"""`boardwatch digest` as people and the GitHub Action run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.main import app
from tests.reports.fixture import AT, REPO, build_board
from tests.support.bot import Bot
from tests.support.cli import environment, invoke


@pytest.fixture
def cli_env(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> Bot:
    build_board(bot)
    settings = bot.services.settings
    env = {
        **bot.gh.env(),
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_DATABASE_URL": str(bot.services.store.engine.url),
        "BOARDWATCH_RULES_DIR": str(settings.rules_dir),
    }
    with environment(monkeypatch, env):
        yield bot


run = invoke


def test_without_flags_it_prints_the_markdown(cli_env: Bot) -> None:
    out = run("digest", "--at", AT.isoformat())
    assert out.startswith("# Weekly digest · 2026-W47")
    assert not [i for i in cli_env.gh.repos[REPO].issues.values() if "digest" in i.labels]


def test_json_for_other_tools(cli_env: Bot, tmp_path: Path) -> None:
    target = tmp_path / "review.json"
    run(
        "digest",
        "--period",
        "month",
        "--format",
        "json",
        "--output",
        str(target),
        "--at",
        "2026-12-03T08:00:00+00:00",
    )
    data = json.loads(target.read_text())
    assert data["period"] == "2026-11" and data["kind"] == "month"


@pytest.mark.parametrize("token", [None, "", "  "])
def test_without_a_token_digest_says_so_in_one_line(
    cli_env: Bot, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    with environment(monkeypatch, {"GITHUB_TOKEN": token}):
        if token is not None:
            monkeypatch.setenv("GITHUB_TOKEN", token)
        result = CliRunner().invoke(app, ["digest", "--post", "--at", AT.isoformat()])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "boardwatch: digest reads GitHub, and no GitHub credentials are set: set GITHUB_TOKEN "
        "to a token that may read the tracker and the board, or GITHUB_APP_ID with "
        "GITHUB_APP_PRIVATE_KEY for a GitHub App"
    ]


def test_a_missing_targets_file_is_one_line(cli_env: Bot, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["digest", "--targets", str(tmp_path / "nope.yml"), "--at", AT.isoformat()]
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"boardwatch: {tmp_path / 'nope.yml'}: cannot be read: No such file or directory"
    ]


def test_custom_templates_replace_the_layout(cli_env: Bot, tmp_path: Path) -> None:
    template = tmp_path / "short.md.j2"
    template.write_text(
        "{{ title }}: {{ s.done | length }} done, {{ s.blocked | length }} blocked\n"
    )
    assert run("digest", "--template", str(template), "--at", AT.isoformat()).strip() == (
        "Weekly digest · 2026-W47: 3 done, 1 blocked"
    )


def test_mention_notifies_only_the_owners_of_items_that_need_attention(cli_env: Bot) -> None:
    quiet = run("digest", "--at", AT.isoformat())
    assert "@" not in quiet.replace("@&#8203;", "")
    loud = run("digest", "--mention", "--at", AT.isoformat())
    # the social post (#8) needs attention and is carol's; alice and bob are only named
    assert "@carol: please have a look at your items above." in loud
    assert "@alice" not in loud and "@bob" not in loud


def test_the_json_carries_the_figures_of_the_markdown(cli_env: Bot) -> None:
    data = json.loads(run("digest", "--format", "json", "--at", AT.isoformat()))
    assert data["title"] == "Weekly digest · 2026-W47"
    assert data["period_text"] == "2026-W47 (Nov 16 – Nov 22)"
    assert {row["number"]: row["needs"] for row in data["attention"]} == {
        7: ["New items on the board are triaged (given a Status)."],
        8: ["A social post request has Copy, Channels, Publish date and Link."],
        9: [
            "A task over two hours has an owner and exactly one type (label or issue type).",
            "Work in progress shows activity at least once a week.",
        ],
    }
    assert data["triage"][0]["author"] == "alice"
    assert data["kpis"]["tracked_in_order"] == 3 and data["attention_owners"] == {"carol": 1}
