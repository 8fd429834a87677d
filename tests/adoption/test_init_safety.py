"""`boardwatch init` risks no data: Status options on a board in use, dry-run settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.boardinit import plan_init
from service.domain.models import Board, BoardField, FieldOption
from service.engine.holder import RulesetHolder
from tests.fakegithub import FakeGitHub
from tests.support.cli import environment, invoke

REPO = "acme/tracker"
RULES = RulesetHolder.load("rules").ruleset  # Status options: Todo, In Progress, Blocked, Done


def _board(*options: str) -> Board:
    status = BoardField(
        id="s",
        name="Status",
        data_type="SINGLE_SELECT",
        options=tuple(FieldOption(id=f"o{i}", name=o) for i, o in enumerate(options)),
    )
    other = (
        BoardField(id="e", name="Estimate", data_type="NUMBER"),
        BoardField(id="t", name="Target date", data_type="DATE"),
    )
    return Board(id="b", owner="acme", number=1, fields=(status, *other))


@pytest.mark.parametrize(
    ("options", "in_use", "added", "by_hand"),
    [
        (("Todo", "Done"), False, ["In Progress", "Blocked"], False),
        (("Todo", "Done"), True, [], True),
        (("todo", "in progress", "blocked", "done"), True, [], False),  # names match any case
        ((), False, ["Todo", "In Progress", "Blocked", "Done"], False),
    ],
)
def test_status_options_are_added_only_where_no_item_can_lose_its_status(
    options: tuple[str, ...], in_use: bool, added: list[str], by_hand: bool
) -> None:
    plan = plan_init(RULES, lambda name: True, _board(*options), status_in_use=in_use)
    assert plan.status_options_missing == added
    assert plan.changes == (1 if added else 0)
    manual = [step for step in plan.manual if step.startswith("Add the Status option(s)")]
    assert bool(manual) is by_hand
    if by_hand:
        assert "In Progress, Blocked" in manual[0]


@pytest.fixture
def tracker_env(
    fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[FakeGitHub]:
    fake_github.add_repo(REPO)
    env = {
        **fake_github.env(),
        "BOARDWATCH_PROJECT": "acme/1",
        "BOARDWATCH_REPOSITORY": REPO,
        "BOARDWATCH_DATABASE_URL": f"sqlite:///{tmp_path}/init.db",
        "BOARDWATCH_RULES_DIR": "rules",
        "BOARDWATCH_SECRETS_FILE": str(tmp_path / "none.json"),
    }
    with environment(monkeypatch, env):
        yield fake_github


def init(*args: str) -> str:
    return invoke("init", *args)


def test_a_board_in_use_keeps_its_status_options_and_gets_a_by_hand_step(
    tracker_env: FakeGitHub,
) -> None:
    gh = tracker_env
    board = gh.add_board("acme", 1, fields={"Status": ["Todo", "Done"]})
    gh.add_item(board, gh.add_issue(REPO, title="Spring campaign"), Status="Todo")
    status = board.field_named("Status")
    before = [(o.id, o.name) for o in status.options]
    mark = gh.mark()
    out = init()
    assert [(o.id, o.name) for o in board.field_named("Status").options] == before
    assert not [c for c in gh.writes_since(mark) if c.operation == "UpdateFieldOptions"]
    assert "Add the Status option(s) In Progress, Blocked on the board" in out
    # Everything else was still prepared.
    assert board.field_named("Estimate").data_type == "NUMBER"
    assert "type: social" in {label.name for label in gh.repos[REPO].labels.values()}


def test_init_works_when_the_settings_say_dry_run(
    tracker_env: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker_env.add_board("acme", 1, fields={})
    mark = tracker_env.mark()
    with environment(monkeypatch, {"BOARDWATCH_DRY_RUN": "true"}):
        out = init("--dry-run")
    assert tracker_env.writes_since(mark) == []
    assert "+ field 'Estimate' (number)" in out and "+ label 'needs-triage'" in out


def test_issue_forms_already_merged_are_not_proposed_again(tracker_env: FakeGitHub) -> None:
    gh = tracker_env
    gh.add_board("acme", 1)
    init("--issue-forms")
    [pull] = gh.repos[REPO].pulls
    for path, text in gh.repos[REPO].files[pull["head"]["ref"]].items():
        gh.add_file(REPO, path, text)  # the team merged the pull request
    mark = gh.mark()
    out = init("--issue-forms")
    assert gh.writes_since(mark) == []
    assert len(gh.repos[REPO].pulls) == 1
    assert "already in .github/ISSUE_TEMPLATE/" in out
