"""`boardwatch digest` as people and the GitHub Action run it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from tests.reports.fixture import AT, REPO, build_board
from tests.support.bot import Bot
from tests.support.cli import environment, invoke

WORKFLOW = Path(__file__).resolve().parents[2] / ".github/workflows/digest.yml"


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
    assert out.startswith("# Weekly digest · 2026-W48")
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


def test_the_actions_command_line_posts_and_writes_the_job_summary(
    cli_env: Bot, tmp_path: Path
) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert {"schedule", "workflow_dispatch", "workflow_call"} <= set(workflow[True])
    step = next(
        s for s in workflow["jobs"]["digest"]["steps"] if s.get("name") == "Post the digest"
    )
    summary = tmp_path / "step_summary.md"
    line = step["run"].replace("$GITHUB_STEP_SUMMARY", str(summary)).replace("$PERIOD", "week")
    words = shlex.split(line)
    assert words[0] == "boardwatch"
    run(*words[1:], "--at", AT.isoformat())
    run(*words[1:], "--at", AT.isoformat())  # a rerun of the job
    digests = [i for i in cli_env.gh.repos[REPO].issues.values() if "digest" in i.labels]
    assert [d.title for d in digests] == ["Weekly digest · 2026-W48"]
    assert summary.read_text().startswith("# Weekly digest · 2026-W48")
    assert digests[0].body.strip() in summary.read_text()


def test_custom_templates_replace_the_layout(cli_env: Bot, tmp_path: Path) -> None:
    template = tmp_path / "short.md.j2"
    template.write_text(
        "{{ title }}: {{ s.done | length }} done, {{ s.blocked | length }} blocked\n"
    )
    assert run("digest", "--template", str(template), "--at", AT.isoformat()).strip() == (
        "Weekly digest · 2026-W48: 3 done, 1 blocked"
    )
