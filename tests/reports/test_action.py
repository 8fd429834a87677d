"""The digest Action's steps, run with bash as a runner runs them, against a live service.

The workflow's `${{ }}` expressions are GitHub's to evaluate; each test gives a step the
environment those expressions produce (checked against the step's `env` keys), and the
variables a runner sets itself (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_API_URL, ...).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.worker import HandlerRegistry
from tests.fakegithub.server import TOKEN
from tests.reports.fixture import AT, REPO, build_board
from tests.support.apps import make_services, make_settings
from tests.support.bot import Bot
from tests.support.live import serving
from tests.support.yamlfiles import load_yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = load_yaml((ROOT / ".github/workflows/digest.yml").read_text(encoding="utf-8"))
STEPS = {step.get("name"): step for step in WORKFLOW["jobs"]["digest"]["steps"]}
REPORT = "report-token-for-tests"

SETTINGS_ENV = {
    "EVENT": "workflow_call",
    "WORKFLOW_REF": "acme/tracker/.github/workflows/weekly.yml@refs/heads/main",
    "THIS_REPOSITORY": "acme/tracker",
    "THIS_SHA": "c0ffee",
    "SOURCE_REPOSITORY": "acme/boardwatch",
    "SOURCE_SHA": "1234abcd",
    "BOARDWATCH_TOKEN": "a-token",
    "BOARDWATCH_PROJECT": "acme/1",
    "BOARDWATCH_REPOSITORY": "acme/tracker",
    "PERIOD": "week",
    "RULES": "",
    "TARGETS": "",
}


def run_step(
    name: str, env: dict[str, str], runner: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The step's script as GitHub runs `shell: bash`, with exactly the step's variables."""
    step = STEPS[name]
    assert set(env) == set(step["env"]), "the test and the workflow disagree on the variables"
    script = cwd / f"{name.replace(' ', '-')}.sh"
    script.write_text(step["run"], encoding="utf-8")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env={"PATH": path, **runner, **env},
        cwd=cwd / step.get("working-directory", "."),
        capture_output=True,
        text=True,
        timeout=120,
    )


def outputs(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


def annotations(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::")]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".boardwatch").symlink_to(ROOT)  # what "Check out boardwatch" leaves
    return tmp_path


def check_settings(workspace: Path, **changes: str) -> tuple[int, list[str], dict[str, str]]:
    output = workspace / "output"
    done = run_step(
        "Check the settings",
        {**SETTINGS_ENV, **changes},
        {"GITHUB_OUTPUT": str(output)},
        workspace,
    )
    assert done.stderr == ""
    return done.returncode, annotations(done.stdout), outputs(output)


def test_a_call_with_every_setting_runs_boardwatch_at_the_called_revision(
    workspace: Path,
) -> None:
    code, said, found = check_settings(workspace)
    assert (code, said) == (0, [])
    assert found == {
        "run": "true",
        "source-repository": "acme/boardwatch",
        "source-sha": "1234abcd",
    }


def test_the_schedule_where_nothing_is_set_up_skips_with_a_notice(workspace: Path) -> None:
    code, said, found = check_settings(
        workspace, EVENT="schedule", BOARDWATCH_PROJECT="", BOARDWATCH_TOKEN=""
    )
    assert code == 0
    assert len(said) == 1 and said[0].startswith("::notice::The weekly digest is not set up")
    assert found == {"run": "false"}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"BOARDWATCH_PROJECT": ""}, "BOARDWATCH_PROJECT is not set"),
        ({"EVENT": "workflow_dispatch", "BOARDWATCH_PROJECT": ""}, "BOARDWATCH_PROJECT is not"),
        ({"BOARDWATCH_TOKEN": ""}, "The secret BOARDWATCH_TOKEN is not set"),
        ({"EVENT": "schedule", "BOARDWATCH_TOKEN": ""}, "The secret BOARDWATCH_TOKEN is not"),
        ({"PERIOD": "quarter"}, "period must be week or month, not 'quarter'"),
        ({"RULES": "../../etc"}, "paths inside the calling repository, not '../../etc'"),
        ({"TARGETS": "/etc/targets.yml"}, "paths inside the calling repository"),
        ({"SOURCE_SHA": ""}, "does not say which revision of boardwatch's workflow"),
    ],
)
def test_a_missing_or_wrong_setting_is_one_error_line(
    workspace: Path, changes: dict[str, str], error: str
) -> None:
    code, said, found = check_settings(workspace, **changes)
    assert code == 1
    assert len(said) == 1 and said[0].startswith("::error::") and error in said[0]
    assert "run" not in found


def test_without_job_workflow_sha_a_run_of_this_file_uses_its_own_revision(
    workspace: Path,
) -> None:
    code, _, found = check_settings(
        workspace,
        EVENT="schedule",
        WORKFLOW_REF="acme/tracker/.github/workflows/digest.yml@refs/heads/main",
        SOURCE_REPOSITORY="",
        SOURCE_SHA="",
    )
    assert code == 0
    assert found["source-repository"] == "acme/tracker" and found["source-sha"] == "c0ffee"


@pytest.fixture
def service(bot: Bot) -> Iterator[str]:
    """The boardwatch service that watched the board: it has the history, the Action has not."""
    build_board(bot)
    settings = make_settings(BOARDWATCH_REPORT_TOKEN=REPORT)
    app_services = make_services(settings, bot.services.store)
    from service.app import create_app

    app = create_app(
        settings, services=app_services, registry=HandlerRegistry(), start_worker=False
    )
    with serving(app) as url:
        yield url


def post_digest(bot: Bot, workspace: Path, **changes: str) -> tuple[Any, str]:
    summary = workspace / "step_summary.md"
    summary.unlink(missing_ok=True)  # each run of a step has its own
    env = {
        "GITHUB_TOKEN": TOKEN,
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_TIMEZONE": "UTC",
        "BOARDWATCH_HISTORY_URL": "",
        "BOARDWATCH_REPORT_TOKEN": "",
        "BOARDWATCH_DRY_RUN": "false",
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{workspace}/action.db",
        "PERIOD": "week",
        "POST": "true",
        "RULES": "",
        "TARGETS": "",
        **changes,
    }
    runner = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_API_URL": bot.gh.base_url,
        "GITHUB_GRAPHQL_URL": bot.gh.graphql_url,
        "GITHUB_MAX_WAIT": "5",
        "BOARDWATCH_DIGEST_AT": AT.isoformat(),  # the fixture board's moment
    }
    done = run_step("Post the digest", env, runner, workspace)
    assert done.returncode == 0, done.stderr
    digests = [i for i in bot.gh.repos[REPO].issues.values() if "digest" in i.labels]
    assert [d.title for d in digests] == ["Weekly digest · 2026-W47"]
    text = summary.read_text(encoding="utf-8")
    assert digests[0].body.strip() == text.strip()
    return done, text


def test_the_action_reports_time_in_status_from_the_service(
    bot: Bot, service: str, workspace: Path
) -> None:
    done, text = post_digest(
        bot,
        workspace,
        BOARDWATCH_HISTORY_URL=f"{service}/history",
        BOARDWATCH_REPORT_TOKEN=REPORT,
    )
    assert text.startswith("# Weekly digest · 2026-W47")
    assert "| cycle time In Progress → Done, median | 6 d |" in text
    assert "| cycle time, 90th percentile | 10 d |" in text
    assert "| time to triage, median | 24.5 d |" in text  # 25 and 24 d (fixture: WEEK)
    assert "missing" not in text
    [said] = done.stderr.splitlines()
    assert said.startswith("Weekly digest · 2026-W47: issue #") and said.endswith(" created")


def test_without_the_service_the_report_says_what_is_missing_and_why(
    bot: Bot, workspace: Path
) -> None:
    build_board(bot)
    done, text = post_digest(bot, workspace)
    assert (
        "> ⚠️ Time in status and cycle times are missing: this report was made without "
        "boardwatch's history: set BOARDWATCH_HISTORY_URL (the service's /history address) "
        "and BOARDWATCH_REPORT_TOKEN." in text
    )
    assert "| cycle time In Progress → Done, median | — (no history yet) |" in text
    assert done.stderr.splitlines()[0] == (
        "boardwatch: warning: no status history: this report was made without boardwatch's "
        "history: set BOARDWATCH_HISTORY_URL (the service's /history address) and "
        "BOARDWATCH_REPORT_TOKEN"
    )


def test_a_wrong_report_token_is_named_in_the_report(
    bot: Bot, service: str, workspace: Path
) -> None:
    _, text = post_digest(
        bot,
        workspace,
        BOARDWATCH_HISTORY_URL=f"{service}/history",
        BOARDWATCH_REPORT_TOKEN="not-the-token",
    )
    assert f"missing: {service}/history refused BOARDWATCH_REPORT_TOKEN (HTTP 401)" in text
    assert "not-the-token" not in text


def test_the_callers_rules_and_targets_replace_boardwatchs(bot: Bot, workspace: Path) -> None:
    build_board(bot)
    rules = workspace / ".caller/.github/boardwatch-rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "targets.yml").write_text(
        'version: 1\ntargets:\n  - {name: Blogs, label: "type: blog", at_least: 1, per: week}\n'
    )
    _, text = post_digest(bot, workspace, RULES=".github/boardwatch-rules")
    assert "- ✅ **Blogs** (label type: blog, at least 1 per week, 2026-W47): 1 / 1" in text
    assert "Blog posts" not in text  # boardwatch's own targets

    (workspace / ".caller/targets.yml").write_text(
        'version: 1\ntargets:\n  - {name: Emails, label: "type: email", at_least: 2, per: week}\n'
    )
    _, text = post_digest(bot, workspace, RULES=".github/boardwatch-rules", TARGETS="targets.yml")
    assert "- ❌ **Emails** (label type: email, at least 2 per week, 2026-W47): 1 / 2" in text
    assert "Blogs" not in text
