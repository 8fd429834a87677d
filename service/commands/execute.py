"""Run parsed commands against GitHub for one issue: permissions, writes, reaction, reply."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from service.commands.help import help_text
from service.commands.parser import (
    USAGE,
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
    _Command,
)
from service.durations import format_hours
from service.engine.desired import RuleResult
from service.engine.model import TYPE_PREFIX, Ruleset
from service.gateway.errors import GitHubError
from service.gateway.models import Board, BoardItem, Issue
from service.gateway.protocol import GitHubGateway, Permission
from service.store import notes

NOTE_BLOCKED = notes.BLOCKED_REASON
ALLOWED: frozenset[Permission] = frozenset({"triage", "write", "maintain", "admin"})
PERMISSION_TTL = 60.0  # seconds a looked-up permission is trusted
# Commands run per comment (or new issue body). One comment of 2,000 `/estimate` lines made
# 2,003 GitHub writes; nobody needs more than a handful at once. The rest get one line in
# the reply saying how many were ignored.
MAX_COMMANDS = 10
# GitHub refuses comment bodies over 65,536 characters. A reply is cut well below that,
# leaving room for the hidden marker the gateway adds and the note saying it was cut.
MAX_REPLY = 60_000


class PermissionCache:
    """Repository permissions looked up through GitHub, trusted for `ttl` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = PERMISSION_TTL):
        self.clock = clock
        self.ttl = ttl
        self._seen: dict[tuple[str, str], tuple[float, Permission]] = {}
        self._lock = threading.Lock()

    def get(self, gateway: GitHubGateway, repo: str, login: str) -> Permission:
        key = (repo.casefold(), login.casefold())
        now = self.clock()
        with self._lock:
            cached = self._seen.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        permission = gateway.get_permission(repo, login)
        with self._lock:
            self._seen[key] = (now, permission)
        return permission

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


PERMISSIONS = PermissionCache()


@dataclass
class CommandContext:
    gateway: GitHubGateway
    engine: Engine
    ruleset: Ruleset
    board: Board | None
    issue: Issue
    actor: str
    now: datetime
    comment_id: int | None = None  # None: the commands were in the issue's body
    regenerate_digest: Callable[[Issue], str] | None = None
    # How the rules stand on the issue (for /help), computed only when asked.
    rule_results: Callable[[Issue], Sequence[RuleResult]] | None = None
    # The bot's own login: its comments are never obeyed, even if one reaches here.
    bot_login: str | None = None
    permissions: PermissionCache = field(default_factory=lambda: PERMISSIONS, repr=False)
    writes: list[str] = field(default_factory=list, repr=False)
    _item: BoardItem | None = field(default=None, repr=False)


@dataclass
class CommandResult:
    """What the commands of one comment did; `as_outcome()` is stored on the delivery."""

    ran: list[dict[str, Any]] = field(default_factory=list)  # {line, ok, message} in order
    reaction: str | None = None  # "+1", "confused", or None (nothing ran; an issue body)
    reply: str | None = None
    changed: bool = False  # something on GitHub or in the store was changed by a command
    writes: list[str] = field(default_factory=list)  # every write made, in words, in order
    ignored: int = 0  # commands past MAX_COMMANDS, not run

    def as_outcome(self) -> dict[str, Any]:
        return {
            "ran": self.ran,
            "reaction": self.reaction,
            "replied": self.reply is not None,
            "writes": self.writes,
            "ignored": self.ignored,
        }


class CommandFailed(Exception):
    """What went wrong, in words for the person who wrote the command."""


def _item(ctx: CommandContext) -> tuple[Board, BoardItem]:
    if ctx.board is None:
        raise CommandFailed("no board is configured (BOARDWATCH_PROJECT), so there is no field")
    if ctx._item is None:
        if ctx.issue.node_id is None:
            raise CommandFailed("GitHub did not say which issue this is; try again")
        ctx._item = ctx.gateway.get_item(ctx.board, ctx.issue.node_id, add=True)
    if ctx._item is None:
        raise CommandFailed("the issue could not be added to the board")
    return ctx.board, ctx._item


def _same_value(have: Any, want: Any) -> bool:
    if isinstance(have, str) and isinstance(want, str):
        return have.casefold() == want.casefold()
    if isinstance(have, int | float) and isinstance(want, int | float):
        return abs(have - want) < 1e-9
    return bool(have == want)


def _set(ctx: CommandContext, field_name: str, value: Any) -> None:
    board, item = _item(ctx)
    have = item.value(field_name)
    if have is not None and _same_value(have, value):
        return  # already so: no API call
    ctx.gateway.set_field(board, item.id, field_name, value)
    ctx.writes.append(f"board {field_name} = {value}")
    ctx._item = item.model_copy(update={"fields": {**item.fields, field_name: value}})


def _status(ctx: CommandContext, wanted: str) -> str:
    board, _ = _item(ctx)
    status_field = board.field(ctx.ruleset.board.status_field)
    if status_field is None:
        raise CommandFailed(f"the board has no `{ctx.ruleset.board.status_field}` field")
    option = status_field.option(wanted)
    if option is None:
        names = ", ".join(f"`{o.name}`" for o in status_field.options)
        raise CommandFailed(f"`{wanted}` is not a Status of this board; choose one of {names}")
    _set(ctx, status_field.name, option.name)
    return option.name


def _type(ctx: CommandContext, wanted: str) -> str:
    known = [name for name in ctx.ruleset.labels if name.casefold().startswith(TYPE_PREFIX)]
    label = next((n for n in known if n.casefold() == f"{TYPE_PREFIX}{wanted}".casefold()), None)
    if label is None:
        names = ", ".join(f"`{n.removeprefix(TYPE_PREFIX)}`" for n in known)
        raise CommandFailed(f"`{wanted}` is not a work type; choose one of {names}")
    issue, gateway = ctx.issue, ctx.gateway
    have = {name.casefold() for name in issue.labels}
    others = [
        name
        for name in issue.labels
        if name.casefold().startswith(TYPE_PREFIX) and name.casefold() != label.casefold()
    ]
    if label.casefold() not in have:
        spec = ctx.ruleset.labels[label]
        gateway.ensure_label(issue.repo, label, spec.color, spec.description)
        gateway.add_labels(issue.repo, issue.number, [label], current=issue.labels)
        ctx.writes.append(f"label + {label}")
    if others:
        gateway.remove_labels(issue.repo, issue.number, others, current=issue.labels)
        ctx.writes.extend(f"label - {name}" for name in others)
    kept = tuple(name for name in issue.labels if name not in others)
    if label.casefold() not in have:
        kept = (*kept, label)
    ctx.issue = issue.model_copy(update={"labels": kept})
    return label


def _assignees(current: Sequence[str], command: Assign | Unassign) -> list[str]:
    """The assignees after the command (GitHub logins are case-insensitive)."""
    named = {login.casefold() for login in command.logins}
    if isinstance(command, Unassign):
        return [x for x in current if x.casefold() not in named]
    have = {x.casefold() for x in current}
    return [*current, *(x for x in command.logins if x.casefold() not in have)]


def _run_one(ctx: CommandContext, command: _Command) -> str:
    """Do one command; returns what was done, in words."""
    issue, gateway, board_names = ctx.issue, ctx.gateway, ctx.ruleset.board
    if isinstance(command, Estimate):
        _set(ctx, board_names.estimate_field, command.hours)
        return f"{board_names.estimate_field} set to {format_hours(command.hours)}"
    if isinstance(command, SetStatus):
        return f"Status set to {_status(ctx, command.status)}"
    if isinstance(command, Assign | Unassign):
        logins = _assignees(issue.assignees, command)
        if logins != list(issue.assignees):
            gateway.set_assignees(issue.repo, issue.number, logins)
            ctx.writes.append(f"assignees = {', '.join(logins) or 'none'}")
            ctx.issue = issue.model_copy(update={"assignees": tuple(logins)})
        return f"assignees: {', '.join('@' + x for x in logins) or 'none'}"
    if isinstance(command, SetType):
        return f"labelled `{_type(ctx, command.type)}`"
    if isinstance(command, Blocked):
        status = _status(ctx, "Blocked")
        notes.set_note(
            ctx.engine, issue.repo, issue.number, NOTE_BLOCKED, command.reason, ctx.actor
        )
        ctx.writes.append(f"note {NOTE_BLOCKED} = {command.reason}")
        return f"Status set to {status}: {command.reason}"
    if isinstance(command, Unblock):
        status = _status(ctx, "In Progress")
        notes.delete_note(ctx.engine, issue.repo, issue.number, NOTE_BLOCKED)
        ctx.writes.append(f"note {NOTE_BLOCKED} deleted")
        return f"Status set to {status}"
    if isinstance(command, Target):
        _set(ctx, board_names.target_field, command.date)
        return f"{board_names.target_field} set to {command.date.isoformat()}"
    if isinstance(command, Digest):
        if "digest" not in {label.casefold() for label in issue.labels}:
            raise CommandFailed("`/digest` works in a digest issue (labelled `digest`) only")
        if ctx.regenerate_digest is None:
            raise CommandFailed("digests need BOARDWATCH_PROJECT and BOARDWATCH_REPOSITORY set")
        done = ctx.regenerate_digest(issue)
        ctx.writes.append(f"digest #{issue.number} regenerated")
        return done
    raise AssertionError(f"unhandled command {command!r}")


def _wants_change(command: _Command | ParseError) -> bool:
    if isinstance(command, ParseError):
        return command.command not in ("", "help")
    return not isinstance(command, Help)


def _not_permitted(ctx: CommandContext, permission: Permission) -> str:
    has = (
        "you are not a collaborator"
        if permission == "none"
        else f"your permission is `{permission}`"
    )
    return (
        f"@{ctx.actor} thanks! Only people with triage, write, maintain or admin permission "
        f"on {ctx.issue.repo} can change issues and the board with commands, and {has}. "
        "Someone on the team can run the command for you."
    )


def _help(ctx: CommandContext) -> str:
    results = ctx.rule_results(ctx.issue) if ctx.rule_results else None
    return help_text(ctx.ruleset, results)


def execute(ctx: CommandContext, parsed: list[_Command | ParseError]) -> CommandResult:
    """Run the commands in order; react 👍 when all worked, 😕 otherwise; reply if needed.

    Permission is looked up (cached) only when a command would change something, so
    anybody may ask for `/help`. Someone without permission gets one reply for the whole
    comment and nothing runs. Only the first MAX_COMMANDS commands are considered.
    """
    result = CommandResult()
    if not parsed or (ctx.bot_login and ctx.actor.casefold() == ctx.bot_login.casefold()):
        return result
    result.ignored = max(0, len(parsed) - MAX_COMMANDS)
    parsed = parsed[:MAX_COMMANDS]
    if any(_wants_change(c) for c in parsed):
        permission = ctx.permissions.get(ctx.gateway, ctx.issue.repo, ctx.actor)
        if permission not in ALLOWED:
            result.reaction = "confused"
            parts = [_not_permitted(ctx, permission)]
            if any(isinstance(c, Help) for c in parsed):
                parts.append(_help(ctx))
            result.reply = "\n\n".join(parts)
            result.ran = [
                {"line": c.line, "ok": False, "message": f"not permitted ({permission})"}
                for c in parsed
            ]
            return _finish(ctx, result)
    errors: list[str] = []
    extra: list[str] = []
    first_write = len(ctx.writes)
    for command in parsed:
        if isinstance(command, ParseError):
            errors.append(command.message)
            result.ran.append({"line": command.line, "ok": False, "message": command.message})
            continue
        if isinstance(command, Help):
            if not extra:  # the same help twice says nothing new
                extra.append(_help(ctx))
            result.ran.append({"line": command.line, "ok": True, "message": "help"})
            continue
        try:
            done = _run_one(ctx, command)
        except (CommandFailed, GitHubError) as exc:
            message = f"`{command.line}`: {exc}. Write {USAGE[command.name]}."
            errors.append(message)
            result.ran.append({"line": command.line, "ok": False, "message": str(exc)})
            continue
        result.ran.append({"line": command.line, "ok": True, "message": done})
    result.writes = ctx.writes[first_write:]
    result.changed = bool(result.writes)
    result.reaction = "confused" if errors or result.ignored else "+1"
    if errors or extra or result.ignored:
        parts = [f"@{ctx.actor}"]
        if errors:
            parts.append("Some commands did not work:\n" + "\n".join(f"- {e}" for e in errors))
        if result.ignored:
            parts.append(_ignored(result.ignored))
        parts += extra
        result.reply = "\n\n".join(parts)
    return _finish(ctx, result)


def _ignored(count: int) -> str:
    what = "command was" if count == 1 else "commands were"
    return (
        f"{count:,} more {what} ignored: at most {MAX_COMMANDS} commands run per comment. "
        "Write the rest in another comment."
    )


def capped(reply: str) -> str:
    """`reply`, cut with a note if it is longer than MAX_REPLY characters."""
    if len(reply) <= MAX_REPLY:
        return reply
    note = f"\n\n… (cut here: a reply has at most {MAX_REPLY:,} characters)"
    return reply[: MAX_REPLY - len(note)] + note


def _finish(ctx: CommandContext, result: CommandResult) -> CommandResult:
    repo = ctx.issue.repo
    if ctx.comment_id is not None and result.reaction is not None:
        ctx.gateway.add_reaction(repo, ctx.comment_id, result.reaction)  # type: ignore[arg-type]
    if result.reply is not None:
        result.reply = capped(result.reply)
        # One reply per commanding comment, found by marker: a retried delivery edits it.
        key = f"reply-{ctx.comment_id}" if ctx.comment_id else "reply-issue"
        ctx.gateway.upsert_comment(repo, ctx.issue.number, key, result.reply)
    return result
