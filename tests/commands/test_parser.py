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
        ("/unassign me", Unassign(line="/unassign me", logins=("alice",))),
        ("/assign @bot-x[bot]", Assign(line="/assign @bot-x[bot]", logins=("bot-x[bot]",))),
        ('/status "In Progress"', SetStatus(line='/status "In Progress"', status="In Progress")),
        ("/status `Done`", SetStatus(line="/status `Done`", status="Done")),
        ("/HELP", Help(line="/HELP")),
        ("   /help", Help(line="/help")),
        ("/help\r\n", Help(line="/help")),
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
        ("/target 20261201", "`20261201` is not a date"),
        ("/target 2026-W48-1", "`2026-W48-1` is not a date"),
        ("/target 2026-02-30", "`2026-02-30` is not a date"),
        ("/estimate -3h", "`-3h` is not a duration"),
        ("/estimate 3 hours", "`3 hours` is not a duration"),
        ('/status ""', "something is missing"),
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
    assert found.command == text.split()[0].removeprefix("/")


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
        "  > /status Done",
        "\t/estimate 3h",  # indented code, by tab
        "<!-- /estimate 3h -->",
        "<!--\nWhen you know, comment:\n/estimate 3h\n-->",  # an issue template's hint
        "```md\n/estimate 3h\n```python\n/status Done\n```",  # an info string closes nothing
        "````\n```\n/estimate 3h\n````",  # a longer fence is closed by a longer one only
        "~~~\n/estimate 3h\n```\n/status Done\n~~~",
        "```\n/estimate 3h",  # an unclosed fence runs to the end
    ],
)
def test_no_commands(text: str) -> None:
    assert parse_commands(text, ACTOR) == []


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("<!-- a hint -->\n/estimate 3h", ["/estimate 3h"]),
        ("<!--\n/status Done\n-->\n/estimate 3h", ["/estimate 3h"]),
        ("```js\ncode\n```\n/help", ["/help"]),
        ("``` `/help` ```\n/unblock", ["/unblock"]),  # inline code, not a fence
        ("> /status Done\n/status Todo", ["/status Todo"]),
        ("    /status Done\n   /status Todo", ["/status Todo"]),
    ],
)
def test_commands_around_code_comments_and_quotes(text: str, lines: list[str]) -> None:
    assert [c.line for c in parse_commands(text, ACTOR)] == lines


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
        ("/Estimate  3h", "/estimate 3h", []),  # case of the name and spacing: the same
        ("/status Todo\n/status Done", "/status Done\n/status Todo", []),
        ("/assign me\n/assign me", "/assign me", []),
        ("```\n/help\n```", "/help", ["/help"]),  # taken out of code: now a command
        ("/estimate soon", "/estimate 3h", ["/estimate 3h"]),  # a fixed mistake runs
        ("/help", "> /help\n/unblock", ["/unblock"]),
    ],
)
def test_an_edited_comment_runs_only_new_commands(before, after, expected) -> None:
    assert [c.line for c in new_commands(before, after, ACTOR)] == expected
