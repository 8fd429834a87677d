"""Commands as intents (pure): commands + snapshot + board -> wanted state, notes and a reply."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from service.commands.intents import Intents, resolve
from service.commands.parser import parse_commands
from service.domain.models import Board, BoardField, FieldOption
from service.engine.conditions import Missing
from service.engine.desired import RuleResult
from service.engine.model import Ruleset
from tests.engine.support import default_rules, snap

RULES = default_rules()
BOARD = Board(
    id="PVT_1",
    owner="acme",
    number=1,
    fields=(
        BoardField(
            id="F_status",
            name="Status",
            data_type="SINGLE_SELECT",
            options=tuple(
                FieldOption(id=f"O_{i}", name=n)
                for i, n in enumerate(["Todo", "In Progress", "Blocked", "Done"])
            ),
        ),
        BoardField(id="F_estimate", name="Estimate", data_type="NUMBER"),
        BoardField(id="F_target", name="Target date", data_type="DATE"),
    ),
)


def run(
    text: str,
    *,
    permission: Any = "write",
    board: Board | None = BOARD,
    ruleset: Ruleset = RULES,
    results: tuple[RuleResult, ...] = (),
    digest_ok: bool = True,
    **issue: Any,
) -> Intents:
    issue.setdefault("board", {"Status": "In Progress"})
    return resolve(
        parse_commands(text, "alice"),
        snapshot=snap(**issue),
        ruleset=ruleset,
        board=board,
        actor="alice",
        permission=permission,
        rule_results=lambda: results,
        digest_ok=digest_ok,
    )


@pytest.mark.parametrize(
    ("text", "issue", "fields", "labels", "assignees", "unassigned", "notes"),
    [
        ("/estimate 2d", {}, {"Estimate": 16.0}, {}, (), (), {}),
        ("/status done", {}, {"Status": "Done"}, {}, (), (), {}),
        ("/target 2026-12-24", {}, {"Target date": date(2026, 12, 24)}, {}, (), (), {}),
        (
            "/blocked legal review",
            {},
            {"Status": "Blocked"},
            {},
            (),
            (),
            {"blocked_reason": "legal review"},
        ),
        ("/unblock", {}, {"Status": "In Progress"}, {}, (), (), {"blocked_reason": None}),
        ("/highlight We won", {}, {}, {}, (), (), {"highlight": "We won"}),
        ("/highlight One\n/highlight Two", {}, {}, {}, (), (), {"highlight": "Two"}),
        ("/assign me @bob", {}, {}, {}, ("alice", "bob"), (), {}),
        ("/assign @bob\n/unassign @bob", {}, {}, {}, (), (), {}),
        ("/unassign @Ann", {"assignees": ("ann", "cy")}, {}, {}, (), ("ann",), {}),
        (
            "/type social",
            {"labels": ("type: blog", "urgent")},
            {},
            {"type: blog": False, "type: social": True},
            (),
            (),
            {},
        ),
        ("/type blog\n/type video", {}, {}, {"type: blog": False, "type: video": True}, (), (), {}),
    ],
)
def test_each_command_asks_for_its_state(
    text: str,
    issue: dict[str, Any],
    fields: dict[str, Any],
    labels: dict[str, bool],
    assignees: tuple[str, ...],
    unassigned: tuple[str, ...],
    notes: dict[str, str | None],
) -> None:
    intents = run(text, **issue)
    assert intents.desired.fields == fields
    assert intents.desired.labels == labels
    assert (intents.desired.assignees, intents.desired.unassigned) == (assignees, unassigned)
    assert intents.notes == notes
    assert intents.desired.on_board == (True if fields else None)
    assert intents.reaction == "+1" and intents.reply is None


@pytest.mark.parametrize(
    ("text", "kwargs", "error"),
    [
        ("/status Someday", {}, "`Someday` is not a Status of this board; choose one of `Todo`"),
        ("/estimate 3h", {"board": None}, "no board is configured (BOARDWATCH_PROJECT)"),
        ("/estimate 3h", {"node_id": None}, "GitHub did not say which issue this is"),
        ("/type podcast", {}, "`podcast` is not a work type; choose one of `blog`"),
        ("/digest", {}, "works in a digest issue (labelled `digest`) only"),
        ("/digest", {"labels": ("digest",), "digest_ok": False}, "BOARDWATCH_PROJECT and"),
        ("/estimate soon", {}, "`soon` is not a duration"),
    ],
)
def test_a_command_that_cannot_be_done_is_explained_and_asks_for_nothing(
    text: str, kwargs: dict[str, Any], error: str
) -> None:
    intents = run(text, **kwargs)
    assert intents.reaction == "confused"
    assert intents.reply is not None and error in intents.reply
    assert not intents.asked_for_change
    assert [line.ok for line in intents.lines] == [False]


def test_without_permission_nothing_is_asked_and_one_reply_says_why() -> None:
    intents = run("/estimate 3h\n/help\n/status Done", permission="read")
    assert not intents.asked_for_change
    assert intents.reaction == "confused"
    assert intents.reply is not None
    assert "your permission is `read`" in intents.reply and "| `/estimate` |" in intents.reply
    assert [line.message for line in intents.lines] == ["not permitted (read)"] * 3


def test_good_commands_still_count_beside_bad_ones() -> None:
    intents = run("/estimate soon\n/target 2026-12-01")
    assert intents.desired.fields == {"Target date": date(2026, 12, 1)}
    assert [line.ok for line in intents.lines] == [False, True]
    assert intents.reaction == "confused"


def test_a_team_with_other_status_names_blocks_with_its_own() -> None:
    board = BOARD.model_copy(
        update={
            "fields": (
                BoardField(
                    id="F_status",
                    name="Status",
                    data_type="SINGLE_SELECT",
                    options=(
                        FieldOption(id="O1", name="Waiting"),
                        FieldOption(id="O2", name="Doing"),
                    ),
                ),
            )
        }
    )
    names = RULES.board.model_copy(
        update={"blocked_status": "Waiting", "in_progress_status": "Doing"}
    )
    ruleset = RULES.model_copy(update={"board": names})
    assert run("/blocked legal", board=board, ruleset=ruleset).desired.fields == {
        "Status": "Waiting"
    }
    assert run("/unblock", board=board, ruleset=ruleset).desired.fields == {"Status": "Doing"}


def test_help_shows_how_each_applying_rule_stands() -> None:
    results = (
        RuleResult(name="triage", status="holds"),
        RuleResult(
            name="estimate",
            status="failing",
            missing=(Missing(text="an estimate", fix="comment `/estimate 3h`"),),
        ),
        RuleResult(name="stale", status="not_applicable"),
    )
    reply = run("/help", permission=None, results=results).reply or ""
    assert "- **triage** — New items on the board are triaged (given a Status).: ✅" in reply
    assert "- **estimate** — Every task in the works has an estimate.: ❌ not yet" in reply
    assert "  - needs an estimate (comment `/estimate 3h`)" in reply
    assert "**stale**" not in reply


def test_help_says_when_no_rule_applies() -> None:
    assert "No rule applies to this issue now." in (run("/help", permission=None).reply or "")


def test_no_commands_no_intents() -> None:
    assert run("just a comment") == Intents()


@pytest.mark.parametrize(
    ("open_blockers", "message"),
    [
        (0, "Status set to In Progress"),
        (2, "Status set to In Progress; GitHub still shows it blocked by 2 open issues"),
    ],
)
def test_unblock_says_when_githubs_dependencies_still_block(
    open_blockers: int, message: str
) -> None:
    intents = run("/unblock", blocked_by_open=open_blockers)
    assert intents.desired.fields == {"Status": "In Progress"}
    assert [line.message for line in intents.lines] == [message]
