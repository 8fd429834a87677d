"""A small, strict parser of slash commands (pure).

A command is `/name arguments` alone on a line, outside code blocks, indented code and
quotes. Only known names count, so a path such as `/tmp/x` in a sentence is no command.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.durations import parse_hours


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: str = Field(description="the line as written, for replies")


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


class Target(_Command):
    name: Literal["target"] = "target"
    date: date


class Digest(_Command):
    name: Literal["digest"] = "digest"


class Help(_Command):
    name: Literal["help"] = "help"


Command = Annotated[
    Estimate | SetStatus | Assign | Unassign | SetType | Blocked | Unblock | Target | Digest | Help,
    Field(discriminator="name"),
]


class ParseError(BaseModel):
    model_config = ConfigDict(frozen=True)
    line: str
    message: str  # what was wrong, and the right form
    command: str = ""  # the command's name, e.g. `estimate`: a failed change still asks to change


# The right form of each command, used in errors and in /help.
USAGE: dict[str, str] = {
    "estimate": "`/estimate 3h` — units m, h, d (a day is 8h); a bare number is hours",
    "status": "`/status In Progress` — one of the board's Status options",
    "assign": "`/assign me` or `/assign @login [@login ...]`",
    "unassign": "`/unassign @login [@login ...]` (or `/unassign me`)",
    "type": "`/type social` — sets the one `type: ` label",
    "blocked": "`/blocked waiting for legal review` — sets Blocked and records why",
    "unblock": "`/unblock` — back to In Progress",
    "target": "`/target 2026-12-01` — sets Target date (YYYY-MM-DD)",
    "digest": "`/digest` — in a digest issue: regenerate it now",
    "help": "`/help` — the commands, and the rules that apply to this issue",
}
_LINE = re.compile(r"^ {0,3}/([a-z]+)(?:[ \t]+(.*?))?[ \t]*$", re.IGNORECASE)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTML_OPEN, _HTML_CLOSE = "<!--", "-->"
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

    if name in ("unblock", "digest", "help"):
        if args:
            return error(f"`/{name}` takes nothing after it")
        if name == "unblock":
            return Unblock(line=line)
        return Digest(line=line) if name == "digest" else Help(line=line)
    if name in ("status", "type"):
        args = args.strip(_QUOTES).strip()
    if not args:
        return error("something is missing after the command")
    if name == "estimate":
        hours = parse_hours(args)
        if hours is None or hours <= 0:
            return error(f"`{args}` is not a duration")
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
    # Only YYYY-MM-DD: date.fromisoformat would also take `20261201` and week dates.
    try:
        if _DATE.match(args):
            return Target(line=line, date=date.fromisoformat(args))
    except ValueError:
        pass
    return error(f"`{args}` is not a date")


def command_lines(text: str) -> list[tuple[str, str, str]]:
    """(name, arguments, line) of every command line outside code, quotes and HTML comments.

    HTML comments count because issue templates hide their instructions in them
    (`<!-- comment /estimate 3h when you know -->`); the writer did not command anything.
    """
    found: list[tuple[str, str, str]] = []
    fence: str | None = None
    in_comment = False
    for raw in (text or "").splitlines():
        fenced = _FENCE.match(raw)
        if fence is not None:
            # A closing fence is the same character, at least as long, and nothing after it.
            if fenced and not fenced.group(2).strip():
                mark = fenced.group(1)
                if mark[0] == fence[0] and len(mark) >= len(fence):
                    fence = None
            continue
        if in_comment:
            in_comment = _HTML_CLOSE not in raw
            continue
        if fenced and not (fenced.group(1)[0] == "`" and "`" in fenced.group(2)):
            fence = fenced.group(1)
            continue
        opened = raw.rfind(_HTML_OPEN)
        if opened >= 0 and raw.find(_HTML_CLOSE, opened) < 0:
            in_comment = True
        if raw.startswith(("    ", "\t")) or raw.lstrip().startswith((">", _HTML_OPEN)):
            continue
        match = _LINE.match(raw)
        if match and match.group(1).lower() in USAGE:
            found.append((match.group(1).lower(), (match.group(2) or "").strip(), raw.strip()))
    return found


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
    old = [_same(name, args) for name, args, _ in command_lines(before)]
    fresh: list[Command | ParseError] = []
    for name, args, line in command_lines(after):
        key = _same(name, args)
        if key in old:
            old.remove(key)
            continue
        fresh.append(_parse(name, args, line, actor))
    return fresh
