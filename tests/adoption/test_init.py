"""`boardwatch init` against the fake GitHub: an empty board gets what the rules need, once."""

from __future__ import annotations

import pytest

from service.boardinit import plan_init
from service.engine.holder import RulesetHolder
from tests.fakegithub import FakeGitHub
from tests.support.cli import environment, invoke
from tests.support.yamlfiles import load_yaml

REPO = "acme/tracker"
RULES = RulesetHolder.load("rules").ruleset


@pytest.fixture
def empty(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path) -> FakeGitHub:
    fake_github.add_repo(REPO)
    fake_github.add_label(REPO, "needs-triage", "fbca04")
    fake_github.add_board("acme", 1, fields={"Status": ["Todo", "Done"]})
    env = {
        **fake_github.env(),
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{tmp_path}/init.db",
        "BOARDWATCH_RULES_DIR": "rules",
    }
    with environment(monkeypatch, env):
        yield fake_github


def init(*args: str) -> str:
    return invoke("init", *args)


def test_an_empty_board_gets_the_fields_options_and_labels(empty: FakeGitHub) -> None:
    out = init()
    board = empty.boards[0]
    assert board.field_named("Estimate").data_type == "NUMBER"
    assert board.field_named("Target date").data_type == "DATE"
    assert [o.name for o in board.field_named("Status").options] == [
        "Todo",
        "Done",
        "In Progress",
        "Blocked",
    ]
    labels = empty.repos[REPO].labels
    assert {"needs-estimate", "incomplete", "stale", "type: blog", "type: web"} <= set(labels)
    assert labels["type: blog"].color == "0e8a16"
    assert "Item added to project" in out  # what a person must still do by hand


def test_a_second_run_makes_zero_writes(empty: FakeGitHub) -> None:
    init()
    mark = empty.mark()
    out = init()
    assert empty.writes_since(mark) == []
    assert "Nothing to change" in out


def test_dry_run_writes_nothing(empty: FakeGitHub) -> None:
    mark = empty.mark()
    out = init("--dry-run")
    assert empty.writes_since(mark) == []
    assert "+ field 'Estimate' (number)" in out and "+ label 'stale'" in out
    assert "Dry run:" in out


def test_issue_forms_arrive_as_a_pull_request(empty: FakeGitHub) -> None:
    out = init("--issue-forms")
    repo = empty.repos[REPO]
    [pull] = repo.pulls
    assert pull["head"]["ref"] == "boardwatch/issue-forms"
    forms = repo.files["boardwatch/issue-forms"]
    social = load_yaml(forms[".github/ISSUE_TEMPLATE/social-post.yml"])
    labels = [item["attributes"]["label"] for item in social["body"] if item["type"] != "markdown"]
    social_post = RULES.rule("social-post")
    assert social_post is not None and social_post.require.sections
    assert set(social_post.require.sections) <= set(labels)  # what the rule checks
    # The template chooser comes with the forms.
    chooser = load_yaml(forms[".github/ISSUE_TEMPLATE/config.yml"])
    assert chooser["blank_issues_enabled"] is True
    [link] = chooser["contact_links"]  # the board, where a request can be followed
    assert link["url"].endswith("/orgs/acme/projects/1") and link["name"] == "Marketing"
    assert pull["html_url"] in out


def test_a_field_of_the_wrong_type_is_a_problem_to_fix_by_hand() -> None:
    from service.domain.models import Board, BoardField

    board = Board(
        id="b",
        owner="acme",
        number=1,
        fields=(BoardField(id="f", name="Estimate", data_type="TEXT"),),
    )
    plan = plan_init(RULES, lambda name: True, board)
    assert plan.problems == [
        "board field 'Estimate' is text, the rules need number: rename or delete it on the "
        "board, then run init again"
    ]
    assert [f.name for f in plan.fields_to_create] == ["Status", "Target date"]


def test_init_covers_every_board_a_tracker_names(empty: FakeGitHub, tmp_path) -> None:
    from service.store import Store, repo_rules
    from service.store.repo_rules import RepoRules

    empty.add_repo("acme/web")
    empty.add_board("acme", 2, fields={"Status": ["Todo", "Done"]}, title="Web team")
    text = "version: 1\nboard: acme/2\n"
    store = Store.open(f"sqlite:///{tmp_path}/init.db")
    # What a push of the web team's .github/boardwatch.yml leaves in the store.
    repo_rules.put(
        store.engine,
        RepoRules(repo="acme/web", source=text, good_source=text, board="acme/2"),
    )
    store.close()
    out = init()
    assert "Tracker acme/tracker" in out and "Tracker acme/web" in out
    assert "Board acme/1" in out and "Board acme/2" in out
    web_board = empty.boards[1]
    assert web_board.field_named("Estimate").data_type == "NUMBER"
    assert "needs-estimate" in empty.repos["acme/web"].labels
