"""A small, strict parser of slash commands (pure).

A command is `/name arguments` alone on a line, outside code blocks, indented code,
quotes, `<pre>` (and the like) and HTML comments. Only known names count, so a path such as `/tmp/x`
in a sentence is no command. Which lines are prose is decided by the Markdown parser that
reads bodies (`service.engine.body.read`); the line itself is then read with string methods.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.commands.metric_input import NotAValue, read_day, read_value
from service.durations import MAX_HOURS, NotADuration, read_hours
from service.engine.body import read

# A command is a short line; a longer one is a mistake or an attack. It is an error for
# that line (quoted only in part), so replies stay short and nothing reads it further.
MAX_COMMAND_LINE = 1_000
_QUOTED_START = 60  # characters of a too-long line quoted back
# A highlight is one sentence read out at the meeting, not a report.
MAX_HIGHLIGHT = 280


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: str = Field(description="the line as written, for replies")
    name: str  # each command narrows it to its Literal name


class Estimate(_Command):
    name: Literal["estimate"] = "estimate"
    hours: float


class SetStatus(_Command):
    name: Literal["status"] = "status"
    status: str


class Assign(_Command):
    name: Literal["assign"] = "assign"
    logins: tuple[str, ...]


class Unassign(_Command):
    name: Literal["unassign"] = "unassign"
    logins: tuple[str, ...]


class SetType(_Command):
    name: Literal["type"] = "type"
    type: str


class Blocked(_Command):
    name: Literal["blocked"] = "blocked"
    reason: str


class Unblock(_Command):
    name: Literal["unblock"] = "unblock"


class SetTarget(_Command):
    name: Literal["target"] = "target"
    date: date


class RegenerateDigest(_Command):
    name: Literal["digest"] = "digest"


class Highlight(_Command):
    name: Literal["highlight"] = "highlight"
    sentence: str


class RecordMetric(_Command):
    name: Literal["metric"] = "metric"
    metric: str  # lower-case, as the targets file declares it
    value: float
    day: date | None = None  # None: today, in the team's time zone


class Help(_Command):
    name: Literal["help"] = "help"


Command = Annotated[
    Estimate
    | SetStatus
    | Assign
    | Unassign
    | SetType
    | Blocked
    | Unblock
    | SetTarget
    | RegenerateDigest
    | Highlight
    | RecordMetric
    | Help,
    Field(discriminator="name"),
]


class ParseError(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: str
    message: str  # what was wrong, and the right form
    command: str = ""  # the command's name, e.g. `estimate`: a failed change still asks to change


# The right form of each command, used in errors and in /help.
USAGE: dict[str, str] = {
    "estimate": (
        "`/estimate 3h` — units m, h, d (a day is 8h); a bare number is hours; "
        f"at most {MAX_HOURS:g}h"
    ),
    "status": "`/status In Progress` — one of the board's Status options",
    "assign": "`/assign me` or `/assign @login [@login ...]`",
    "unassign": "`/unassign @login [@login ...]` (or `/unassign me`)",
    "type": "`/type social` — sets the one `type: ` label",
    "blocked": "`/blocked waiting for legal review` — sets Blocked and records why",
    "unblock": "`/unblock` — back to In Progress",
    "target": "`/target 2026-12-01` — sets Target date (YYYY-MM-DD)",
    "digest": "`/digest` — in a digest issue: regenerate it now",
    "highlight": (
        "`/highlight Launched the spring campaign, 2,000 sign-ups` — one sentence "
        f"(at most {MAX_HIGHLIGHT} characters) for the next digest's Highlights"
    ),
    "metric": (
        "`/metric emails 12 [2026-11-20]` — records a value of a metric the targets declare "
        "(the date defaults to today)"
    ),
    "help": "`/help` — the commands, and the rules that apply to this issue",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Quotes or backticks around an argument (`/status "In Progress"`) are not part of it.
_QUOTES = "\"'`“”‘’"
_LOGIN = re.compile(r"^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?)$")


def _logins(args: str, actor: str, allow_me: bool) -> tuple[str, ...] | None:
    found: list[str] = []
    for word in args.replace(",", " ").split():
        if allow_me and word.lower() == "me":
            found.append(actor)
            continue
        match = _LOGIN.match(word)
        if match is None:
            return None
        found.append(match.group(1))
    return tuple(dict.fromkeys(found)) or None


def _parse(name: str, args: str, line: str, actor: str) -> Command | ParseError:
    def error(what: str) -> ParseError:
        message = f"`{line}`: {what}. Write {USAGE[name]}."
        return ParseError(line=line, command=name, message=message)

    if len(line) > MAX_COMMAND_LINE:
        start = f"{line[:_QUOTED_START]}…"
        message = (
            f"`{start}`: the line is {len(line):,} characters long; a command line has at "
            f"most {MAX_COMMAND_LINE:,}. Write {USAGE[name]}."
        )
        return ParseError(line=start, command=name, message=message)

    if name in ("unblock", "digest", "help"):
        if args:
            return error(f"`/{name}` takes nothing after it")
        if name == "unblock":
            return Unblock(line=line)
        return RegenerateDigest(line=line) if name == "digest" else Help(line=line)
    if name in ("status", "type", "highlight"):
        args = args.strip(_QUOTES).strip()
    if not args:
        return error("something is missing after the command")
    if name == "estimate":
        hours = read_hours(args)
        if isinstance(hours, NotADuration):
            return error(f"`{args}` {hours.reason}")
        return Estimate(line=line, hours=hours)
    if name == "status":
        return SetStatus(line=line, status=args)
    if name in ("assign", "unassign"):
        logins = _logins(args, actor, allow_me=True)
        if logins is None:
            return error(f"`{args}` is not a list of logins")
        return (Assign if name == "assign" else Unassign)(line=line, logins=logins)
    if name == "type":
        value = args.removeprefix("type:").strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9 _-]*", value):
            return error(f"`{args}` is not a type name")
        return SetType(line=line, type=value)
    if name == "blocked":
        return Blocked(line=line, reason=args)
    if name == "highlight":
        if len(args) > MAX_HIGHLIGHT:
            return error(f"the sentence has {len(args):,} characters; at most {MAX_HIGHLIGHT}")
        return Highlight(line=line, sentence=args)
    if name == "metric":
        return _metric(args, line, error)
    # Only YYYY-MM-DD: date.fromisoformat would also take `20261201` and week dates.
    try:
        if _DATE.match(args):
            return SetTarget(line=line, date=date.fromisoformat(args))
    except ValueError:
        pass
    return error(f"`{args}` is not a date")


def _metric(args: str, line: str, error: Callable[[str], ParseError]) -> Command | ParseError:
    words = args.split()
    if len(words) not in (2, 3):
        return error("give a metric, a value and optionally a date")
    try:
        value = read_value(words[1])
        day = read_day(words[2]) if len(words) == 3 else None
    except NotAValue as exc:
        return error(str(exc))
    return RecordMetric(line=line, metric=words[0].lower(), value=value, day=day)


def _command_line(line: str) -> tuple[str, str, str] | None:
    """(name, arguments, line) if `line` is `/known-name arguments` (at most 3 spaces in)."""
    text = line.lstrip(" ")
    if len(line) - len(text) > 3 or not text.startswith("/"):
        return None
    end = 1
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    name, rest = text[1:end].lower(), text[end:]
    if name not in USAGE or rest[:1] not in ("", " ", "\t"):
        return None
    return name, rest.strip(), text.strip()


def command_lines(text: str) -> list[tuple[str, str, str]]:
    """(name, arguments, line) of every command line outside code, quotes and HTML comments.

    HTML comments count because issue templates hide their instructions in them
    (`<!-- comment /estimate 3h when you know -->`); the writer did not command anything.
    """
    return [found for line in read(text).prose if (found := _command_line(line)) is not None]


def parse_commands(text: str, actor: str) -> list[Command | ParseError]:
    """Every command in `text`, in order; a malformed one is a ParseError with the right form.

    `actor` is who wrote the text: `/assign me` means them.
    """
    return [_parse(name, args, line, actor) for name, args, line in command_lines(text)]


def _same(name: str, args: str) -> tuple[str, str]:
    # Case of the name and spacing do not make a command new; a changed argument does.
    return name, " ".join(args.split())


def new_commands(before: str, after: str, actor: str) -> list[Command | ParseError]:
    """Commands of an edited comment that were not there before, in order.

    Each command of `before` matches at most one equal command of `after`, so a command
    written once more than before runs once more.
    """
    old = Counter(_same(name, args) for name, args, _ in command_lines(before))
    fresh: list[Command | ParseError] = []
    for name, args, line in command_lines(after):
        key = _same(name, args)
        if old[key] > 0:
            old[key] -= 1
            continue
        fresh.append(_parse(name, args, line, actor))
    return fresh
