"""The command parser, by table: every command, every error, code, quotes, edits."""

from __future__ import annotations

from datetime import date

import pytest

from service.commands.parser import (
    Assign,
    Blocked,
    Digest,
    Estimate,
    Help,
    ParseError,
    SetStatus,
    SetType,
    Target,
    Unassign,
    Unblock,
    new_commands,
    parse_commands,
)

ACTOR = "alice"


def one(text: str):
    [found] = parse_commands(text, ACTOR)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/estimate 3h", Estimate(line="/estimate 3h", hours=3)),
        ("/estimate 30m", Estimate(line="/estimate 30m", hours=0.5)),
        ("/estimate 1.5h", Estimate(line="/estimate 1.5h", hours=1.5)),
        ("/estimate 2d", Estimate(line="/estimate 2d", hours=16)),
        ("/estimate 4", Estimate(line="/estimate 4", hours=4)),
        ("  /Estimate 1,5h  ", Estimate(line="/Estimate 1,5h", hours=1.5)),
        ("/status In Progress", SetStatus(line="/status In Progress", status="In Progress")),
        ("/status done", SetStatus(line="/status done", status="done")),
        ("/assign me", Assign(line="/assign me", logins=("alice",))),
        ("/assign @bob @carol-x", Assign(line="/assign @bob @carol-x", logins=("bob", "carol-x"))),
        ("/assign me, @bob", Assign(line="/assign me, @bob", logins=("alice", "bob"))),
        ("/unassign @bob", Unassign(line="/unassign @bob", logins=("bob",))),
        ("/type social", SetType(line="/type social", type="social")),
        ("/type type: Blog", SetType(line="/type type: Blog", type="blog")),
        (
            "/blocked waiting for legal review",
            Blocked(line="/blocked waiting for legal review", reason="waiting for legal review"),
        ),
        ("/unblock", Unblock(line="/unblock")),
        ("/target 2026-12-01", Target(line="/target 2026-12-01", date=date(2026, 12, 1))),
        ("/digest", Digest(line="/digest")),
        ("/help", Help(line="/help")),
    ],
)
def test_commands(text: str, expected) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/estimate soon", "`soon` is not a duration. Write `/estimate 3h`"),
        ("/estimate 0h", "`0h` is not a duration"),
        ("/estimate", "something is missing after the command"),
        ("/status", "something is missing"),
        ("/assign", "something is missing"),
        ("/assign @bad!login", "`@bad!login` is not a list of logins"),
        ("/type so cial!", "`so cial!` is not a type name"),
        ("/target 12/01/2026", "`12/01/2026` is not a date. Write `/target 2026-12-01`"),
        ("/blocked", "something is missing"),
        ("/unblock please", "`/unblock` takes nothing after it"),
        ("/help me", "`/help` takes nothing after it"),
    ],
)
def test_errors_say_what_was_wrong_and_the_right_form(text: str, says: str) -> None:
    found = one(text)
    assert isinstance(found, ParseError)
    assert says in found.message
    assert found.message.startswith(f"`{text.strip()}`")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "please /estimate 3h",  # not at the start of a line
        "see /tmp/file for details",
        "/tmp/file",  # not a known command
        "/estimating 3h",
        "```\n/estimate 3h\n```",
        "~~~md\n/estimate 3h\n~~~",
        "    /estimate 3h",  # indented code
        "> /estimate 3h",  # a quote of someone else's comment
        ">> /status Done",
    ],
)
def test_no_commands(text: str) -> None:
    assert parse_commands(text, ACTOR) == []


def test_several_commands_run_in_order_and_code_is_skipped() -> None:
    text = "Ready!\n/estimate 2h\n```\n/status Done\n```\n/status In Progress\n/assign me\n"
    found = parse_commands(text, ACTOR)
    assert [c.name for c in found] == ["estimate", "status", "assign"]
    assert found[1].status == "In Progress"


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("/estimate 3h", "/estimate 3h", []),
        ("/estimate 3h", "/estimate 3h\n/status Done", ["/status Done"]),
        ("/estimate 3h", "/estimate 4h", ["/estimate 4h"]),
        ("/help", "fixed a typo\n/help", []),
        ("/assign me", "/assign me\n/assign me", ["/assign me"]),  # a second one is new
        ("", "/unblock", ["/unblock"]),
    ],
)
def test_an_edited_comment_runs_only_new_commands(before, after, expected) -> None:
    assert [c.line for c in new_commands(before, after, ACTOR)] == expected
