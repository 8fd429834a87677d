"""Commands through the pipeline, against the fake GitHub through the real gateway.

The ruleset here has the default labels and board names but no rules, so what changes is
what the commands asked for and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.commands.intents import MAX_COMMANDS, MAX_REPLY, capped
from service.commands.parser import parse_commands
from service.commands.permissions import PermissionCache
from service.domain.models import Issue as IssueModel
from service.engine.holder import RulesetHolder
from service.gateway.protocol import GitHubGateway
from service.pipeline import CommandsOutcome, Pipeline
from service.store import Store, notes
from tests.fakegithub import FakeGitHub
from tests.fakegithub.plugin import Tracker
from tests.fakegithub.state import Issue
from tests.gateway.support import factory_for

REPO = "acme/tracker"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Result:
    """What the commands of one comment did, as the delivery's outcome says."""

    commands: CommandsOutcome
    changed: bool

    @property
    def reaction(self) -> str | None:
        return self.commands.reaction

    @property
    def ran(self) -> list[dict[str, Any]]:
        return [line.model_dump() for line in self.commands.ran]

    @property
    def writes(self) -> list[str]:
        return list(self.commands.writes)


@dataclass
class Env:
    gh: FakeGitHub
    gateway: GitHubGateway
    store: Store
    clock: Clock
    permissions: PermissionCache

    def run(
        self,
        issue: Issue,
        text: str,
        *,
        author: str = "alice",
        in_comment: bool = True,
        on_board: bool = True,
        regenerate_digest: Callable[[IssueModel], str] | None = None,
    ) -> Result:
        """Write `text` as `author` (a comment, or the issue's body) and run the pipeline."""
        comment_id = None
        if in_comment:
            comment_id = self.gh.add_comment(issue, text, author=author).id
        pipeline = self.pipeline(on_board=on_board, regenerate_digest=regenerate_digest)
        outcome = pipeline.run(
            self.gateway.get_issue(REPO, issue.number),
            commands=parse_commands(text, author),
            actor=author,
            source="webhook",
            comment_id=comment_id,
        )
        assert outcome.commands is not None
        return Result(commands=outcome.commands, changed=bool(outcome.commands.writes))

    def pipeline(self, *, on_board: bool = True, **extra: Any) -> Pipeline:
        ruleset = RulesetHolder.load("rules").ruleset.model_copy(update={"rules": []})
        return Pipeline(
            gateway=self.gateway,
            engine=self.store.engine,
            ruleset=ruleset,
            board=self.gateway.get_board("acme/1") if on_board else None,
            bot_login=self.gh.bot_login,
            now=datetime.now(UTC),
            permissions=self.permissions,
            **extra,
        )

    def values(self, issue: Issue) -> dict[str, Any]:
        return self.gh.item_values(self.gh.boards[0], issue) or {}

    def replies(self, issue: Issue) -> list[str]:
        return [c.body for c in self.gh.bot_comments(issue)]

    def permission_lookups(self, mark: int) -> list[str]:
        return [c.path for c in self.gh.calls_since(mark) if c.path.endswith("/permission")]


@pytest.fixture
def env(tracker: Tracker, tmp_path) -> Iterator[Env]:
    store = Store.open(f"sqlite:///{tmp_path}/commands.db")
    clock = Clock()
    gateway = factory_for(tracker.gh).for_installation(None)
    yield Env(tracker.gh, gateway, store, clock, PermissionCache(clock=clock))
    store.close()


@pytest.fixture
def issue(env: Env) -> Issue:
    made = env.gh.add_issue(REPO, title="Spring campaign")
    env.gh.add_item(env.gh.boards[0], made, Status="In Progress")
    return made


def test_permission_is_looked_up_once_per_minute(env: Env, issue: Issue) -> None:
    mark = env.gh.mark()
    env.run(issue, "/estimate 1h")
    env.run(issue, "/estimate 2h")
    assert len(env.permission_lookups(mark)) == 1
    env.clock.now += 61
    env.run(issue, "/estimate 3h")
    assert len(env.permission_lookups(mark)) == 2
    assert env.values(issue)["Estimate"] == 3


def test_a_revoked_permission_counts_once_the_cache_expires(env: Env, issue: Issue) -> None:
    env.run(issue, "/estimate 1h", author="bob")
    env.gh.repos[REPO].collaborators["bob"] = "read"
    env.run(issue, "/estimate 2h", author="bob")
    assert env.values(issue)["Estimate"] == 2  # still trusted within the minute
    env.clock.now += 61
    result = env.run(issue, "/estimate 4h", author="bob")
    assert env.values(issue)["Estimate"] == 2
    assert result.reaction == "confused"
    assert result.commands.replied
    assert "your permission is `read`" in env.replies(issue)[0]


def test_anybody_may_ask_for_help_without_a_permission_lookup(env: Env, issue: Issue) -> None:
    mark = env.gh.mark()
    result = env.run(issue, "/help", author="guest")
    assert env.permission_lookups(mark) == []
    assert result.reaction == "+1"
    [reply] = env.replies(issue)
    assert "\n@guest\n" in reply and "| `/estimate` |" in reply


def test_without_permission_one_reply_with_help_and_nothing_changes(env: Env, issue: Issue) -> None:
    mark = env.gh.mark()
    result = env.run(issue, "/estimate 3h\n/help\n/type social\n/status Done", author="guest")
    writes = [c.path for c in env.gh.writes_since(mark)]
    assert len([p for p in writes if p.endswith("/reactions")]) == 1
    assert len([p for p in writes if p.endswith("/comments")]) == 1  # one reply
    [reply] = env.replies(issue)
    assert "triage, write, maintain or admin" in reply and "your permission is `read`" in reply
    assert "| `/estimate` |" in reply  # the help that was asked for, in the same reply
    assert env.values(issue) == {"Status": "In Progress"}
    assert issue.labels == []
    assert [r["ok"] for r in result.ran] == [False] * 4
    assert result.writes == []


def test_a_stranger_is_told_they_are_not_a_collaborator(env: Env, issue: Issue) -> None:
    env.run(issue, "/status Done", author="passer-by")
    [reply] = env.replies(issue)
    assert "@passer-by" in reply and "you are not a collaborator" in reply


def test_a_malformed_command_from_a_stranger_gets_the_permission_reply(
    env: Env, issue: Issue
) -> None:
    env.run(issue, "/estimate soon", author="guest")
    [reply] = env.replies(issue)
    assert "your permission is `read`" in reply and "is not a duration" not in reply


def test_the_bot_never_obeys_itself(env: Env, issue: Issue) -> None:
    made = env.gh.add_comment(issue, "/status Done", author=env.gh.bot_login)
    mark = env.gh.mark()
    outcome = env.pipeline().run(
        env.gateway.get_issue(REPO, issue.number),
        commands=parse_commands(made.body, env.gh.bot_login),
        actor=env.gh.bot_login,
        comment_id=made.id,
    )
    assert outcome.commands is None
    assert env.permission_lookups(mark) == []  # not even a permission lookup
    assert env.gh.writes_since(mark) == []
    assert env.values(issue)["Status"] == "In Progress"
    assert made.reactions == []


def test_an_issue_not_on_the_board_is_added_for_a_field(env: Env) -> None:
    made = env.gh.add_issue(REPO, title="Newsletter")
    result = env.run(made, "/estimate 2d")
    assert env.values(made) == {"Estimate": 16}
    assert result.writes == ["board Estimate = 16.0"]


def test_no_board_configured_is_an_error_that_says_so(env: Env, issue: Issue) -> None:
    result = env.run(issue, "/estimate 3h\n/assign me", on_board=False)
    assert result.reaction == "confused"
    [reply] = env.replies(issue)
    assert "no board is configured (BOARDWATCH_PROJECT)" in reply
    assert issue.assignees == ["alice"]  # the other command still ran
    comment = issue.comments[0]
    assert comment.reactions == [(env.gh.bot_login, "confused")]


@pytest.mark.parametrize(
    ("text", "values", "labels", "assignees"),
    [
        ("/status in progress", {"Status": "In Progress"}, ["type: blog"], ["alice"]),
        ("/type Blog", {"Status": "In Progress"}, ["type: blog"], ["alice"]),
        ("/assign @Alice", {"Status": "In Progress"}, ["type: blog"], ["alice"]),
        ("/unassign @nobody", {"Status": "In Progress"}, ["type: blog"], ["alice"]),
    ],
)
def test_what_is_already_so_is_not_written_again(
    env: Env, text: str, values: dict, labels: list[str], assignees: list[str]
) -> None:
    made = env.gh.add_issue(REPO, labels=["type: blog"], assignees=["alice"])
    env.gh.add_item(env.gh.boards[0], made, Status="In Progress")
    mark = env.gh.mark()
    result = env.run(made, text)
    written = [c.path for c in env.gh.writes_since(mark)]
    assert written == [f"/repos/{REPO}/issues/comments/{made.comments[0].id}/reactions"]
    assert result.reaction == "+1" and result.writes == [] and not result.changed
    assert (env.values(made), made.labels, made.assignees) == (values, labels, assignees)


def test_several_errors_make_one_reply_and_good_commands_still_run(env: Env, issue: Issue) -> None:
    result = env.run(issue, "/estimate soon\n/status Someday\n/target 2026-12-01")
    [reply] = env.replies(issue)
    assert reply.count("\n- ") == 2
    assert "`/estimate soon`: `soon` is not a duration" in reply
    assert "`Someday` is not a Status of this board; choose one of `Todo`, `In Progress`" in reply
    assert env.values(issue)["Target date"] == "2026-12-01"
    assert [r["ok"] for r in result.ran] == [False, False, True]
    assert result.writes == ["board Target date = 2026-12-01"]


def test_commands_in_an_issue_body_get_no_reaction_and_reply_on_the_issue(env: Env) -> None:
    made = env.gh.add_issue(REPO, body="/type podcast")
    result = env.run(made, made.body, in_comment=False)
    assert result.reaction == "confused"
    [reply] = env.replies(made)
    assert "<!-- boardwatch:reply-issue -->" in reply
    assert "`podcast` is not a work type; choose one of `blog`, `social`" in reply


def test_blocked_twice_updates_the_reason_and_writes_the_status_once(
    env: Env, issue: Issue
) -> None:
    mark = env.gh.mark()
    result = env.run(issue, "/blocked legal review\n/blocked the printer")
    assert [w for w in result.writes if w.startswith("board")] == ["board Status = Blocked"]
    assert len(env.gh.graphql_calls(mark, "SetFieldValue")) == 1
    assert notes.get_notes(env.store.engine, REPO, issue.number)["blocked_reason"] == "the printer"


def test_blocked_without_a_blocked_option_lists_the_options(env: Env) -> None:
    env.gh.boards.clear()
    board = env.gh.add_board("acme", 1, fields={"Status": ["Todo", "Done"], "Estimate": "NUMBER"})
    made = env.gh.add_issue(REPO)
    env.gh.add_item(board, made, Status="Todo")
    env.run(made, "/blocked legal")
    [reply] = env.replies(made)
    assert "`Blocked` is not a Status of this board; choose one of `Todo`, `Done`" in reply
    assert "blocked_reason" not in notes.get_notes(env.store.engine, REPO, made.number)


def _digest(calls: list[IssueModel]) -> Callable[[IssueModel], str]:
    def regenerate(issue: IssueModel) -> str:
        calls.append(issue)
        return "digest regenerated"

    return regenerate


def test_digest_regenerates_only_a_digest_issue(env: Env) -> None:
    calls: list[IssueModel] = []
    digest = env.gh.add_issue(REPO, title="Weekly digest", labels=["digest"])
    result = env.run(digest, "/digest", regenerate_digest=_digest(calls))
    assert [i.number for i in calls] == [digest.number]
    assert result.ran == [{"line": "/digest", "ok": True, "message": "digest regenerated"}]
    other = env.gh.add_issue(REPO, title="Task")
    env.run(other, "/digest", regenerate_digest=_digest(calls))
    assert len(calls) == 1
    assert "works in a digest issue (labelled `digest`) only" in env.replies(other)[0]


def test_digest_without_reports_configured_says_what_to_set(env: Env) -> None:
    digest = env.gh.add_issue(REPO, title="Weekly digest", labels=["digest"])
    env.run(digest, "/digest")
    assert "BOARDWATCH_PROJECT and BOARDWATCH_REPOSITORY" in env.replies(digest)[0]


def test_target_and_estimate_values_reach_the_board_typed(env: Env, issue: Issue) -> None:
    result = env.run(issue, "/target 2027-01-31\n/estimate 45m")
    assert env.values(issue) == {
        "Status": "In Progress",
        "Target date": "2027-01-31",
        "Estimate": 0.75,
    }
    assert result.ran[0]["message"] == "Target date set to 2027-01-31"
    assert result.ran[1]["message"] == "Estimate set to 45m"
    assert date(2027, 1, 31).isoformat() in result.writes[0]


def test_at_most_ten_commands_run_and_one_line_says_how_many_were_ignored(
    env: Env, issue: Issue
) -> None:
    text = "".join(f"/estimate {n}h\n" for n in range(1, 26))
    mark = env.gh.mark()
    result = env.run(issue, text)
    assert [r["line"] for r in result.ran] == [f"/estimate {n}h" for n in range(1, 11)]
    assert env.values(issue)["Estimate"] == MAX_COMMANDS
    assert result.commands.ignored == 15
    assert result.writes == ["board Estimate = 10.0"]  # ten estimates, one plan, one write
    assert len(env.gh.writes_since(mark)) <= MAX_COMMANDS + 3  # + the comment, reaction, reply
    assert result.reaction == "confused"
    [reply] = env.replies(issue)
    assert "15 more commands were ignored: at most 10 commands run per comment." in reply
    assert reply.count("ignored") == 1


def test_one_command_past_the_cap_is_one_ignored_command(env: Env, issue: Issue) -> None:
    env.run(issue, "/status Todo\n" * (MAX_COMMANDS + 1))
    assert "1 more command was ignored" in env.replies(issue)[0]


def test_help_asked_many_times_is_answered_once(env: Env, issue: Issue) -> None:
    env.run(issue, "/help\n" * 5)
    [reply] = env.replies(issue)
    assert reply.count("No rule applies to this issue now.") == 1


def test_a_reply_of_long_errors_stays_under_githubs_limit(env: Env, issue: Issue) -> None:
    text = "".join(f"/status {n}{'x' * 990}\n" for n in range(MAX_COMMANDS))
    env.run(issue, text)
    [reply] = env.replies(issue)
    assert reply.count("is not a Status of this board") == MAX_COMMANDS
    assert len(reply) < 65_536


@pytest.mark.parametrize(
    ("length", "cut"),
    [(10, False), (MAX_REPLY, False), (MAX_REPLY + 1, True), (580_066, True)],
)
def test_a_long_reply_is_cut_with_a_note(length: int, cut: bool) -> None:
    reply = capped("x" * length)
    assert len(reply) <= MAX_REPLY < 65_536
    assert reply.endswith(f"(cut here: a reply has at most {MAX_REPLY:,} characters)") is cut
    assert reply == "x" * length or cut
