"""`boardwatch plan` shows what the rules say and would change; `reconcile` applies it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakegithub.plugin import Tracker
from tests.support.cli import environment, invoke

AGO = datetime.now(UTC) - timedelta(hours=2)


@pytest.fixture
def env(tracker: Tracker, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Tracker:
    values = {
        **tracker.gh.env(),
        "BOARDWATCH_PROJECT": tracker.project,
        "BOARDWATCH_REPOSITORY": tracker.name,
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{tmp_path}/plan.db",
        "BOARDWATCH_RULES_DIR": "rules",
    }
    with environment(monkeypatch, values):
        yield tracker


def test_plan_changes_nothing_and_says_why(env: Tracker) -> None:
    gh = env.gh
    issue = gh.add_issue(env.name, title="Video", body="Estimate: 5h", created_at=AGO)
    gh.add_item(env.board, issue, Status="Todo")
    mark = gh.mark()
    out = invoke("plan", "--issue", "1")
    assert gh.writes_since(mark) == []
    assert "acme/tracker#1" in out
    assert "✗ tracked-task: failing" in out and "missing someone assigned to it" in out
    assert "✓ triage: holds" in out
    assert "would add_labels labels=['incomplete']" in out
    data = json.loads(invoke("plan", "--json"))
    assert data["issues"] == 1 and data["writes"] == 0


def test_reconcile_applies_and_a_second_run_writes_nothing(env: Tracker) -> None:
    gh = env.gh
    for n in range(3):
        gh.add_issue(env.name, title=f"Request {n}", created_at=AGO)
    out = invoke("reconcile")
    assert "3 issues checked, 3 changed" in out
    assert all("needs-triage" in i.labels for i in gh.repos[env.name].issues.values())
    mark = gh.mark()
    assert "0 writes" in invoke("reconcile")
    assert gh.writes_since(mark) == []


def test_reconcile_stops_at_the_write_cap(env: Tracker) -> None:
    gh = env.gh
    for n in range(5):
        gh.add_issue(env.name, title=f"Request {n}", created_at=AGO)
    out = invoke("reconcile", "--max-writes", "3")
    assert "stopped at the write cap" in out
    assert "run again" in out
