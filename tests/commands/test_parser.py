"""The command parser, by table: every command, every error, code, quotes, edits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.commands.parser import (
    MAX_COMMAND_LINE,
    MAX_HIGHLIGHT,
    USAGE,
    Assign,
    Blocked,
    Estimate,
    Help,
    Highlight,
    ParseError,
    RegenerateDigest,
    SetStatus,
    SetTarget,
    SetType,
    Unassign,
    Unblock,
    command_lines,
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
        ("/estimate 1000h", Estimate(line="/estimate 1000h", hours=1000)),
        ("/estimate 125d", Estimate(line="/estimate 125d", hours=1000)),
        ("/estimate 90 min", Estimate(line="/estimate 90 min", hours=1.5)),
        ("/estimate\t2H", Estimate(line="/estimate\t2H", hours=2)),
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
        ("/target 2026-12-01", SetTarget(line="/target 2026-12-01", date=date(2026, 12, 1))),
        ("/digest", RegenerateDigest(line="/digest")),
        (
            "/highlight Webinar: 120 sign-ups",
            Highlight(line="/highlight Webinar: 120 sign-ups", sentence="Webinar: 120 sign-ups"),
        ),
        ('/highlight "Quoted"', Highlight(line='/highlight "Quoted"', sentence="Quoted")),
        (
            "/highlight " + "w" * MAX_HIGHLIGHT,
            Highlight(line="/highlight " + "w" * MAX_HIGHLIGHT, sentence="w" * MAX_HIGHLIGHT),
        ),
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
        ("/highlight", "something is missing"),
        ('/highlight ""', "something is missing"),
        ("/highlight " + "w" * 281, "the sentence has 281 characters; at most 280"),
        ("/unblock please", "`/unblock` takes nothing after it"),
        ("/help me", "`/help` takes nothing after it"),
        ("/estimate 1001h", "`1001h` is not a duration: an estimate is more than 0 and at most"),
        ("/estimate 126d", "at most 1000h"),
        ("/estimate 0.00001h", "more than 0"),
        ("/estimate " + "9" * 400, "at most 1000h"),  # was an infinity, and a crash
        ("/estimate 8" + "0" * 300, "at most 1000h"),  # was accepted
        ("/estimate 8e300", "`8e300` is not a duration. Write `/estimate 3h`"),
        ("/estimate inf", "`inf` is not a duration"),
        ("/estimate nan", "`nan` is not a duration"),
        ("/estimate ٣h", "`٣h` is not a duration"),  # digits are ASCII digits
        ("/estimate 1.5.3h", "`1.5.3h` is not a duration"),
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
        "- /estimate 3h",  # a list item is not a line of its own
        "1. /estimate 3h",
        "# /estimate 3h",
        "<pre>\n\n/estimate 3h\n</pre>",  # <pre> holds across blank lines
        "<script>\n/estimate 3h\n</script>",
        "<div>\n<!--\n/estimate 3h\n-->\n</div>",
        "text <!-- a hint\n/estimate 3h\n-->",  # a comment opened inside a paragraph
        "/estimate:3h",
        "/estimate3h",
        "x" * 65_536 + "\n/estimate 3h",  # past GitHub's limit: not read
        "\n" * 1_000 + "/estimate 3h",  # past the lines read (MAX_LINES): not read
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
        ("- done this\n/estimate 3h", ["/estimate 3h"]),  # lazily continues the list item
        ("- item\n  /estimate 3h", ["/estimate 3h"]),
        ("/estimate 3h\n---", ["/estimate 3h"]),  # a line over `---` is still a line
        ("/help\r\n/unblock\r\n", ["/help", "/unblock"]),
        ("<pre>\n/status Done\n</pre>\n/help", ["/help"]),
        ('<img src="shot.png">\n/estimate 3h', ["/estimate 3h"]),  # text in an HTML block
        ("<details>\n<summary>x</summary>\n/help\n</details>", ["/help"]),
    ],
)
def test_commands_around_code_comments_and_quotes(text: str, lines: list[str]) -> None:
    assert [c.line for c in parse_commands(text, ACTOR)] == lines


def test_a_too_long_command_line_is_an_error_that_quotes_only_its_start() -> None:
    line = "/status " + "x" * MAX_COMMAND_LINE
    found = one(line)
    assert isinstance(found, ParseError)
    assert found.command == "status"
    assert f"the line is {len(line):,} characters long" in found.message
    assert "a command line has at most 1,000" in found.message
    assert len(found.message) < 500 and len(found.line) < 100


def test_a_line_at_the_limit_is_read() -> None:
    line = "/blocked " + "x" * (MAX_COMMAND_LINE - len("/blocked "))
    assert one(line) == Blocked(line=line, reason=line.removeprefix("/blocked "))


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


def test_editing_a_comment_of_thousands_of_commands_compares_them_by_count() -> None:
    before = "/estimate 3h\n" * 900
    after = before + "/estimate 3h\n/help\n"
    assert [c.line for c in new_commands(before, after, ACTOR)] == ["/estimate 3h", "/help"]


# -- adversarial comments: the parser returns, and finds only real command lines ----------

PIECES = [
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "`",
    "```",
    "~~~",
    ">",
    "[",
    "- ",
    "    ",
    "<pre>",
    "</pre>",
    "<!--",
    "-->",
    "/",
    "/estimate",
    "/estimate 3h\n",
    "/status Done\n",
    "/help\n",
    "9",
    "a",
]
RUNS = st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 70_000)), min_size=1, max_size=6)


@settings(
    max_examples=60,
    deadline=None,  # speed is for bench/readers.py
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(RUNS)
def test_adversarial_comments_are_parsed(runs: list[tuple[str, int]]) -> None:
    text = "".join((piece * count)[:65_536] for piece, count in runs)
    lines = text[:65_536].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = parse_commands(text, ACTOR)
    assert len(found) <= len(lines)
    written = {line.strip() for line in lines}
    for name, _, line in command_lines(text):
        assert name in USAGE
        assert line in written and line.startswith("/")
    for command in found:
        if isinstance(command, ParseError):
            assert len(command.message) < 4_000
            assert command.command in USAGE
