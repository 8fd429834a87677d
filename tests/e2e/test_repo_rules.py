"""A repository's own `.github/boardwatch.yml`: read once, re-read on a push that changes it;
invalid rules never start the service and never replace good ones, even hostile ones."""

from __future__ import annotations

import json
import resource
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.engine.loader import MAX_ERROR_CHARS, RulesError
from service.handlers.context import rules_for
from service.services import Services
from service.store import Delivery, Store, repo_rules
from tests.engine.hostile import HOSTILE
from tests.fakegithub import FakeGitHub
from tests.gateway.support import factory_for, settings_for
from tests.support.apps import make_services
from tests.support.bot import Bot
from tests.support.processes import Cluster, Process
from tests.support.webhooks import SECRET, headers

REPO = "acme/tracker"
NO_TRIAGE = "version: 1\ndisable: [triage]\n"


def push(bot: Bot, files: list[str], after: str = "sha-main-0") -> dict:
    gh = bot.gh
    payload = {
        "ref": "refs/heads/main",
        "after": after,
        "repository": gh.repository_json(gh.repos[REPO]),
        "commits": [{"id": after, "added": [], "modified": files, "removed": []}],
        "sender": {"login": "lead", "type": "User"},
    }
    delivery = bot.post("push", payload)
    bot.worker.run_until_idle()
    return bot.services.store.deliveries.get(delivery).outcome


def test_the_repository_file_overrides_the_defaults_and_a_push_reloads_it(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", NO_TRIAGE)
    first = gh.add_issue(REPO, title="No triage here")
    bot.send("issues", "opened", issue=first)
    assert "needs-triage" not in first.labels  # the repository switched the rule off
    assert gh.boards[0].item_of(first) is not None  # the other rules still apply

    gh.add_file(REPO, ".github/boardwatch.yml", "version: 1\n")
    assert push(bot, ["README.md"]) == {
        "skipped": ".github/boardwatch.yml unchanged",
        "github": {"reads": 0, "writes": 0, "calls": {}},
    }
    assert push(bot, [".github/boardwatch.yml"])["rules"] == "reloaded"
    second = gh.add_issue(REPO, title="Triage again")
    bot.send("issues", "opened", issue=second)
    assert "needs-triage" in second.labels


def test_an_invalid_repository_file_keeps_the_last_good_rules(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", NO_TRIAGE)
    bot.send("issues", "opened", issue=gh.add_issue(REPO, title="warm"))
    bad = "version: 1\nrules:\n  - name: x\n    bogus: 1\n"
    gh.add_file(REPO, ".github/boardwatch.yml", bad)
    outcome = push(bot, [".github/boardwatch.yml"])
    assert outcome["rules"] == "invalid"
    assert outcome["errors"][2] == (
        "acme/tracker:.github/boardwatch.yml:4:5: rules[0].bogus: unknown key `bogus`; "
        "expected one of: name, description, when, require, while_failing, once_holding, "
        "comment, grace_minutes"
    )
    stored = repo_rules.get(bot.services.store.engine, REPO)
    assert stored is not None and ".github/boardwatch.yml:4" in (stored.error or "")
    assert (stored.source, stored.good_source) == (bad, NO_TRIAGE)
    issue = gh.add_issue(REPO, title="Still no triage")
    bot.send("issues", "opened", issue=issue)
    assert "needs-triage" not in issue.labels  # the last good file still rules


def test_another_replica_applies_the_last_good_rules_from_the_store(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", NO_TRIAGE)
    bot.send("issues", "opened", issue=gh.add_issue(REPO, title="warm"))
    gh.add_file(REPO, ".github/boardwatch.yml", "version: 1\nrules: 3\n")
    assert push(bot, [".github/boardwatch.yml"])["rules"] == "invalid"
    # A fresh process (restart, or another replica) has nothing in memory but the store.
    fresh = make_services(bot.services.settings, bot.services.store, _gateways=factory_for(gh))
    ruleset = rules_for(fresh, fresh.gateways.for_installation(None), REPO)
    assert ruleset.rule("triage") is None
    assert ruleset.rule("on-board") is not None


def test_removing_the_file_brings_back_the_defaults(bot: Bot) -> None:
    gh = bot.gh
    gh.add_file(REPO, ".github/boardwatch.yml", NO_TRIAGE)
    assert push(bot, [".github/boardwatch.yml"])["rules"] == "reloaded"
    del gh.repos[REPO].files["main"][".github/boardwatch.yml"]
    assert push(bot, [".github/boardwatch.yml"]) == {
        "rules": "removed",
        "applies": "the default rules",
        "github": {"reads": 1, "writes": 0, "calls": {"get_content": 1}},
    }
    issue = gh.add_issue(REPO, title="Triage again")
    bot.send("issues", "opened", issue=issue)
    assert "needs-triage" in issue.labels


def test_the_service_refuses_to_start_with_invalid_rules(tracker, tmp_path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "default.yml").write_text(
        "version: 1\nrules:\n  - name: broken\n    description: x\n"
        "    require: {state: open}\n    when: {nope: 1}\n"
    )
    settings = settings_for(
        tracker.gh,
        BOARDWATCH_RULES_DIR=str(rules),
        BOARDWATCH_DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
    )
    with pytest.raises(RulesError) as refused:
        Services.from_settings(settings)
    expected = f"{rules}/default.yml:6:12: rules[0].when.nope: unknown key `nope`"
    assert expected in str(refused.value)


# -- hostile files pushed to a real service process --------------------------------------

MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: an expanding alias bomb dies, not the host


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _post(service: Process, event: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload).encode()
    delivery = str(uuid.uuid4())
    assert service.url is not None
    answer = httpx.post(
        f"{service.url}/webhook", content=body, headers=headers(body, event, delivery=delivery)
    )
    assert answer.status_code == 202, answer.text
    return delivery


def _finished(store: Store, delivery: str) -> Delivery:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = store.deliveries.get(delivery)
        if found is not None and found.status not in ("queued", "running", "retrying"):
            return found
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery} did not finish")


def _push(gh: FakeGitHub, service: Process) -> str:
    after = gh.repos[REPO].branch_shas["main"]
    payload = {
        "ref": "refs/heads/main",
        "after": after,
        "repository": gh.repository_json(gh.repos[REPO]),
        "commits": [{"id": after, "added": [], "modified": [PATH], "removed": []}],
        "sender": {"login": "lead", "type": "User"},
    }
    return _post(service, "push", payload)


PATH = ".github/boardwatch.yml"


@pytest.mark.slow
def test_hostile_rule_files_pushed_to_a_live_service_keep_the_last_good_rules(
    tmp_path: Path,
) -> None:
    gh = FakeGitHub()
    gh.add_repo(REPO)
    gh.add_board("acme", 1)
    gh.add_file(REPO, PATH, NO_TRIAGE)
    url = f"sqlite:///{tmp_path}/hostile.db"
    with gh.running():
        cluster = Cluster(
            {
                **gh.env(),
                "GITHUB_WEBHOOK_SECRET": SECRET,
                "BOARDWATCH_DATABASE_URL": url,
                "BOARDWATCH_PROJECT": "acme/1",
                "BOARDWATCH_REPOSITORY": REPO,
                "BOARDWATCH_WORKERS": "1",
                "BOARDWATCH_POLL_SECONDS": "0.05",
                "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
                "MALLOC_ARENA_MAX": "2",  # address space, not memory, is what RLIMIT_AS counts
            },
            tmp_path,
            preexec_fn=_limit_memory,
        )
        try:
            service = cluster.serve()
            store = Store.open(url, migrate_schema=False)
            good = _finished(store, _push(gh, service))
            assert good.outcome is not None and good.outcome["rules"] == "reloaded"
            good_sha = gh.repos[REPO].branch_shas["main"]
            for case in HOSTILE:
                gh.add_file(REPO, PATH, case.text)
                done = _finished(store, _push(gh, service))
                assert done.status == "done", (case.name, done.last_error)
                assert done.outcome is not None
                assert done.outcome["rules"] == "invalid", case.name
                assert done.outcome["errors"][0].startswith(f"{REPO}:{PATH}{case.error}")
                assert done.outcome["applies"] == f"the rules of {good_sha}"
                row = repo_rules.get(store.engine, REPO)
                assert row is not None and row.source == case.text
                assert row.good_source == NO_TRIAGE
                assert len(row.error or "") <= MAX_ERROR_CHARS + 40
            assert service.popen.poll() is None  # nothing killed it
            service.stop()
            restarted = cluster.serve()
            issue = gh.add_issue(
                REPO, title="After the restart", created_at=datetime.now(UTC) - timedelta(hours=1)
            )
            opened = _finished(
                store, _post(restarted, "issues", gh.webhook("issues", "opened", issue=issue))
            )
            assert opened.status == "done", opened.last_error
            store.close()
        finally:
            cluster.stop()
    assert gh.boards[0].item_of(issue) is not None  # the defaults' other rules apply
    assert "needs-triage" not in issue.labels  # and the repository's last good file still does
