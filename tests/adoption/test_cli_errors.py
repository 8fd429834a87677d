"""A command that fails says so in one line a person can act on, and exits 1."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner, Result

from service.cli.errors import explain
from service.cli.main import app
from service.gateway.errors import GitHubError, NotFound, Unreachable
from service.settings import Settings
from tests.fakegithub.plugin import Tracker
from tests.support.cli import environment


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def one_line(result: Result) -> str:
    """The failure's only line of output (no traceback), after checking the exit code."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("boardwatch: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def env(tracker: Tracker, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Tracker:
    values = {
        **tracker.gh.env(),
        "BOARDWATCH_PROJECT": tracker.project,
        "BOARDWATCH_REPOSITORY": tracker.name,
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
    }
    with environment(monkeypatch, values):
        yield tracker


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once the socket closes


@pytest.mark.parametrize("command", ["plan", "digest", "reconcile"])
def test_a_bad_token(env: Tracker, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    with environment(monkeypatch, {"GITHUB_TOKEN": "not-a-token"}):
        line = one_line(run(command))
    assert "did not accept the credentials" in line and "GITHUB_TOKEN" in line
    assert "not-a-token" not in line


def test_an_unknown_board(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    with environment(monkeypatch, {"BOARDWATCH_PROJECT": "acme/99"}):
        line = one_line(run("digest"))
    assert "no board acme/99" in line and "check BOARDWATCH_PROJECT" in line


def test_an_unknown_repository(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    with environment(monkeypatch, {"BOARDWATCH_REPOSITORY": "acme/nowhere"}):
        line = one_line(run("plan"))
    assert "not found" in line and "BOARDWATCH_REPOSITORY" in line


def test_an_unreachable_api(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    values = {"GITHUB_API_URL": dead, "GITHUB_GRAPHQL_URL": f"{dead}/graphql"}
    with environment(monkeypatch, {**values, "GITHUB_MAX_WAIT": "0.2"}):
        line = one_line(run("digest"))
    assert f"cannot reach GitHub at {dead}" in line and "check GITHUB_API_URL" in line


def test_plan_refuses_without_a_board(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    mark = env.gh.mark()
    with environment(monkeypatch, {"BOARDWATCH_PROJECT": None}):
        line = one_line(run("plan"))
    assert "plan needs BOARDWATCH_PROJECT" in line
    assert env.gh.writes_since(mark) == []


@pytest.mark.parametrize("empty", [False, True])
def test_no_token_says_so(env: Tracker, monkeypatch: pytest.MonkeyPatch, empty: bool) -> None:
    with environment(monkeypatch, {"GITHUB_TOKEN": None}):
        if empty:  # `GITHUB_TOKEN: ${{ secrets.X }}` with X unset: set, and empty
            monkeypatch.setenv("GITHUB_TOKEN", "")
        line = one_line(run("digest"))
    assert "no GitHub credentials are set" in line and "GITHUB_TOKEN" in line


def test_debug_shows_the_traceback(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    with environment(monkeypatch, {"GITHUB_TOKEN": "not-a-token"}):
        result = run("--debug", "digest")
    assert result.exit_code == 1
    assert isinstance(result.exception, GitHubError) and result.exception.status == 401


def test_digest_tells_its_progress_on_stderr(env: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(5):
        env.gh.add_item(env.board, env.gh.add_issue(env.name, title=f"Task {n}"), Status="Todo")
    monkeypatch.setattr("service.cli.digest.PROGRESS_EVERY", 2)
    result = run("digest")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Weekly digest")
    assert result.stderr.splitlines() == [
        "digest: 2 items read from board acme/1",
        "digest: 4 items read from board acme/1",
        "digest: all 5 items read; building the report",
    ]


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("boardwatch ") and result.output.strip() != "boardwatch"


SETTINGS = Settings(_env_file=None, GITHUB_TOKEN="t", GITHUB_API_URL="https://ghe.example/api/v3")
NO_CREDENTIALS = Settings(_env_file=None)


@pytest.mark.parametrize(
    ("error", "settings", "says"),
    [
        (GitHubError("GetOrgBoard", "Bad credentials", 401), SETTINGS, "GITHUB_TOKEN is a valid"),
        (GitHubError("GetOrgBoard", "Requires auth", 401), NO_CREDENTIALS, "needs credentials"),
        (GitHubError("add_labels", "Resource not accessible", 403), SETTINGS, "lacks a permission"),
        (GitHubError("GetItem", "nope", 200, types=("FORBIDDEN",)), SETTINGS, "lacks a permission"),
        (NotFound("get_issue", "Not Found", 404), SETTINGS, "check BOARDWATCH_REPOSITORY"),
        (GitHubError("GetItem", "gone", 200, types=("NOT_FOUND",)), SETTINGS, "not found"),
        (Unreachable("get_user", "no answer"), SETTINGS, "cannot reach GitHub at https://ghe"),
        (GitHubError("list_issues", "Server Error", 502), SETTINGS, "run again in a few minutes"),
        (GitHubError("get_board", "no board a/1: check X"), SETTINGS, "no board a/1: check X"),
    ],
)
def test_explain_names_what_failed_and_what_to_do(error, settings, says) -> None:
    line = explain(error, settings)
    assert line is not None and says in line
    assert "\n" not in line
    assert error.operation in line


def test_explain_leaves_unknown_errors_to_the_traceback() -> None:
    assert explain(KeyError("x"), SETTINGS) is None
