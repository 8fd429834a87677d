"""A repository's own `.github/boardwatch.yml`: read once, re-read on a push that changes it;
invalid rules never start the service and never replace good ones."""

from __future__ import annotations

import pytest

from service.engine.loader import RulesError
from service.services import Services
from service.store import repo_rules
from tests.gateway.support import settings_for
from tests.support.bot import Bot

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
    gh.add_file(REPO, ".github/boardwatch.yml", "version: 1\nrules:\n  - name: x\n    bogus: 1\n")
    assert push(bot, [".github/boardwatch.yml"])["rules"] == "invalid"
    stored = repo_rules.get(bot.services.store.engine, REPO)
    assert stored is not None and ".github/boardwatch.yml:4" in (stored.error or "")
    issue = gh.add_issue(REPO, title="Still no triage")
    bot.send("issues", "opened", issue=issue)
    assert "needs-triage" not in issue.labels  # the last good file still rules


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
